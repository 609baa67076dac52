#include "sim/engine.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "sim/agent_rules.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {

namespace {

// What one thread accumulates in a parallel phase, summed after it. In the event-driven
// engine and in recounts, counts.stocks and counts.transit_wait hold changes to the
// rank's stocks and to its in-transit timer sums (see tally).
struct Partial {
  StepCounts counts;
  std::vector<Request> requests;
  std::vector<std::uint32_t> due;  // event-driven decide: offsets of the due agents in a block
};

// Adds agent i (sign +1) to, or takes it (-1) from, a rank's stocks and the sum of its
// in-transit agents' entry steps, from which transit_wait follows (publish_stocks).
void tally(const AgentStore& a, const StepCounts& shape, std::size_t i, int o, NodeId home, int sign,
           std::vector<std::int64_t>& stocks, std::vector<std::int64_t>& transit_timers) {
  const NodeId at = AgentRules::counted_at_of(a, i, home);
  const auto s = static_cast<Status>(a.status[i]);
  stocks[shape.stock(o, at, s)] += sign;
  if (s == Status::InTransit) transit_timers[shape.on(o, at)] += sign * static_cast<std::int64_t>(a.timer[i]);
}

}  // namespace

struct PartialSet {
  tbb::enumerable_thread_specific<Partial> local;

  // This thread's partial, sized like `shape` (quotas can change from step to step).
  Partial& mine(const StepCounts& shape) {
    Partial& p = local.local();
    if (p.counts.stocks.size() != shape.stocks.size() || p.counts.quotas != shape.quotas)
      p.counts.resize(shape.origins, shape.destinations, shape.nodes, shape.edges, shape.quotas);
    return p;
  }
  void clear_stocks() {
    for (Partial& p : local) {
      std::fill(p.counts.stocks.begin(), p.counts.stocks.end(), 0);
      std::fill(p.counts.transit_wait.begin(), p.counts.transit_wait.end(), 0);
    }
  }
  // Adds the threads' stocks and transit_wait to `stocks` and `transit` (cleared first
  // when `replace`).
  void sum_stocks(std::vector<std::int64_t>& stocks, std::vector<std::int64_t>& transit, bool replace) const {
    if (replace) {
      std::fill(stocks.begin(), stocks.end(), 0);
      std::fill(transit.begin(), transit.end(), 0);
    }
    for (const Partial& p : local) {
      if (p.counts.stocks.size() != stocks.size()) continue;
      for (size_t i = 0; i < stocks.size(); ++i) stocks[i] += p.counts.stocks[i];
      for (size_t i = 0; i < transit.size(); ++i) transit[i] += p.counts.transit_wait[i];
    }
  }
};

