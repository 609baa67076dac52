// The event-driven engine's schedule (docs/design.md, "Event-driven stepping"): each
// agent's next step at which something may happen to it, so that a step touches only
// the agents whose step it is.
//
// Every (origin, status) class has a gate bound B (sim/agent_rules.hpp, gate_bound):
// the chance, per step, that an agent of the class is looked at. An agent's next
// candidate step is the first success of a Bernoulli(B) per step, a geometric gap drawn
// once; on that step its gate is U * B, uniform below the bound, so act() sees exactly
// the gate distribution it would see if drawn every step (thinning). Timers (permit
// expiry, end of a short stay, asylum decision) are events too: on a timer's step the
// gate is a full uniform, as in the stepped engine.
//
// Tables change from step to step (policies, prices, diaspora feedback), so B is kept
// with headroom over what the step needs: when the need rises above B, or falls far
// below it, the class gets a new B and its agents' candidates are drawn again from this
// step. Bernoulli trials are memoryless, so redrawing is exact at any step.
//
// Every draw is a pure function of (seed, agent, step, purpose): results do not depend
// on threads, ranks or the order agents are visited in.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sim/agents.hpp"
#include "sim/rng.hpp"
#include "sim/step_tables.hpp"

namespace migflow {

class BinaryReader;
class BinaryWriter;

class EventSchedule {
 public:
  static constexpr std::uint16_t kNever = 0xFFFF;  // no event before the run ends
  // A class's bound B is the smallest power of two at or above what the step needs
  // (at most 1), and is kept until the need exceeds it or falls below B / 4. Powers of
  // two keep B the same when a parameter moves a little, so runs at nearby parameters
  // share their schedules and gates (common random numbers, which the calibration's
  // likelihood relies on, as the stepped engine's per-step gates do). The cost: about
  // a third of candidates do nothing, and a class is drawn again when its need
  // doubles or falls by three quarters.
  static double bound_for(double need);
  static constexpr double kSlack = 4.0;

  EventSchedule() = default;
  EventSchedule(std::size_t agents, int origins, int steps, std::uint64_t seed)
      : next_(agents, kNever),
        bound_(static_cast<std::size_t>(origins) * kStatusCount, -1.0),
        log_miss_(bound_.size(), 0.0),
        miss_to_end_(bound_.size(), 0.0),
        no_shortcut_(bound_.size(), 0.0),
        steps_(steps),
        seed_(seed) {}

  // Appends the offsets from `begin` of the agents in [begin, end) due in `step`.
  void collect_due(std::uint64_t begin, std::uint64_t end, int step, std::vector<std::uint32_t>& out) const {
    const std::uint16_t* next = next_.data();
    const auto now = static_cast<std::uint16_t>(step);
    std::uint64_t i = begin;
    // Most blocks of 32 hold nobody due (about 1 agent in 100 to 300 is): test each
    // as a whole, with vector compares where the machine has them (SSE2: every x86-64).
    for (; i + 32 <= end; i += 32) {
      if (!any_due_in_32(next + i, now)) continue;
      for (std::uint64_t j = i; j < i + 32; ++j)
        if (next[j] == now) out.push_back(static_cast<std::uint32_t>(j - begin));
    }
    for (; i < end; ++i)
      if (next[i] == now) out.push_back(static_cast<std::uint32_t>(i - begin));
  }

  // Agent i's random words for its due step: word 0 makes its gate, word 1 the gap to
  // its next candidate. One Philox call, as the stepped engine's gate costs.
  Draws look(const AgentStore& a, std::size_t i, int step) const {
    return draw(seed_, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Look);
  }
  // Agent i's gate on its due step: a full uniform when a timer is due, else U * B.
  double gate(const AgentStore& a, std::size_t i, int o, int step, const Draws& look) const;

  // Draws agent i's next event after it acted in `step` (its state is the new one).
  void reschedule(const AgentStore& a, std::size_t i, int o, int step, const Draws& look) {
    next_[i] = next_event(a, i, o, step + 1, look.uniform(1), miss_to_end_);
  }

  // A renewing population (Engine::renew_population): an agent that left has no more
  // events; one that entered at the start of `step` has its first candidate drawn from
  // `step` on, with `uniform` its own draw.
  void cancel(std::size_t i) { next_[i] = kNever; }
  void enter(const AgentStore& a, std::size_t i, int o, int step, double uniform) {
    next_[i] = next_event(a, i, o, step, uniform, no_shortcut_);
  }

  // At the start of `step`, with that step's tables: new bounds where the need left
  // the old ones' range, and those classes' agents drawn again from `step`. The first
  // call draws every agent. Returns the number of classes redrawn.
  int refresh(const AgentStore& a, const StepTables& t, int step);

  // Diagnostics: agents looked at on their due step (events and thinned candidates),
  // classes and agents drawn again after a bound changed.
  void add_looks(std::uint64_t n) { looks_ += n; }
  std::uint64_t looks() const { return looks_.load(); }
  std::uint64_t class_redraws() const { return class_redraws_; }
  std::uint64_t agents_redrawn() const { return agents_redrawn_; }
  static constexpr std::size_t kBytesPerAgent = sizeof(std::uint16_t);

  // Checkpoints: the next events and bounds are random state the run continues from.
  void save(BinaryWriter& out) const;
  void restore(BinaryReader& in, int step);  // throws CorruptData

 private:
  static bool any_due_in_32(const std::uint16_t* next, std::uint16_t now) {
#if defined(__SSE2__)
    const __m128i step = _mm_set1_epi16(static_cast<short>(now));
    auto eq = [&](int k) {
      return _mm_cmpeq_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(next + 8 * k)), step);
    };
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(eq(0), eq(1)), _mm_or_si128(eq(2), eq(3)))) != 0;
#else
    unsigned any = 0;
    for (int j = 0; j < 32; ++j) any |= static_cast<unsigned>(next[j] == now);
    return any != 0;
#endif
  }
  std::size_t cls(int o, Status s) const { return static_cast<std::size_t>(o) * kStatusCount + static_cast<int>(s); }
  // The first step at or after `from` with a candidate or the timer, or kNever;
  // `uniform` draws the gap.
  // `miss_to_end`: per class, (1 - bound)^(steps - from), the chance of no candidate
  // before the end.
  std::uint16_t next_event(const AgentStore& a, std::size_t i, int o, int from, double uniform,
                           const std::vector<double>& miss_to_end) const;

  std::vector<std::uint16_t> next_;  // per agent
  std::vector<double> bound_;        // per (origin, status); negative: not drawn yet
  std::vector<double> log_miss_;     // per (origin, status): ln(1 - bound), for the gaps
  std::vector<double> miss_to_end_;  // per (origin, status): no candidate after this step (refresh)
  std::vector<double> no_shortcut_;  // zeros: next_event always draws the gap (enter)
  int steps_ = 0;
  std::uint64_t seed_ = 0;
  std::uint64_t class_redraws_ = 0, agents_redrawn_ = 0;
  std::atomic<std::uint64_t> looks_{0};
};

// An agent's state in memory: its fields, and its next step in the event-driven engine.
inline std::size_t bytes_per_agent(EngineMode engine) {
  return AgentStore::kBytesPerAgent + (engine == EngineMode::Event ? EventSchedule::kBytesPerAgent : 0);
}

}  // namespace migflow
