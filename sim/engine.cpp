#include "sim/engine.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "sim/rng.hpp"

namespace migflow {

namespace {

// A capacity-limited move waiting for resolve: a work permit (resource < quotas) or a
// crossing of an edge in a capacity group (resource = quotas + group).
struct Request {
  std::uint64_t key;    // Philox(seed, agent, step, Resolve): the lottery ticket
  std::uint64_t agent;  // global id, so that the order is the same whatever the ranks
  std::int32_t resource;
  std::int32_t origin;
  bool operator<(const Request& r) const {
    if (resource != r.resource) return resource < r.resource;
    if (key != r.key) return key < r.key;
    return agent < r.agent;
  }
};

constexpr std::size_t kGrain = 16384;  // agents per parallel task: big enough to amortise

// What one thread accumulates in a parallel phase, summed after it.
struct Partial {
  StepCounts counts;
  std::vector<Request> requests;
};

}  // namespace

struct PartialSet {
  tbb::enumerable_thread_specific<Partial> local;

  // This thread's partial, sized like `shape` (quotas can change from step to step).
  Partial& mine(const StepCounts& shape) {
    Partial& p = local.local();
    if (p.counts.stocks.size() != shape.stocks.size() || p.counts.quotas != shape.quotas)
      p.counts.resize(shape.origins, shape.member_states, shape.nodes, shape.edges, shape.quotas);
    return p;
  }
  void clear_stocks() {
    for (Partial& p : local) {
      std::fill(p.counts.stocks.begin(), p.counts.stocks.end(), 0);
      std::fill(p.counts.transit_wait.begin(), p.counts.transit_wait.end(), 0);
    }
  }
  // Replaces the stocks in `total` by the sum of the threads' counts.
  void sum_stocks(StepCounts& total) const {
    std::fill(total.stocks.begin(), total.stocks.end(), 0);
    std::fill(total.transit_wait.begin(), total.transit_wait.end(), 0);
    for (const Partial& p : local) {
      if (p.counts.stocks.size() != total.stocks.size()) continue;
      for (size_t i = 0; i < total.stocks.size(); ++i) total.stocks[i] += p.counts.stocks[i];
      for (size_t i = 0; i < total.transit_wait.size(); ++i) total.transit_wait[i] += p.counts.transit_wait[i];
    }
  }
};

struct Engine::ActivePolicy {
  PolicySpec spec;
  std::unique_ptr<Policy> policy;
  int first_step = 0, last_step = -1;  // active steps, inclusive
  int group = 0;                       // index in series_.policies
};

// The per-agent transition rules, used by decide (in parallel, writing to a thread's
// Partial) and by apply (serially, for the winners and losers of resolve). Both paths
// call the same functions with the same draws, so they cannot drift apart.
//
// Random numbers: every agent gets a "gate" uniform each step, one 32-bit word of a
// Philox block shared by four consecutive agent ids (Purpose::Gate). It decides whether
// anything happens at all; only then are the agent's own four uniforms drawn
// (Purpose::Step). Most agents do nothing in a month, so most cost a quarter of a
// Philox call and one byte read. Both draws are pure functions of (seed, agent, step).
struct Engine::Kernel {
  AgentStore& a;
  const World& world;
  const StepTables& t;
  StepCounts& c;
  std::vector<Request>* requests;  // null in apply: nothing is contested twice
  std::uint64_t seed;
  int step;
  int quotas;

  // The agent's own uniforms, drawn on first use.
  struct Uniforms {
    const Kernel& k;
    std::size_t i;
    bool drawn = false;
    Draws d{};
    double operator()(int j) {
      if (!drawn) {
        d = k.draws(i);
        drawn = true;
      }
      return d.uniform(j);
    }
  };

  NodeId home(int o) const { return world.origin_node(o); }
  Draws draws(std::size_t i) const { return draw(seed, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Step); }

  void go_home(std::size_t i, int o) {
    a.location[i] = home(o);
    a.status[i] = static_cast<std::uint8_t>(Status::Returned);
    a.via[i] = kNoNode;
  }

  void request(std::size_t i, int o, std::int32_t resource) {
    requests->push_back({draw(seed, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Resolve).key(),
                         a.first_id + i, resource, o});
  }