Engine::Engine(std::shared_ptr<const World> world, int replicate, const Comm& comm, std::vector<ModelParams> params,
               const AgentStore* initial)
    : world_(std::move(world)),
      comm_(comm),
      replicate_(replicate),
      seed_(replicate_seed(world_->scenario().seed, replicate)),
      partials_(std::make_unique<PartialSet>()) {
  const Scenario& sc = world_->scenario();
  steps_ = sc.calendar.steps();
  series_.seed = seed_;
  const bool own_draws = params.empty();
  for (int o = 0; o < world_->origin_count(); ++o) {
    const int row = own_draws ? parameter_draw_index(sc, o, replicate) : -1;
    series_.parameter_draws.push_back(row);
    const ParameterSample& sample = sc.origins[o].posterior;
    auto drawn = [&](std::string_view name) {
      const int column = row < 0 ? -1 : sample.column(std::string(name));
      return column < 0 ? 0.0 : sample.draws[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
    };
    for (std::string_view name : kObservationErrorNames) series_.model_discrepancy.push_back(drawn(name));
    series_.model_discrepancy_correlation.push_back(drawn(kObservationErrorCorrelation));
  }
  for (size_t p = 0; p < sc.policies.size(); ++p) {
    const PolicySpec& spec = sc.policies[p];
    ActivePolicy ap{spec, spec.config->instantiate(*world_), sc.calendar.step_at(spec.from),
                    sc.calendar.step_at(YearMonth::from_index(spec.until.index() + 1)) - 1,
                    static_cast<int>(series_.policies.size())};
    series_.policies.emplace_back(spec.id);
    ap.policy->declare(series_.policies.back());
    policies_.push_back(std::move(ap));
  }
  params_ = own_draws ? replicate_parameters(sc, replicate) : std::move(params);
  env_ = baseline_environment(*world_, params_);
  counts_.resize(world_->origin_count(), world_->destination_count(), world_->node_count(), world_->edge_count(), 0);
  core_series_ = declare_core_series(*world_, series_.core);
  series_.core.reserve_steps(static_cast<size_t>(steps_));
  for (const OriginSpec& o : sc.origins) persons_per_agent_.push_back(o.persons_per_agent);
  origin_first_id_.push_back(0);
  for (const OriginSpec& o : sc.origins) {
    reserve_begin_.push_back(origin_first_id_.back() + o.total_agents() - o.reserve);
    origin_first_id_.push_back(origin_first_id_.back() + o.total_agents());
  }
  entered_.assign(sc.origins.size(), 0);
  step_entries_.assign(sc.origins.size(), 0);
  step_exits_.assign(sc.origins.size(), 0);
  if (initial) {
    agents_ = *initial;
    assign_initial_status(agents_, *world_, params_, seed_);
  } else
    populate_agents(agents_, *world_, params_, seed_, comm_);
  if (sc.engine == EngineMode::Event)
    schedule_ = std::make_unique<EventSchedule>(agents_.size(), world_->origin_count(), steps_, seed_);
  observe();
  share_counts();
}

Engine::~Engine() = default;

ReplicateSeries declared_series(const World& world) {
  ReplicateSeries series;
  for (const PolicySpec& spec : world.scenario().policies) {
    series.policies.emplace_back(spec.id);
    spec.config->instantiate(world)->declare(series.policies.back());
  }
  declare_core_series(world, series.core);
  return series;
}

void Engine::observe() {
  recount_own();
  publish_stocks();
}

void Engine::recount_own() {
  partials_->clear_stocks();
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, agents_.size(), kAgentGrain), [&](const auto& r) {
    Partial& p = partials_->mine(counts_);
    by_origin(agents_, r.begin(), r.end(), [&](int o, std::uint64_t b, std::uint64_t e) {
      const NodeId home = world_->origin_node(o);
      for (std::uint64_t i = b; i < e; ++i)
        if (agents_.status[i] != kAbsent)
          tally(agents_, counts_, i, o, home, +1, p.counts.stocks, p.counts.transit_wait);
    });
  });
  own_stocks_.assign(counts_.stocks.size(), 0);
  own_transit_timers_.assign(counts_.transit_wait.size(), 0);
  partials_->sum_stocks(own_stocks_, own_transit_timers_, true);
}

void Engine::publish_stocks() {
  counts_.stocks = own_stocks_;
  for (int o = 0; o < counts_.origins; ++o)
    for (int n = 0; n < counts_.nodes; ++n)
      counts_.transit_wait[counts_.on(o, n)] =
          own_stocks_[counts_.stock(o, n, Status::InTransit)] * step_ - own_transit_timers_[counts_.on(o, n)];
}

std::uint64_t Engine::not_entered(int o) const {
  const std::uint64_t id = reserve_begin_[o] + entered_[o];
  return std::clamp(id, agents_.first_id, agents_.first_id + agents_.size()) - agents_.first_id;
}

void Engine::share_stocks() {
  if (comm_.size() == 1) return;
  std::vector<std::int64_t> buffer(counts_.stocks);
  buffer.insert(buffer.end(), counts_.transit_wait.begin(), counts_.transit_wait.end());
  comm_.sum(buffer);
  std::copy_n(buffer.begin(), counts_.stocks.size(), counts_.stocks.begin());
  std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(counts_.stocks.size()), buffer.end(),
            counts_.transit_wait.begin());
}

