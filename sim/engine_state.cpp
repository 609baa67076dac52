// The engine between two steps, for checkpoints (ensemble/checkpoint.hpp): the step,
// the agents' changing fields, the counts the policies read next, policy state and the
// series so far. The layout is part of the checkpoint format (ensemble/checkpoint.cpp,
// kFormat): change it only with a new format number.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "output/binary.hpp"
#include "sim/engine.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {

void Engine::save(BinaryWriter& out) const {
  out.put<std::int32_t>(step_);
  out.put<std::uint64_t>(seed_);
  out.put<std::uint64_t>(agents_.first_id);
  out.put_vector(agents_.origin_begin);
  // Skill and resources are drawn from (seed, agent) when the engine is built, and again
  // for a new person in a renewing population, so they are saved too.
  out.put_compressed(agents_.status);
  out.put_compressed(agents_.skill);
  out.put_compressed(agents_.resources);
  out.put_compressed(agents_.location);
  out.put_compressed(agents_.destination);
  out.put_compressed(agents_.via);
  out.put_compressed(agents_.timer);
  out.put_vector(entered_);
  if (schedule_) schedule_->save(out);
  out.put<std::int32_t>(counts_.quotas);
  for_each_count_table(counts_, [&](const std::vector<std::int64_t>& v) { out.put_vector(v); });
  out.put_vector(counts_.remittances);
  for (const ActivePolicy& ap : policies_) ap.policy->save(out);
  series_.core.save(out);
  for (const SeriesGroup& g : series_.policies) g.save(out);
}

void Engine::restore(BinaryReader& in) {
  const int step = in.get<std::int32_t>();
  if (step < 0 || step > steps_) throw CorruptData("step out of range");
  if (in.get<std::uint64_t>() != seed_) throw CorruptData("saved for another replicate");
  if (in.get<std::uint64_t>() != agents_.first_id || in.get_vector<std::uint64_t>() != agents_.origin_begin)
    throw CorruptData("saved for another partition of the agents");
  const std::size_t n = agents_.size();
  auto agent_field = [&](auto& field) {
    field = in.get_compressed<typename std::decay_t<decltype(field)>::value_type>();
    if (field.size() != n) throw CorruptData("agent count differs");
  };
  agent_field(agents_.status);
  agent_field(agents_.skill);
  agent_field(agents_.resources);
  agent_field(agents_.location);
  agent_field(agents_.destination);
  agent_field(agents_.via);
  agent_field(agents_.timer);
  std::vector<std::uint64_t> entered = in.get_vector<std::uint64_t>();
  if (entered.size() != entered_.size()) throw CorruptData("entrant counts of another size");
  for (std::size_t o = 0; o < entered.size(); ++o)
    if (entered[o] > world_->scenario().origins[o].reserve) throw CorruptData("more entrants than the reserve");
  entered_ = std::move(entered);
  // Values the rules index tables with must be in range, whatever the file says.
  const auto nodes = static_cast<std::size_t>(world_->node_count());
  const auto destinations = static_cast<std::size_t>(std::max(1, world_->destination_count()));
  for (std::size_t i = 0; i < n; ++i)
    if ((static_cast<int>(agents_.status[i]) >= kStatusCount && agents_.status[i] != kAbsent) ||
        agents_.skill[i] >= kSkillCount || !std::isfinite(agents_.resources[i]) || agents_.resources[i] < 0.0f ||
        agents_.location[i] >= nodes || agents_.destination[i] >= destinations ||
        (agents_.via[i] >= nodes && agents_.via[i] != kNoNode))
      throw CorruptData("agent state out of range");
  if (schedule_) schedule_->restore(in, step);
  counts_.quotas = in.get<std::int32_t>();
  if (counts_.quotas < 0 || counts_.quotas > 1'000'000) throw CorruptData("quota count out of range");
  for_each_count_table(counts_, [&](std::vector<std::int64_t>& v) {
    std::vector<std::int64_t> loaded = in.get_vector<std::int64_t>();
    // Quota tables are sized by the step's quotas; every other by the world.
    const bool per_quota = &v == &counts_.quota_requests || &v == &counts_.quota_granted ||
                           &v == &counts_.quota_recruited || &v == &counts_.quota_unfilled;
    if (loaded.size() != (per_quota ? static_cast<std::size_t>(counts_.quotas) : v.size()))
      throw CorruptData("count table of another size");
    v = std::move(loaded);
  });
  std::vector<double> remittances = in.get_vector<double>();
  if (!remittances.empty() &&  // filled from the step tables after the first step
      remittances.size() != static_cast<std::size_t>(world_->origin_count()) * world_->destination_count())
    throw CorruptData("count table of another size");
  counts_.remittances = std::move(remittances);
  for (ActivePolicy& ap : policies_) ap.policy->restore(in);
  auto same_layout = [&](const SeriesGroup& loaded, const SeriesGroup& declared) {
    if (loaded.series().size() != declared.series().size() || loaded.name() != declared.name())
      throw CorruptData("recorded series differ from the scenario's");
    for (size_t i = 0; i < loaded.series().size(); ++i)
      if (loaded.series()[i].name != declared.series()[i].name ||
          loaded.series()[i].cells != declared.series()[i].cells ||
          loaded.steps(static_cast<int>(i)) != static_cast<size_t>(step))
        throw CorruptData("recorded series differ from the scenario's");
  };
  SeriesGroup core = SeriesGroup::load(in);
  same_layout(core, series_.core);
  series_.core = std::move(core);
  series_.core.reserve_steps(static_cast<size_t>(steps_));
  for (SeriesGroup& g : series_.policies) {
    SeriesGroup loaded = SeriesGroup::load(in);
    same_layout(loaded, g);
    g = std::move(loaded);
  }
  step_ = step;
  if (schedule_) recount_own();  // the counts saved are every rank's; the events change this rank's
}

}  // namespace migflow