  void travel_legal(std::size_t i, int o, int m) {
    const int k = a.skill[i];
    a.location[i] = world.member_state_node(m);
    a.status[i] = static_cast<std::uint8_t>(Status::Regular);
    a.destination[i] = static_cast<std::uint8_t>(m);
    a.timer[i] = static_cast<std::uint16_t>(step + t.permit_steps[t.omk(o, m, k)]);
    a.via[i] = kNoNode;
    ++c.arrivals[(c.om(o, m)) * kChannelCount + static_cast<int>(Channel::Legal)];
    for (EdgeId e : world.legal_route(o, m)) ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Legal)];
  }

  // No legal channel (or the quota lottery lost): some set off irregularly.
  void maybe_irregular(std::size_t i, int o, int m, Uniforms& u) {
    if (!world.irregular_reachable(o, m) || u(3) >= t.irregular_propensity[o]) return;
    a.status[i] = static_cast<std::uint8_t>(Status::InTransit);
    a.destination[i] = static_cast<std::uint8_t>(m);
    a.timer[i] = static_cast<std::uint16_t>(step);
    a.via[i] = kNoNode;
  }

  // Returns true when the agent made a request (its outcome is known after resolve).
  // act() has already passed over the agents for whom no event is possible.
  bool at_home(std::size_t i, int o, double gate, bool returned) {
    const int k = a.skill[i];
    const double resources = a.resources[i] * t.savings_scale[o] + t.remittance_income[o];
    const double capability = resources / (resources + t.migration_cost[o]);
    const double hazard = t.leave_hazard[t.ok(o, k)] * capability * (returned ? t.reemigration_factor[o] : 1.0);
    if (gate >= -std::expm1(-hazard)) return false;
    Uniforms u{*this, i};
    const double* cdf = t.destination_cdf(o, k);
    const int m = static_cast<int>(std::upper_bound(cdf, cdf + t.member_states - 1, u(1)) - cdf);
    if (u(2) < t.legal_access[t.om(o, m)]) {
      travel_legal(i, o, m);
      return false;
    }
    if (const std::int32_t q = t.quota_of[t.omk(o, m, k)]; q >= 0) {
      request(i, o, q);
      return true;
    }
    maybe_irregular(i, o, m, u);
    return false;
  }

  void cross(std::size_t i, int o, EdgeId e, Uniforms& u) {
    ++c.edge_attempts[c.oe(o, e)];
    if (u(1) < t.edge_hazard[e]) return;  // failed attempt: try again next step
    const EdgeSpec& edge = world.edge(e);
    if (u(2) < t.edge_interception[e]) {
      ++c.edge_intercepted[c.oe(o, e)];
      if (u(3) < t.interception_return[o]) go_home(i, o);
      return;  // otherwise turned back: still waiting where they were
    }
    a.location[i] = edge.to;
    ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)];
    if (edge.external_border) a.via[i] = edge.from;
    const int m = a.destination[i];
    if (edge.to == world.member_state_node(m)) {
      a.status[i] = static_cast<std::uint8_t>(Status::Irregular);
      ++c.arrivals[c.om(o, m) * kChannelCount + static_cast<int>(Channel::Irregular)];
    }
  }

  bool in_transit(std::size_t i, int o, double gate) {
    if (gate < t.give_up_prob[o]) {
      go_home(i, o);
      return false;
    }
    const EdgeId e = world.irregular_next_hop(a.location[i], a.destination[i]);
    if (e == kNoEdge) return false;  // no irregular route onwards: stranded
    if (const int g = t.crossing_group[e]; g >= 0 && requests) {
      request(i, o, quotas + g);
      return true;
    }
    Uniforms u{*this, i};
    cross(i, o, e, u);
    return false;
  }

  void regular(std::size_t i, int o, double gate) {
    if (step >= a.timer[i]) {  // permit expires: renew, go home, or overstay
      const int m = world.member_state_index(a.location[i]);
      const std::size_t r = t.omk(o, m, a.skill[i]);
      if (gate < t.permit_renewal[r])
        a.timer[i] = static_cast<std::uint16_t>(step + t.permit_steps[r]);
      else if (gate < t.permit_renewal[r] + t.permit_return[r])
        go_home(i, o);
      else
        a.status[i] = static_cast<std::uint8_t>(Status::Irregular);
      return;
    }
    if (gate < t.return_prob[o]) go_home(i, o);
  }

  void irregular(std::size_t i, int o, double gate) {
    if (gate < t.return_prob[o]) return go_home(i, o);
    if (gate >= t.return_prob[o] + t.detect_bound) return;  // detected nowhere: skip reading the location
    const int m = world.member_state_index(a.location[i]);
    if (gate >= t.return_prob[o] + t.detect_prob[m]) return;
    // Detected: a return order, executed as far as readmission allows.
    ++c.return_orders[c.om(o, m)];
    const double own = t.return_execution[o];
    Uniforms u{*this, i};
    const double x = u(1);
    if (x < own) {
      ++c.returns_executed[c.om(o, m)];
      return go_home(i, o);
    }
    const NodeId via = a.via[i];
    if (via != kNoNode && via != home(o) && x < own + (1.0 - own) * t.transit_readmission[via]) {
      // Readmitted to the transit partner: stranded there, may try again or give up.
      ++c.returns_executed[c.om(o, m)];
      a.location[i] = via;
      a.status[i] = static_cast<std::uint8_t>(Status::InTransit);
      a.timer[i] = static_cast<std::uint16_t>(step);
    }
  }

  // One step of agent i; true when it waits for resolve.
  bool act(std::size_t i, int o, double gate) {
    switch (static_cast<Status>(a.status[i])) {
      // Most agents are at home and stay: the bound over skills and resources settles
      // them here, inline, without a call or another field read.
      case Status::AtHome: return gate < t.leave_bound[2 * o] && at_home(i, o, gate, false);
      case Status::Returned: return gate < t.leave_bound[2 * o + 1] && at_home(i, o, gate, true);
      case Status::InTransit: return in_transit(i, o, gate);
      case Status::Regular: regular(i, o, gate); return false;
      case Status::Irregular: irregular(i, o, gate); return false;
    }
    return false;
  }

  // Adds agent i's current state to the stocks (the observe phase, fused into decide).
  // Agents at home or returned are at their origin, so their location is not read.
  void count(std::size_t i, int o, NodeId origin_node) {
    const std::uint8_t s = a.status[i];
    if (s == static_cast<std::uint8_t>(Status::AtHome) || s == static_cast<std::uint8_t>(Status::Returned)) {
      ++c.stocks[c.stock(o, origin_node, static_cast<Status>(s))];
      return;
    }
    const NodeId at = a.location[i];
    ++c.stocks[c.stock(o, at, static_cast<Status>(s))];
    if (s == static_cast<std::uint8_t>(Status::InTransit)) c.transit_wait[c.on(o, at)] += step - a.timer[i];
  }
};