// At the first step of each year, each origin's residents at home (at home, returned,
// on a visit) are brought to what its population series asks for. Those at home or
// returned leave the working-age population with the turnover's chance, and a new
// person takes each one's place (an agent at home with traits drawn afresh); where the
// residents exceed the target, more leave and their places stay empty; where they fall
// short, people enter (enter_working_age). Every draw is a function of (seed, agent,
// step), and the entrants' count follows from counts summed over ranks, so results do
// not depend on threads or ranks.
void Engine::renew_population() {
  std::fill(step_entries_.begin(), step_entries_.end(), 0);
  std::fill(step_exits_.begin(), step_exits_.end(), 0);
  const Scenario& sc = world_->scenario();
  if (sc.demography.mode != DemographyMode::Renewing || !sc.opens_year(step_)) return;
  const int origins = world_->origin_count();
  auto residents = [&](int o, bool with_visitors) {
    std::int64_t n = 0;
    for (int node = 0; node < counts_.nodes; ++node)
      n += counts_.stocks[counts_.stock(o, node, Status::AtHome)] +
           counts_.stocks[counts_.stock(o, node, Status::Returned)] +
           (with_visitors ? counts_.stocks[counts_.stock(o, node, Status::Visitor)] : 0);
    return n;
  };
  std::vector<double> leave_empty(static_cast<std::size_t>(origins));
  std::vector<std::int64_t> target(static_cast<std::size_t>(origins));
  for (int o = 0; o < origins; ++o) {
    target[o] = std::llround(sc.resident_target(o, step_));
    const std::int64_t surplus = residents(o, true) - target[o], may_leave = residents(o, false);
    leave_empty[o] = surplus > 0 && may_leave > 0 ? static_cast<double>(surplus) / static_cast<double>(may_leave) : 0;
  }
  partials_->clear_stocks();
  const auto [replaced, gone_here] = draw_leavers(leave_empty);
  std::vector<std::int64_t> gone = gone_here;
  if (comm_.size() > 1) comm_.sum(gone);
  for (int o = 0; o < origins; ++o) {
    step_exits_[o] = replaced[o] + gone_here[o];
    step_entries_[o] =
        replaced[o] + enter_working_age(o, std::max<std::int64_t>(0, target[o] - (residents(o, true) - gone[o])));
  }
  if (schedule_) {
    partials_->sum_stocks(own_stocks_, own_transit_timers_, false);
  } else {
    recount_own();  // the stepped engine recounts every step; its own_stocks_ are not kept up to date
  }
  publish_stocks();
  share_stocks();
}

void Engine::enter_at_home(std::size_t i, int o) {
  agents_.status[i] = static_cast<std::uint8_t>(Status::AtHome);
  agents_.location[i] = world_->origin_node(o);
  agents_.destination[i] = 0;
  agents_.via[i] = kNoNode;
  agents_.timer[i] = 0;
  if (schedule_)
    schedule_->enter(
        agents_, i, o, step_,
        draw(seed_, agents_.first_id + i, static_cast<std::uint32_t>(step_), Purpose::Demography).uniform(1));
}

