// The engine: one replicate of a scenario, stepped through six phases (docs/design.md):
//
//   1 observe   count agents per (origin, node, status)       parallel reduction
//   2 update    reset the Environment, let active policies edit it, derive tables
//   3 decide    each agent draws its transition (sim/agent_rules.hpp); contested moves
//               become requests
//   4 resolve   per quota or capped edge, the `capacity` smallest request keys win
//   5 apply     winners move, losers wait or fall back
//   6 record    append the step's aggregates to the output series
//
// Observe runs at the end of a step (after apply), which is the start of the next one:
// the counts policies see in `update` are those the previous step left.
//
// Decide visits every agent (`engine: stepped`) or only those whose next event falls in
// the step (`engine: event`, the default: sim/event_schedule.hpp), and then the stocks
// change as agents act instead of being recounted.
//
// An agent's transition in decide reads only its own fields and the step's frozen
// tables, so uncontested transitions are written in place during decide (no other agent
// can observe them before observe); only capacity-limited moves wait for resolve.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "output/series.hpp"
#include "sim/agents.hpp"
#include "sim/comm.hpp"
#include "sim/core_series.hpp"
#include "sim/parameter_draw.hpp"
#include "sim/policy.hpp"
#include "sim/step_tables.hpp"
#include "sim/world.hpp"

namespace migflow {

class BinaryReader;
class BinaryWriter;
class EventSchedule;

// Ids per block of a renewing population's draws of who leaves (Engine::renew_population).
inline constexpr std::uint64_t kLeaveBlock = 4096;

class Engine {
 public:
  // With a communicator of several ranks, this engine holds its rank's block of the
  // agents, and every rank ends each step with the same (summed) counts and series.
  // `params`: each origin's parameter set; empty: the replicate's own
  // (sim/parameter_draw.hpp). Calibration passes the parameters it tries.
  // `initial`: the agents populate_agents makes for this world, replicate seed, rank and
  // parameters' savings_dispersion, copied instead of drawn again (calibration runs the
  // same replicate at many parameter sets); null: drawn here.
  Engine(std::shared_ptr<const World> world, int replicate, const Comm& comm = serial_comm(),
         std::vector<ModelParams> params = {}, const AgentStore* initial = nullptr);
  ~Engine();

  void step();
  void run(const std::function<void(int steps_done)>& on_step = {});
  bool done() const { return step_ >= steps_; }
  // Stop requests (e.g. a signal) are read at the end of each step and agreed across
  // ranks; stopped() is true on every rank once any rank saw one.
  void watch_stop(const std::atomic<bool>* flag) { stop_source_ = flag; }
  bool stopped() const { return stop_agreed_; }
  int steps_done() const { return step_; }
  int steps() const { return steps_; }
  int replicate() const { return replicate_; }

  const World& world() const { return *world_; }
  const AgentStore& agents() const { return agents_; }
  const StepCounts& counts() const { return counts_; }
  // The event-driven engine's schedule; null when the scenario's engine is stepped.
  const EventSchedule* schedule() const { return schedule_.get(); }
  // Each origin's parameter set in this replicate (sim/parameter_draw.hpp).
  const std::vector<ModelParams>& parameters() const { return params_; }
  // The whole state between two steps, for checkpoints: step, agents, counts, policy
  // state, series so far. Random-number positions need nothing: every draw is a pure
  // function of (seed, agent, step). restore() expects an engine constructed for the
  // same world, replicate and rank; it throws CorruptData when the data do not fit.
  void save(BinaryWriter& out) const;
  void restore(BinaryReader& in);

  // The recorded series; move them out when the run is over.
  ReplicateSeries& series() { return series_; }
  // Off: step() records no series (callers that read counts() as they go, such as the
  // calibration, skip the cost). On by default.
  void set_recording(bool on) { recording_ = on; }

  // The phases, public so benchmarks can time them one at a time; step() is
  // update, decide (which observes too), resolve_and_apply, record, finish_step.
  void observe();  // recounts every agent of this rank
  void update();
  void decide();
  void resolve_and_apply();
  void record();
  void finish_step() { ++step_; }

 private:
  struct ActivePolicy {
    PolicySpec spec;
    std::unique_ptr<Policy> policy;
    int first_step = 0, last_step = -1;  // active steps, inclusive
    int group = 0;                       // index in series_.policies
  };

  void share_counts();
  void share_stocks();      // sums counts_.stocks and transit_wait over ranks (each holds its own)
  void renew_population();  // a renewing demography's exits and entries, at the start of a year
  // Its parts: the leavers drawn (per origin, this rank's agents replaced by a new person
  // and places left empty), the entrants of origin o (this rank's), and one agent made
  // a person at home with its first event drawn.
  std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> draw_leavers(const std::vector<double>& leave_empty);
  std::int64_t enter_working_age(int o, std::int64_t entrants);
  void enter_at_home(std::size_t i, int o);
  // Local index of origin o's first reserve agent not yet entered: the agents from there
  // to the origin's end have no events, so the event-driven scan stops there.
  std::uint64_t not_entered(int o) const;
  void decide_events();
  void recount_own();     // this rank's stocks and in-transit timer sums, from every agent
  void publish_stocks();  // counts_.stocks and transit_wait from this rank's, before sharing

  std::shared_ptr<const World> world_;
  const Comm& comm_;
  const std::atomic<bool>* stop_source_ = nullptr;
  bool stop_agreed_ = false;
  bool recording_ = true;
  int replicate_;
  std::uint64_t seed_;
  int step_ = 0, steps_ = 0;
  AgentStore agents_;
  Environment env_;
  StepTables tables_;
  StepCounts counts_;
  std::vector<ActivePolicy> policies_;
  std::vector<ModelParams> params_;  // each origin's parameter set in this replicate
  ReplicateSeries series_;
  CoreSeriesHandles core_series_;
  std::vector<double> persons_per_agent_;        // per origin, for the core series
  std::unique_ptr<struct PartialSet> partials_;  // per-thread counts and requests
  // The event-driven engine's schedule (null when stepped), and this rank's stocks and
  // sums of in-transit agents' entry steps, kept up to date event by event.
  std::unique_ptr<EventSchedule> schedule_;
  std::vector<std::int64_t> own_stocks_, own_transit_timers_;
  // A renewing population: each origin's first reserve agent (global id), how many of
  // the reserve have entered so far (the same on every rank), and this rank's entries
  // and exits of the step, recorded once the step's flows are cleared.
  std::vector<std::uint64_t> origin_first_id_, reserve_begin_, entered_;  // global ids; per origin (+1 for the first)
  std::vector<std::int64_t> step_entries_, step_exits_;
};

// The series a replicate of `world` records (core and every policy's), declared but
// with no rows: what the output will hold, for checking before a run starts.
ReplicateSeries declared_series(const World& world);

}  // namespace migflow