// The gate uniforms of four consecutive agent ids come from one Philox block.
class GateStream {
 public:
  GateStream(std::uint64_t seed, int step) : seed_(seed), step_(static_cast<std::uint32_t>(step)) {}
  double operator()(std::uint64_t id) {
    if ((id >> 2) != block_) {
      block_ = id >> 2;
      words_ = draw(seed_, block_, step_, Purpose::Gate);
    }
    return words_.uniform(static_cast<int>(id & 3));
  }

 private:
  std::uint64_t seed_;
  std::uint32_t step_;
  std::uint64_t block_ = ~std::uint64_t{0};
  Draws words_{};
};

Engine::Engine(std::shared_ptr<const World> world, int replicate, const Comm& comm)
    : world_(std::move(world)),
      comm_(comm),
      replicate_(replicate),
      seed_(replicate_seed(world_->scenario().seed, replicate)),
      partials_(std::make_unique<PartialSet>()) {
  const Scenario& sc = world_->scenario();
  steps_ = sc.calendar.steps();
  series_.seed = seed_;
  for (size_t p = 0; p < sc.policies.size(); ++p) {
    const PolicySpec& spec = sc.policies[p];
    ActivePolicy ap{spec, spec.config->instantiate(*world_), sc.calendar.step_at(spec.from),
                    sc.calendar.step_at(YearMonth::from_index(spec.until.index() + 1)) - 1,
                    static_cast<int>(series_.policies.size())};
    series_.policies.emplace_back(spec.id);
    ap.policy->declare(series_.policies.back());
    policies_.push_back(std::move(ap));
  }
  env_ = baseline_environment(*world_);
  counts_.resize(world_->origin_count(), world_->member_state_count(), world_->node_count(),
                 world_->edge_count(), 0);
  core_series_ = declare_core_series(*world_, series_.core);
  series_.core.reserve_steps(static_cast<size_t>(steps_));
  for (const OriginSpec& o : sc.origins) persons_per_agent_.push_back(o.persons_per_agent);
  init_agents();
  observe();
  share_counts();
}

Engine::~Engine() = default;