// Who leaves: in blocks of ids fixed by the origin's first id, the candidates are the
// successes of Bernoulli(p) trials over the block's ids, drawn as geometric gaps from
// the block's own stream, so a year's cost follows the leavers, not the population; a
// candidate at home or returned leaves (others are not in the working-age population at
// home), replaced with the turnover's share of p. Each rank walks the blocks it holds a
// part of. The stock changes go to the threads' partial stocks.
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> Engine::draw_leavers(
    const std::vector<double>& leave_empty) {
  const Scenario& sc = world_->scenario();
  const int origins = world_->origin_count();
  const double turnover = sc.demography.turnover;
  const auto now = static_cast<std::uint32_t>(step_);
  struct Block {
    int o;
    std::uint64_t begin, end;  // global ids
  };
  std::vector<Block> blocks;
  const std::uint64_t mine_begin = agents_.first_id, mine_end = agents_.first_id + agents_.size();
  for (int o = 0; o < origins; ++o)
    for (std::uint64_t g = origin_first_id_[o]; g < origin_first_id_[o + 1]; g += kLeaveBlock) {
      const std::uint64_t end = std::min(g + kLeaveBlock, origin_first_id_[o + 1]);
      if (end > mine_begin && g < mine_end && turnover + leave_empty[o] > 0) blocks.push_back({o, g, end});
    }
  std::vector<std::atomic<std::int64_t>> replaced(static_cast<std::size_t>(origins)),
      emptied(static_cast<std::size_t>(origins));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks.size(), 16), [&](const auto& r) {
    Partial& part = partials_->mine(counts_);
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const Block& block = blocks[k];
      const int o = block.o;
      const NodeId home = world_->origin_node(o);
      const double p = std::min(1.0, turnover + leave_empty[o]), log_stay = std::log1p(-p);
      std::uint64_t word = block.begin * kLeaveBlock;
      Draws words{};
      int used = 4;
      auto uniform = [&] {
        if (used == 4) {
          words = draw(seed_, word++, now, Purpose::Leaving);
          used = 0;
        }
        return words.uniform(used++);
      };
      std::int64_t new_person = 0, gone = 0;
      for (std::uint64_t id = block.begin;; ++id) {
        const double gap = p >= 1.0 ? 0.0 : std::floor(std::log1p(-uniform()) / log_stay);
        if (gap >= static_cast<double>(block.end - id)) break;
        id += static_cast<std::uint64_t>(gap);
        const bool replace = uniform() * p < turnover;
        if (id < mine_begin || id >= mine_end) continue;
        const std::size_t i = id - mine_begin;
        const std::uint8_t s = agents_.status[i];
        if (s != static_cast<std::uint8_t>(Status::AtHome) && s != static_cast<std::uint8_t>(Status::Returned))
          continue;
        tally(agents_, counts_, i, o, home, -1, part.counts.stocks, part.counts.transit_wait);
        if (replace) {
          draw_traits(agents_, i, sc.origins[o], params_[o].savings_dispersion, seed_, step_);
          enter_at_home(i, o);
          tally(agents_, counts_, i, o, home, +1, part.counts.stocks, part.counts.transit_wait);
          ++new_person;
        } else {
          agents_.status[i] = kAbsent;
          if (schedule_) schedule_->cancel(i);
          ++gone;
        }
      }
      replaced[o] += new_person;
      emptied[o] += gone;
    }
  });
  std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> out;
  for (int o = 0; o < origins; ++o) {
    out.first.push_back(replaced[o].load());
    out.second.push_back(emptied[o].load());
  }
  return out;
}

// `entrants` people enter origin o's population at home (the same count on every rank):
// first its reserve, in id order; beyond the reserve's allowance, the places left empty
// before, in id order over all ranks (rare, so this scan of the origin's agents is too).
// With fewer places than entrants (emigration of a fifth of the residents a year, say),
// the residents stay short of the series until places free up. Returns this rank's.
std::int64_t Engine::enter_working_age(int o, std::int64_t entrants) {
  const OriginSpec& spec = world_->scenario().origins[o];
  const std::uint64_t mine_begin = agents_.first_id, mine_end = agents_.first_id + agents_.size();
  const auto from_reserve = std::min<std::uint64_t>(static_cast<std::uint64_t>(entrants), spec.reserve - entered_[o]);
  const std::uint64_t from = reserve_begin_[o] + entered_[o], to = from + from_reserve;
  const std::uint64_t mine_from = std::clamp(from, mine_begin, mine_end),
                      mine_to = std::clamp(to, mine_begin, mine_end);
  for (std::uint64_t id = mine_from; id < mine_to; ++id) enter_at_home(id - mine_begin, o);
  auto mine = static_cast<std::int64_t>(mine_to - mine_from);
  entered_[o] += from_reserve;
  if (const auto more = static_cast<std::uint64_t>(entrants) - from_reserve; more > 0) {
    const std::uint64_t b = std::clamp(origin_first_id_[o], mine_begin, mine_end) - mine_begin,
                        e = std::clamp(reserve_begin_[o], mine_begin, mine_end) - mine_begin;
    std::vector<std::uint64_t> empty;
    for (std::uint64_t i = b; i < e; ++i)
      if (agents_.status[i] == kAbsent) empty.push_back(i);
    std::vector<std::uint64_t> per_rank{empty.size()};
    if (comm_.size() > 1) {
      const std::vector<std::byte> all = comm_.all_gather(std::as_bytes(std::span(per_rank)));
      per_rank.resize(all.size() / sizeof(std::uint64_t));
      std::memcpy(per_rank.data(), all.data(), all.size());
    }
    std::uint64_t before_me = 0;
    for (int r = 0; r < comm_.rank(); ++r) before_me += per_rank[r];
    const std::uint64_t take = std::min<std::uint64_t>(empty.size(), more - std::min(more, before_me));
    for (std::uint64_t k = 0; k < take; ++k) {
      draw_traits(agents_, empty[k], spec, params_[o].savings_dispersion, seed_, step_);
      enter_at_home(empty[k], o);
    }
    mine += static_cast<std::int64_t>(take);
  }
  own_stocks_[counts_.stock(o, world_->origin_node(o), Status::AtHome)] += mine;
  return mine;
}

