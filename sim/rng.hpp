// Counter-based random numbers (Random123 Philox4x32-10): every draw is a pure function
// of (seed, agent, step, purpose), so results never depend on threads, ranks or order.
#pragma once
#include <Random123/philox.h>

#include <cstdint>

namespace migflow {

enum class Purpose : std::uint32_t {
  Init = 1,        // an agent's fixed traits (skill, resources)
  Step = 2,        // the four uniforms an agent uses in one step
  Resolve = 3,     // the priority key of a capacity-limited request
  Gate = 4,        // whether anything happens to an agent this step (one word per agent)
  Look = 5,        // event-driven engine, an agent's due step: its gate, the gap to its next candidate
  Redraw = 6,      // event-driven engine: that gap again, drawn when the class's gate bound changed
  Demography = 7,  // a renewing population: an entrant's first candidate
  Leaving = 8,  // a renewing population: who leaves it, a stream per block of ids (key: block's first id * 4096 + word)
  // Calibration and sensitivity analysis (analysis/): keyed by particle or sample, not agent.
  Prior = 16,             // initial draws of the sampler's particles
  Resample = 17,          // the sampler's resampling
  Proposal = 18,          // the sampler's Metropolis proposals and acceptances
  ParameterDraw = 19,     // which posterior parameter set a replicate uses
  Sensitivity = 20,       // sensitivity-analysis sample points and bootstrap
  ObservationNoise = 21,  // synthetic observation errors (self-checks of the calibration)
};

struct Draws {
  std::uint32_t bits[4];
  // Uniform in [0, 1) with 32 bits of resolution.
  double uniform(int i) const { return bits[i] * 0x1p-32; }
  std::uint64_t key() const { return (std::uint64_t(bits[0]) << 32) | bits[1]; }
};

inline Draws draw(std::uint64_t seed, std::uint64_t agent, std::uint32_t step, Purpose purpose) {
  using Philox = r123::Philox4x32;
  const Philox::ctr_type ctr = {{static_cast<std::uint32_t>(agent), static_cast<std::uint32_t>(agent >> 32), step,
                                 static_cast<std::uint32_t>(purpose)}};
  const Philox::key_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const Philox::ctr_type out = Philox()(ctr, key);
  return {{out[0], out[1], out[2], out[3]}};
}

// The seed of replicate r of a run: a SplitMix64 mix, so neighbouring replicates
// get unrelated Philox keys.
inline std::uint64_t replicate_seed(std::uint64_t seed, int replicate) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(replicate + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace migflow
