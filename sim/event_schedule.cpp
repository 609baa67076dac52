#include "sim/event_schedule.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "output/binary.hpp"
#include "sim/agent_rules.hpp"

namespace migflow {

double EventSchedule::gate(const AgentStore& a, std::size_t i, int o, int step, const Draws& look) const {
  const double u = look.uniform(0);
  if (AgentRules::timer_event_of(a, i) <= step) return u;
  return u * bound_[cls(o, static_cast<Status>(a.status[i]))];
}

std::uint16_t EventSchedule::next_event(const AgentStore& a, std::size_t i, int o, int from, double uniform,
                                        const std::vector<double>& miss_to_end) const {
  const std::size_t c = cls(o, static_cast<Status>(a.status[i]));
  const double b = bound_[c];
  int at = steps_;  // none before the end
  if (b >= 1.0) {
    at = from;
  } else if (b > 0.0 && 1.0 - uniform > miss_to_end[c]) {  // else no candidate before the end: no log needed
    // Failures before the first success of Bernoulli(b) trials: P(gap >= j) = (1 - b)^j.
    const double gap = std::floor(std::log(1.0 - uniform) / log_miss_[c]);
    if (gap < static_cast<double>(steps_ - from)) at = from + static_cast<int>(gap);
  }
  if (const std::uint16_t timer = AgentRules::timer_event_of(a, i); timer != kPermanent)
    at = std::min(at, std::max<int>(timer, from));
  return at < steps_ ? static_cast<std::uint16_t>(at) : kNever;
}

double EventSchedule::bound_for(double need) {
  if (need <= 0.0) return 0.0;
  if (need >= 0.5) return 1.0;
  int exponent = 0;
  const double mantissa = std::frexp(need, &exponent);  // need = mantissa * 2^exponent, mantissa in [0.5, 1)
  return mantissa == 0.5 ? need : std::ldexp(1.0, exponent);
}

int EventSchedule::refresh(const AgentStore& a, const StepTables& t, int step) {
  const int origins = static_cast<int>(bound_.size() / kStatusCount);
  std::vector<char> redraw(bound_.size(), 0);
  int classes = 0;
  for (int o = 0; o < origins; ++o)
    for (int s = 0; s < kStatusCount; ++s) {
      const std::size_t c = cls(o, static_cast<Status>(s));
      const double need = gate_bound(t, o, static_cast<Status>(s));
      if (bound_[c] >= 0 && need <= bound_[c] && need >= bound_[c] / kSlack) continue;
      bound_[c] = bound_for(need);
      log_miss_[c] = std::log1p(-bound_[c]);
      redraw[c] = 1;
      ++classes;
    }
  // Gaps that reach the end need no log: (1 - b)^(steps left), for draws from this step
  // (redraws) and from the next (agents that act in this step).
  std::vector<double> miss_from_here(bound_.size());
  for (std::size_t c = 0; c < bound_.size(); ++c) {
    miss_from_here[c] = std::pow(1.0 - bound_[c], steps_ - step);
    miss_to_end_[c] = std::pow(1.0 - bound_[c], steps_ - step - 1);
  }
  if (classes == 0) return 0;
  class_redraws_ += static_cast<std::uint64_t>(classes);
  std::atomic<std::uint64_t> redrawn{0};
  for (int o = 0; o < origins; ++o) {
    if (std::none_of(redraw.begin() + static_cast<std::ptrdiff_t>(cls(o, Status::AtHome)),
                     redraw.begin() + static_cast<std::ptrdiff_t>(cls(o, Status::AtHome) + kStatusCount),
                     [](char r) { return r != 0; }))
      continue;
    tbb::parallel_for(
        tbb::blocked_range<std::uint64_t>(a.origin_begin[o], a.origin_begin[o + 1], kAgentGrain), [&](const auto& r) {
          std::uint64_t mine = 0;
          for (std::uint64_t i = r.begin(); i < r.end(); ++i)
            if (a.status[i] != kAbsent && redraw[cls(o, static_cast<Status>(a.status[i]))]) {
              next_[i] =
                  next_event(a, i, o, step,
                             draw(seed_, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Redraw).uniform(0),
                             miss_from_here);
              ++mine;
            }
          redrawn += mine;
        });
  }
  agents_redrawn_ += redrawn.load();
  return classes;
}

void EventSchedule::save(BinaryWriter& out) const {
  out.put_vector(bound_);
  out.put_compressed(next_);
  out.put<std::uint64_t>(class_redraws_);
  out.put<std::uint64_t>(agents_redrawn_);
}

void EventSchedule::restore(BinaryReader& in, int step) {
  std::vector<double> bound = in.get_vector<double>();
  std::vector<std::uint16_t> next = in.get_compressed<std::uint16_t>();
  if (bound.size() != bound_.size() || next.size() != next_.size()) throw CorruptData("schedule of another size");
  for (double b : bound)
    if (!(b == -1.0 || (b >= 0.0 && b <= 1.0))) throw CorruptData("schedule bound out of range");
  for (std::uint16_t n : next)
    if (n != kNever && (n < step || n >= steps_)) throw CorruptData("scheduled step out of range");
  bound_ = std::move(bound);
  for (std::size_t c = 0; c < bound_.size(); ++c) log_miss_[c] = bound_[c] < 1.0 ? std::log1p(-bound_[c]) : 0.0;
  next_ = std::move(next);
  class_redraws_ = in.get<std::uint64_t>();
  agents_redrawn_ = in.get<std::uint64_t>();
}

}  // namespace migflow