void Engine::update() {
  renew_population();
  const Scenario& sc = world_->scenario();
  env_ = baseline_environment(*world_, params_);
  env_.mechanism_key = mechanism_key(sc, replicate_);
  const StepContext ctx{step_, sc.calendar.year(step_), static_cast<double>(sc.calendar.step_months)};
  for (ActivePolicy& ap : policies_)
    if (step_ >= ap.first_step && step_ <= ap.last_step) ap.policy->update(ctx, counts_, env_);
  tables_.build(*world_, env_, params_, counts_, step_);
  const int quotas = static_cast<int>(env_.quotas.size());
  if (quotas != counts_.quotas) {
    counts_.quotas = quotas;
    counts_.quota_requests.assign(quotas, 0);
    counts_.quota_granted.assign(quotas, 0);
    counts_.quota_recruited.assign(quotas, 0);
    counts_.quota_unfilled.assign(quotas, 0);
  }
  counts_.clear_flows();
  counts_.entries = step_entries_;
  counts_.exits = step_exits_;
  counts_.remittances = tables_.remittances;
  if (schedule_) schedule_->refresh(agents_, tables_, step_);
}

void Engine::decide() {
  partials_->clear_stocks();
  for (auto& p : partials_->local) {
    p.counts.clear_flows();
    p.requests.clear();
  }
  if (schedule_) return decide_events();
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, agents_.size(), kAgentGrain), [&](const auto& r) {
    Partial& p = partials_->mine(counts_);
    AgentRules k{agents_, *world_, tables_, p.counts, &p.requests, seed_, step_, counts_.quotas};
    GateStream gate(seed_, step_);
    by_origin(agents_, r.begin(), r.end(), [&](int o, std::uint64_t b, std::uint64_t e) {
      const NodeId home = world_->origin_node(o);
      for (std::uint64_t i = b; i < e; ++i)
        if (agents_.status[i] != kAbsent && !k.act(i, o, gate(agents_.first_id + i)))
          k.count(i, o, home);  // requesters: counted after resolve
    });
  });
  // Everyone who did not request; requesters follow in apply.
  partials_->sum_stocks(counts_.stocks, counts_.transit_wait, true);
}

