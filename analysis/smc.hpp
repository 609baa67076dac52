// Bayesian posterior sampling by sequential Monte Carlo with likelihood tempering
// (Chopin 2002; Del Moral, Doucet & Jasra 2006): particles drawn from the prior move
// through the targets prior x likelihood^phi as phi rises from 0 to 1, each step chosen
// so that the effective sample size stays at a set share of the particles, followed by
// resampling and random-walk Metropolis moves at the new temperature. The likelihood is
// a black box (here: the simulator against observations), evaluated for all particles
// in parallel. Every random number is Philox keyed by (seed, stage, particle, purpose),
// so the sample is the same on any number of threads.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace migflow {

// How a parameter's natural value maps to the unconstrained scale the sampler moves on.
enum class Transform { Identity, Log, Logit };

// Prior of one parameter: normal on its unconstrained scale (so log-normal for a positive
// rate, logit-normal for a share), truncated to [lo, hi] on the natural scale.
struct ParameterPrior {
  std::string name;
  Transform transform = Transform::Identity;
  double mean = 0, sd = 1;         // of the unconstrained value
  double lo = -1e300, hi = 1e300;  // valid natural range (outside: prior density 0)
  double to_natural(double z) const;
  double to_unconstrained(double x) const;
  double log_density(double z) const;  // of the unconstrained value, up to a constant
};

struct SmcStage {
  double temperature = 0;
  double ess_before_resampling = 0;
  int moves = 0;
  double acceptance = 0;  // mean over the stage's moves
};

// The sampler after a tempering stage: all it needs to carry on from there to the sample
// an uninterrupted run gives, bit for bit (a checkpoint keeps it: session/).
struct SmcState {
  int stage = 0;  // stages done
  double temperature = 0;
  std::vector<std::vector<double>> positions;  // per particle, on the unconstrained scale
  std::vector<double> log_likelihood;          // per particle
  std::vector<SmcStage> stages;
  long long evaluations = 0;
  double log_evidence = 0;
};

struct SmcOptions {
  int particles = 400;
  std::uint64_t seed = 1;
  double ess_fraction = 0.5;  // each temperature step keeps this share of N as ESS
  double move_target = 0.95;  // moves per stage until a particle has moved with this chance
  int max_moves = 12;         // moves per stage at most
  int max_stages = 200;
  // Called after each stage with (stage, temperature, evaluations so far).
  std::function<void(int, double, long long)> progress;
  // smc_sample only: called with the state after each tempering stage; and a state to
  // carry on from instead of drawing the particles from the prior.
  std::function<void(const SmcState&)> stage_done;
  const SmcState* resume_from = nullptr;
  // When set, no further likelihood is evaluated and StopRequested (analysis/stop.hpp)
  // is thrown: the stage in hand is lost, the last one handed to stage_done is not.
  const std::atomic<bool>* stop = nullptr;
};

struct SmcResult {
  std::vector<std::string> names;
  // Equally weighted sample of the posterior, natural scale: particles[i][parameter].
  std::vector<std::vector<double>> particles;
  std::vector<double> log_likelihood;  // of each particle
  std::vector<SmcStage> stages;
  long long evaluations = 0;
  double log_evidence = 0;  // ln p(data), the SMC estimate
};

// The log-likelihood of one parameter set (natural scale), or -infinity. Called from
// several threads at once, so it must not share mutable state.
using LogLikelihood = std::function<double(const std::vector<double>& natural)>;

SmcResult smc_sample(const std::vector<ParameterPrior>& priors, const LogLikelihood& log_likelihood,
                     const SmcOptions& options);

// Carries a finished sample over to a changed likelihood (e.g. one whose noise model
// was refined at the posterior): importance weights new / old, resampling, and
// Metropolis moves under the new likelihood at temperature 1, recorded as one more stage.
SmcResult smc_refine(const SmcResult& sample, const std::vector<ParameterPrior>& priors,
                     const LogLikelihood& log_likelihood, const SmcOptions& options);

// Standard normal deviate from two 32-bit uniforms of a Philox block (Box-Muller).
double normal_from_uniforms(double u1, double u2);

}  // namespace migflow