void Engine::init_agents() {
  const Scenario& sc = world_->scenario();
  // Agent ids run over all origins' blocks; this rank holds the ids [first, last).
  std::vector<std::uint64_t> global_begin{0};
  for (const OriginSpec& o : sc.origins) global_begin.push_back(global_begin.back() + o.total_agents());
  const auto [first, last] = comm_.block(global_begin.back());
  agents_.first_id = first;
  agents_.origin_begin.clear();
  for (std::uint64_t b : global_begin) agents_.origin_begin.push_back(std::clamp(b, first, last) - first);
  agents_.resize(last - first);
  for (int o = 0; o < world_->origin_count(); ++o) {
    const OriginSpec& spec = sc.origins[o];
    const double sigma = spec.behaviour.savings_dispersion;
    // Each origin's block: its agents at home, then its diaspora, Member State by Member State.
    struct Part { std::uint64_t begin, end; NodeId at; Status status; std::uint8_t destination; std::uint16_t timer; };
    std::vector<Part> parts{{global_begin[o], global_begin[o] + spec.agents, world_->origin_node(o),
                             Status::AtHome, 0, 0}};
    for (const auto& [node, count] : spec.abroad)
      parts.push_back({parts.back().end, parts.back().end + count, node, Status::Regular,
                       static_cast<std::uint8_t>(world_->member_state_index(node)), kPermanent});
    for (const Part& part : parts) {
      const std::uint64_t begin = std::clamp(part.begin, first, last) - first, end = std::clamp(part.end, first, last) - first;
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(begin, end, kGrain), [&](const auto& r) {
        for (std::uint64_t i = r.begin(); i != r.end(); ++i) {
          const Draws d = draw(seed_, agents_.first_id + i, 0, Purpose::Init);
          int k = 0;
          for (double acc = spec.skill_shares[0]; k + 1 < kSkillCount && d.uniform(0) >= acc;) acc += spec.skill_shares[++k];
          // Log-normal resources with mean 1 (Box-Muller from two uniforms).
          const double z = std::sqrt(-2.0 * std::log1p(-d.uniform(1))) * std::cos(6.283185307179586 * d.uniform(2));
          agents_.skill[i] = static_cast<std::uint8_t>(k);
          agents_.resources[i] = static_cast<float>(std::exp(sigma * z - 0.5 * sigma * sigma));
          agents_.status[i] = static_cast<std::uint8_t>(part.status);
          agents_.location[i] = part.at;
          agents_.destination[i] = part.destination;
          agents_.via[i] = kNoNode;
          agents_.timer[i] = part.timer;
        }
      });
    }
  }
}

// Calls f(origin, begin, end) for the parts of [r.begin, r.end) in each origin's block.
template <class F>
static void by_origin(const AgentStore& a, std::uint64_t begin, std::uint64_t end, F f) {
  int o = static_cast<int>(std::upper_bound(a.origin_begin.begin(), a.origin_begin.end(), begin) -
                           a.origin_begin.begin()) - 1;
  while (begin < end) {
    const std::uint64_t stop = std::min(end, a.origin_begin[o + 1]);
    f(o, begin, stop);
    begin = stop;
    ++o;
  }
}

void Engine::observe() {
  partials_->clear_stocks();
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, agents_.size(), kGrain), [&](const auto& r) {
    Partial& p = partials_->mine(counts_);
    Kernel k{agents_, *world_, tables_, p.counts, nullptr, seed_, step_, counts_.quotas};
    by_origin(agents_, r.begin(), r.end(), [&](int o, std::uint64_t b, std::uint64_t e) {
      const NodeId home = world_->origin_node(o);
      for (std::uint64_t i = b; i < e; ++i) k.count(i, o, home);
    });
  });
  partials_->sum_stocks(counts_);
}

void Engine::update() {
  const Scenario& sc = world_->scenario();
  env_ = baseline_environment(*world_);
  const StepContext ctx{step_, sc.calendar.year(step_), static_cast<double>(sc.calendar.step_months)};
  for (ActivePolicy& ap : policies_)
    if (step_ >= ap.first_step && step_ <= ap.last_step) ap.policy->update(ctx, counts_, env_);
  tables_.build(*world_, env_, counts_, step_);
  const int quotas = static_cast<int>(env_.quotas.size());
  if (quotas != counts_.quotas) {
    counts_.quotas = quotas;
    counts_.quota_requests.assign(quotas, 0);
    counts_.quota_granted.assign(quotas, 0);
  }
  counts_.clear_flows();
  counts_.remittances = tables_.remittances;
}