// Only the agents whose step it is: each is taken out of the stocks, acts with its
// scheduled gate, and (unless it waits for resolve) is put back in its new state with
// its next event drawn.
void Engine::decide_events() {
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, agents_.size(), kAgentGrain), [&](const auto& r) {
    Partial& p = partials_->mine(counts_);
    AgentRules k{agents_, *world_, tables_, p.counts, &p.requests, seed_, step_, counts_.quotas};
    std::uint64_t looks = 0;
    by_origin(agents_, r.begin(), r.end(), [&](int o, std::uint64_t b, std::uint64_t e) {
      const NodeId home = world_->origin_node(o);
      // The due agents are sparse (about 1 in 100), so their fields are cache misses:
      // find them first, then fetch a few ahead of the one being done.
      std::vector<std::uint32_t>& due = p.due;
      due.clear();
      schedule_->collect_due(b, std::min(e, std::max(b, not_entered(o))), step_, due);
      constexpr std::size_t kAhead = 8;
      for (std::size_t j = 0; j < due.size(); ++j) {
        if (j + kAhead < due.size()) agents_.prefetch(b + due[j + kAhead]);
        const std::uint64_t i = b + due[j];
        tally(agents_, counts_, i, o, home, -1, p.counts.stocks, p.counts.transit_wait);
        const Draws look = schedule_->look(agents_, i, step_);
        if (k.act(i, o, schedule_->gate(agents_, i, o, step_, look))) continue;
        tally(agents_, counts_, i, o, home, +1, p.counts.stocks, p.counts.transit_wait);
        schedule_->reschedule(agents_, i, o, step_, look);
      }
      looks += due.size();
    });
    schedule_->add_looks(looks);
  });
  partials_->sum_stocks(own_stocks_, own_transit_timers_, false);
}

// Every rank's requests, on every rank: each needs the whole lottery to know its winners.
static std::vector<Request> gather_requests(std::vector<Request> mine, const Comm& comm) {
  if (comm.size() == 1) return mine;
  const std::vector<std::byte> bytes = comm.all_gather(std::as_bytes(std::span(mine)));
  std::vector<Request> all(bytes.size() / sizeof(Request));
  if (!all.empty()) std::memcpy(all.data(), bytes.data(), all.size() * sizeof(Request));
  return all;
}

void Engine::resolve_and_apply() {
  const Scenario& sc = world_->scenario();
  std::vector<Request> mine;
  for (auto& p : partials_->local) {
    if (p.counts.quotas == counts_.quotas && p.counts.stocks.size() == counts_.stocks.size()) counts_.add(p.counts);
    mine.insert(mine.end(), p.requests.begin(), p.requests.end());
  }
  std::vector<Request> all = gather_requests(std::move(mine), comm_);
  std::sort(all.begin(), all.end());  // by resource, then key: the order is the lottery
  AgentRules k{agents_, *world_, tables_, counts_, nullptr, seed_, step_, counts_.quotas};
  const std::int32_t quotas = counts_.quotas;
  // Quotas are decided in their order, each over its own applicants and the losers of
  // earlier quotas open to them (tables_.next_quota), who join with a fresh key.
  std::vector<std::vector<Request>> applicants(static_cast<size_t>(quotas));
  const auto groups =
      std::partition_point(all.begin(), all.end(), [&](const Request& r) { return r.resource < quotas; });
  for (auto it = all.begin(); it != groups; ++it) applicants[static_cast<size_t>(it->resource)].push_back(*it);

  // Settles one local requester after the lottery (counting it unless it was passed on).
  auto settle = [&](const Request& req, bool wins) {
    if (req.agent < agents_.first_id || req.agent - agents_.first_id >= agents_.size()) return;  // another rank's
    const std::size_t i = req.agent - agents_.first_id;
    AgentRules::Uniforms u{k, i};
    if (req.resource < quotas) {
      ++counts_.quota_requests[req.resource];
      if (wins) {
        ++counts_.quota_granted[req.resource];
        k.travel_legal(i, req.origin, env_.quotas[req.resource].member_state);
      } else {
        k.without_permit(i, req.origin, env_.quotas[req.resource].member_state, u);
      }
    } else {
      const EdgeId e = world_->irregular_next_hop(agents_.location[i], agents_.destination[i]);
      if (wins)
        k.cross(i, req.origin, e, u);
      else
        ++counts_.edge_blocked[counts_.oe(req.origin, e)];
    }
    const NodeId home = world_->origin_node(req.origin);
    if (schedule_) {
      tally(agents_, counts_, i, req.origin, home, +1, own_stocks_, own_transit_timers_);
      schedule_->reschedule(agents_, i, req.origin, step_, schedule_->look(agents_, i, step_));
    } else {
      k.count(i, req.origin, home);
    }
  };
  // The requests of one resource, in key order, win while the persons admitted fit.
  auto decide = [&](std::span<const Request> requests, double capacity, auto&& outcome) {
    double used = 0;  // persons admitted so far, in key order: exact whatever the scales
    for (const Request& req : requests) {
      const double persons = sc.origins[req.origin].persons_per_agent;
      const bool wins = used + persons <= capacity * (1 + 1e-12);
      if (wins) used += persons;
      outcome(req, wins);
    }
  };
  for (std::int32_t q = 0; q < quotas; ++q) {
    std::vector<Request>& requests = applicants[static_cast<size_t>(q)];
    std::sort(requests.begin(), requests.end());
    // The places no applicant took are recruited for at home next step (StepTables):
    // every rank knows them, so rank 0 alone counts them and the sum over ranks is right.
    double taken = 0;
    for (const Request& req : requests) taken += sc.origins[req.origin].persons_per_agent;
    if (comm_.rank() == 0)
      counts_.quota_unfilled[q] =
          static_cast<std::int64_t>(std::floor(std::max(0.0, tables_.quota_capacity[q] * (1 + 1e-12) - taken)));
    decide(requests, tables_.quota_capacity[q], [&](const Request& req, bool wins) {
      const std::int32_t next = wins ? -1 : tables_.next_quota[static_cast<size_t>(q) * kSkillCount + req.skill];
      if (next < 0) return settle(req, wins);
      if (req.agent >= agents_.first_id && req.agent - agents_.first_id < agents_.size()) ++counts_.quota_requests[q];
      Request passed = req;
      passed.resource = next;
      passed.key = replicate_seed(req.key, next);  // a SplitMix64 mix: a new ticket for the next lottery
      applicants[static_cast<size_t>(next)].push_back(passed);
    });
  }
  for (auto begin = groups; begin != all.end();) {
    auto end = begin;
    while (end != all.end() && end->resource == begin->resource) ++end;
    decide(std::span<const Request>(&*begin, static_cast<size_t>(end - begin)),
           tables_.group_capacity[begin->resource - quotas], settle);
    begin = end;
  }
  if (schedule_) publish_stocks();
  share_counts();
}

// Sums this rank's counts with the other ranks' (one all-reduce of every table), and
// agrees on stopping: any rank asked to stop means every rank stops after this step.
void Engine::share_counts() {
  const bool stop_here = stop_source_ && stop_source_->load();
  if (comm_.size() == 1) {
    stop_agreed_ = stop_here;
    return;
  }
  std::vector<std::int64_t> buffer;
  for_each_count_table(counts_,
                       [&](const std::vector<std::int64_t>& v) { buffer.insert(buffer.end(), v.begin(), v.end()); });
  buffer.push_back(stop_here ? 1 : 0);
  comm_.sum(buffer);
  size_t at = 0;
  for_each_count_table(counts_, [&](std::vector<std::int64_t>& v) {
    std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(at), v.size(), v.begin());
    at += v.size();
  });
  stop_agreed_ = buffer[at] != 0;
}

void Engine::record() {
  const Scenario& sc = world_->scenario();
  record_core_series(core_series_, {counts_, persons_per_agent_, static_cast<double>(sc.calendar.step_months)},
                     series_.core);
  const StepContext ctx{step_, sc.calendar.year(step_), static_cast<double>(sc.calendar.step_months)};
  for (const ActivePolicy& ap : policies_)
    ap.policy->record(ctx, step_ >= ap.first_step && step_ <= ap.last_step, env_, counts_, series_.policies[ap.group]);
  series_.core.commit_rows();
  for (SeriesGroup& policy_group : series_.policies) policy_group.commit_rows();
}

void Engine::step() {
  update();
  decide();  // observes too: each agent is counted once its transition is known
  resolve_and_apply();
  if (recording_) record();
  finish_step();
}

void Engine::run(const std::function<void(int)>& on_step) {
  while (!done()) {
    step();
    if (on_step) on_step(step_);
  }
}

}  // namespace migflow