void Engine::decide() {
  partials_->clear_stocks();
  for (auto& p : partials_->local) {
    p.counts.clear_flows();
    p.requests.clear();
  }
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, agents_.size(), kGrain), [&](const auto& r) {
    Partial& p = partials_->mine(counts_);
    Kernel k{agents_, *world_, tables_, p.counts, &p.requests, seed_, step_, counts_.quotas};
    GateStream gate(seed_, step_);
    by_origin(agents_, r.begin(), r.end(), [&](int o, std::uint64_t b, std::uint64_t e) {
      const NodeId home = world_->origin_node(o);
      for (std::uint64_t i = b; i < e; ++i)
        if (!k.act(i, o, gate(agents_.first_id + i))) k.count(i, o, home);  // requesters: counted after resolve
    });
  });
  partials_->sum_stocks(counts_);  // everyone who did not request; requesters follow in apply
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
  Kernel k{agents_, *world_, tables_, counts_, nullptr, seed_, step_, counts_.quotas};
  for (size_t begin = 0; begin < all.size();) {
    const std::int32_t resource = all[begin].resource;
    size_t end = begin;
    while (end < all.size() && all[end].resource == resource) ++end;
    const bool is_quota = resource < counts_.quotas;
    const double capacity =
        is_quota ? tables_.quota_capacity[resource] : tables_.group_capacity[resource - counts_.quotas];
    double used = 0;  // persons admitted so far, in key order: exact whatever the scales
    for (size_t r = begin; r < end; ++r) {
      const Request& req = all[r];
      const double persons = sc.origins[req.origin].persons_per_agent;
      const bool wins = used + persons <= capacity * (1 + 1e-12);
      if (wins) used += persons;
      if (req.agent < agents_.first_id || req.agent - agents_.first_id >= agents_.size()) continue;  // another rank's
      const std::size_t i = req.agent - agents_.first_id;
      Kernel::Uniforms u{k, i};
      if (is_quota) {
        ++counts_.quota_requests[resource];
        if (wins) {
          ++counts_.quota_granted[resource];
          k.travel_legal(i, req.origin, env_.quotas[resource].member_state);
        } else {
          k.maybe_irregular(i, req.origin, env_.quotas[resource].member_state, u);
        }
      } else {
        const EdgeId e = world_->irregular_next_hop(agents_.location[i], agents_.destination[i]);
        if (wins)
          k.cross(i, req.origin, e, u);
        else
          ++counts_.edge_blocked[counts_.oe(req.origin, e)];
      }
      k.count(i, req.origin, world_->origin_node(req.origin));
    }
    begin = end;
  }
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
  for_each_count_table(counts_, [&](const std::vector<std::int64_t>& v) { buffer.insert(buffer.end(), v.begin(), v.end()); });
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
  record();
  finish_step();
}

void Engine::save(BinaryWriter& out) const {
  out.put<std::int32_t>(step_);
  out.put<std::uint64_t>(seed_);
  out.put<std::uint64_t>(agents_.first_id);
  out.put_vector(agents_.origin_begin);
  // Skill and resources are fixed traits, drawn from (seed, agent) when the engine is
  // built, so a restored engine has them already; only what changes is saved.
  out.put_compressed(agents_.status);
  out.put_compressed(agents_.location);
  out.put_compressed(agents_.destination);
  out.put_compressed(agents_.via);
  out.put_compressed(agents_.timer);
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
  agent_field(agents_.location);
  agent_field(agents_.destination);
  agent_field(agents_.via);
  agent_field(agents_.timer);
  counts_.quotas = in.get<std::int32_t>();
  for_each_count_table(counts_, [&](std::vector<std::int64_t>& v) { v = in.get_vector<std::int64_t>(); });
  counts_.remittances = in.get_vector<double>();
  for (ActivePolicy& ap : policies_) ap.policy->restore(in);
  auto same_layout = [&](const SeriesGroup& loaded, const SeriesGroup& declared) {
    if (loaded.series().size() != declared.series().size() || loaded.name() != declared.name())
      throw CorruptData("recorded series differ from the scenario's");
    for (size_t i = 0; i < loaded.series().size(); ++i)
      if (loaded.series()[i].name != declared.series()[i].name || loaded.series()[i].cells != declared.series()[i].cells ||
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
}

void Engine::run(const std::function<void(int)>& on_step) {
  while (!done()) {
    step();
    if (on_step) on_step(step_);
  }
}

}  // namespace migflow
