#include "analysis/attribution.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "analysis/scenario_runs.hpp"
#include "analysis/stop.hpp"
#include "ensemble/ensemble.hpp"
#include "sim/rng.hpp"

namespace migflow {

int ShapleyPlan::index_of(std::uint32_t coalition) const {
  const auto it = std::lower_bound(coalitions.begin(), coalitions.end(), coalition);
  return it != coalitions.end() && *it == coalition ? static_cast<int>(it - coalitions.begin()) : -1;
}

namespace {

std::uint32_t bit(int i) { return std::uint32_t{1} << i; }

// Adds w * (v(S + i) - v(S)) to block i's weights.
void add_marginal(ShapleyPlan& plan, int i, std::uint32_t without, double w) {
  plan.weights[static_cast<std::size_t>(i)][static_cast<std::size_t>(plan.index_of(without | bit(i)))] += w;
  plan.weights[static_cast<std::size_t>(i)][static_cast<std::size_t>(plan.index_of(without))] -= w;
}

void size_weights(ShapleyPlan& plan) {
  plan.weights.assign(static_cast<std::size_t>(plan.blocks), std::vector<double>(plan.coalitions.size(), 0.0));
}

}  // namespace

ShapleyPlan exact_shapley_plan(int k) {
  if (k < 1 || k > 20) throw std::invalid_argument("exact_shapley_plan: k must lie in [1, 20]");
  ShapleyPlan plan;
  plan.blocks = k;
  for (std::uint32_t s = 0; s < bit(k); ++s) plan.coalitions.push_back(s);
  size_weights(plan);
  // |S|! (k - |S| - 1)! / k!, by |S|.
  std::vector<double> w(static_cast<std::size_t>(k));
  for (int s = 0; s < k; ++s) {
    double x = 1.0 / k;  // 1 / (k * C(k-1, s))
    for (int j = 1; j <= s; ++j) x *= static_cast<double>(j) / static_cast<double>(k - j);
    w[static_cast<std::size_t>(s)] = x;
  }
  for (int i = 0; i < k; ++i)
    for (std::uint32_t s = 0; s < bit(k); ++s)
      if (!(s & bit(i))) add_marginal(plan, i, s, w[static_cast<std::size_t>(std::popcount(s))]);
  return plan;
}

ShapleyPlan sampled_shapley_plan(int k, int permutations, std::uint64_t seed) {
  if (k < 1 || k > kMaxBlocks || permutations < 1)
    throw std::invalid_argument("sampled_shapley_plan: need k in [1, 31] and at least one permutation");
  ShapleyPlan plan;
  plan.blocks = k;
  plan.permutations = permutations;
  for (int p = 0; p < permutations; ++p) {
    // Fisher-Yates with Philox uniforms keyed by the order's number; the word offset
    // keeps them apart from the Saltelli design and bootstrap draws (analysis/sobol.cpp)
    // that share the purpose.
    std::vector<int> order(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) order[static_cast<std::size_t>(i)] = i;
    for (int j = k - 1; j > 0; --j) {
      const Draws u = draw(seed, static_cast<std::uint64_t>(p), (1u << 21) + static_cast<std::uint32_t>(j / 4),
                           Purpose::Sensitivity);
      const int pick = std::min(j, static_cast<int>(u.uniform(j % 4) * (j + 1)));
      std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(pick)]);
    }
    plan.orders.push_back(order);
    std::uint32_t prefix = 0;
    plan.coalitions.push_back(prefix);
    for (int i : order) plan.coalitions.push_back(prefix |= bit(i));
  }
  std::sort(plan.coalitions.begin(), plan.coalitions.end());
  plan.coalitions.erase(std::unique(plan.coalitions.begin(), plan.coalitions.end()), plan.coalitions.end());
  size_weights(plan);
  for (const std::vector<int>& order : plan.orders) {
    std::uint32_t prefix = 0;
    for (int i : order) {
      add_marginal(plan, i, prefix, 1.0 / permutations);
      prefix |= bit(i);
    }
  }
  return plan;
}

std::vector<double> shapley_values(const ShapleyPlan& plan, const std::vector<double>& values) {
  if (values.size() != plan.coalitions.size())
    throw std::invalid_argument("shapley_values: one value per coalition of the plan");
  std::vector<double> phi(static_cast<std::size_t>(plan.blocks), 0.0);
  for (std::size_t i = 0; i < phi.size(); ++i)
    for (std::size_t c = 0; c < values.size(); ++c) phi[i] += plan.weights[i][c] * values[c];
  return phi;
}

std::vector<double> shapley_sampling_error(const ShapleyPlan& plan, const std::vector<double>& values) {
  if (values.size() != plan.coalitions.size())
    throw std::invalid_argument("shapley_sampling_error: one value per coalition of the plan");
  std::vector<double> se(static_cast<std::size_t>(plan.blocks), 0.0);
  const auto n = static_cast<double>(plan.orders.size());
  if (plan.orders.size() < 2) return se;
  std::vector<std::vector<double>> marginal(se.size());  // [block][order]
  for (const std::vector<int>& order : plan.orders) {
    std::uint32_t prefix = 0;
    for (int i : order) {
      marginal[static_cast<std::size_t>(i)].push_back(values[static_cast<std::size_t>(plan.index_of(prefix | bit(i)))] -
                                                      values[static_cast<std::size_t>(plan.index_of(prefix))]);
      prefix |= bit(i);
    }
  }
  for (std::size_t i = 0; i < se.size(); ++i) {
    double mean = 0, ss = 0;
    for (double x : marginal[i]) mean += x / n;
    for (double x : marginal[i]) ss += (x - mean) * (x - mean);
    se[i] = std::sqrt(ss / (n - 1) / n);
  }
  return se;
}

Player parse_player(const std::string& item) {
  Player player;
  const auto eq = item.find('=');
  player.name = item.substr(0, eq);
  if (eq == std::string::npos) {
    player.ids = {item};
  } else {
    for (std::size_t at = eq + 1;;) {
      const auto plus = item.find('+', at);
      player.ids.push_back(item.substr(at, plus == std::string::npos ? std::string::npos : plus - at));
      if (plus == std::string::npos) break;
      at = plus + 1;
    }
  }
  for (const std::string& part : player.ids)
    if (player.name.empty() || part.empty())
      throw std::invalid_argument("--blocks: '" + item + "': expected a block id or name=id1+id2+...");
  return player;
}

std::vector<std::string> attributed_blocks(const Scenario& sc, const std::vector<std::string>& named,
                                           const Scenario* baseline) {
  auto position = [](const Scenario& s, const std::string& id) {
    const auto at = std::find_if(s.policies.begin(), s.policies.end(), [&](const PolicySpec& p) { return p.id == id; });
    return at == s.policies.end() ? -1 : static_cast<int>(at - s.policies.begin());
  };
  std::string known;
  for (const PolicySpec& p : sc.policies) known += (known.empty() ? "" : ", ") + p.id;
  // (position of the player's first block, item)
  std::vector<std::pair<int, std::string>> chosen;
  std::vector<std::string> seen;
  for (const std::string& item : named) {
    const Player player = parse_player(item);
    int first = static_cast<int>(sc.policies.size());
    for (const std::string& id : player.ids) {
      const int at = position(sc, id);
      if (at < 0)
        throw std::invalid_argument("--blocks: '" + id + "' is not a policy block of " + sc.file +
                                    " (its blocks: " + (known.empty() ? "none" : known) + ")");
      if (std::find(seen.begin(), seen.end(), id) != seen.end())
        throw std::invalid_argument("--blocks: '" + id + "' is named twice");
      seen.push_back(id);
      first = std::min(first, at);
    }
    chosen.emplace_back(first, item);
  }
  if (named.empty())
    for (std::size_t i = 0; i < sc.policies.size(); ++i)
      if (!(baseline && position(*baseline, sc.policies[i].id) >= 0))
        chosen.emplace_back(static_cast<int>(i), sc.policies[i].id);
  std::stable_sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [at, item] : chosen) out.push_back(std::move(item));
  if (out.empty())
    throw std::invalid_argument(baseline && named.empty()
                                    ? "--baseline: every policy block of " + sc.file + " is also in " + baseline->file +
                                          ": nothing to attribute"
                                    : "--blocks: " + sc.file + " has no policy blocks to attribute");
  return out;
}

ShapleyPlan attribution_plan(int k, int permutations, std::uint64_t seed) {
  if (k < 1) throw std::invalid_argument("--blocks: no blocks to attribute");
  if (k > kMaxBlocks)
    throw std::invalid_argument("--blocks: " + std::to_string(k) + " blocks; at most " + std::to_string(kMaxBlocks) +
                                " can be attributed");
  if (permutations > 0) return sampled_shapley_plan(k, permutations, seed);
  if (k > kMaxExactBlocks)
    throw std::invalid_argument("--blocks: " + std::to_string(k) + " blocks would need " + std::to_string(1ULL << k) +
                                " runs of every subset; exact attribution takes at most " +
                                std::to_string(kMaxExactBlocks) +
                                " blocks: pass --permutations N for a sampled estimate");
  return exact_shapley_plan(k);
}

AttributionResult attribute(const Scenario& scenario, const std::vector<std::string>& blocks,
                            const AttributionOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  AttributionResult r;
  r.title = scenario.title;
  // The player each of the scenario's blocks belongs to, or -1 (on in every run).
  std::vector<int> player_of(scenario.policies.size(), -1);
  for (const std::string& item : attributed_blocks(scenario, blocks, nullptr)) {
    const Player player = parse_player(item);
    for (std::size_t i = 0; i < scenario.policies.size(); ++i)
      if (std::find(player.ids.begin(), player.ids.end(), scenario.policies[i].id) != player.ids.end())
        player_of[i] = static_cast<int>(r.blocks.size());
    r.blocks.push_back(player.name);
    r.members.push_back(player.ids);
  }
  for (std::size_t i = 0; i < scenario.policies.size(); ++i)
    if (player_of[i] < 0) r.others.push_back(scenario.policies[i].id);
  const int k = static_cast<int>(r.blocks.size());
  r.plan = attribution_plan(k, options.permutations, scenario.seed);
  r.replicates = scenario.replicates;
  const std::size_t C = r.plan.coalitions.size();
  r.values.resize(C);
  for (std::size_t c = 0; c < C; ++c) {
    SubsetRun subset;
    if (options.done && c < options.done->size() && (*options.done)[c]) {
      subset = *(*options.done)[c];
    } else {
      Scenario variant = scenario;
      variant.policies.clear();
      for (std::size_t i = 0; i < scenario.policies.size(); ++i)
        if (player_of[i] < 0 || (r.plan.coalitions[c] & bit(player_of[i])))
          variant.policies.push_back(scenario.policies[i]);
      const auto world = scaled_world(variant, options.agents);
      EnsembleOptions run;
      run.replicates = scenario.replicates;
      run.stop = options.stop;
      if (options.progress)
        run.progress = [&, c](long long done, long long total) {
          options.progress(static_cast<long long>(c) * total + done, static_cast<long long>(C) * total);
        };
      EnsembleResult result = run_ensemble(world, run);
      if (result.interrupted)
        throw StopRequested("stopped with " + std::to_string(c) + " of " + std::to_string(C) + " subsets run");
      const RunFile file = run_of(*world, std::move(result.replicates));
      std::vector<Indicator> indicators = headline_indicators(file, false);
      subset.groups = draw_groups(file);
      for (const Indicator& i : indicators) subset.values.push_back(i.per_replicate);
      if (c + 1 == C) subset.indicators = std::move(indicators);
      if (options.subset_done) options.subset_done(c, subset);
    }
    if (c == 0) r.groups = subset.groups;
    if (c + 1 == C) r.indicators = subset.indicators;
    r.values[c] = std::move(subset.values);
  }
  const std::size_t I = r.indicators.size(), R = static_cast<std::size_t>(r.replicates);
  const auto none = static_cast<std::size_t>(r.plan.index_of(0));
  const auto all = static_cast<std::size_t>(r.plan.index_of(static_cast<std::uint32_t>((1ULL << k) - 1)));
  r.shapley.assign(I, std::vector<std::vector<double>>(static_cast<std::size_t>(k), std::vector<double>(R)));
  r.package.assign(I, std::vector<double>(R));
  for (std::size_t j = 0; j < I; ++j)
    for (std::size_t rep = 0; rep < R; ++rep) {
      std::vector<double> v(C);
      for (std::size_t c = 0; c < C; ++c) v[c] = r.values[c][j][rep];
      const std::vector<double> phi = shapley_values(r.plan, v);
      double sum = 0;
      for (std::size_t b = 0; b < phi.size(); ++b) {
        r.shapley[j][b][rep] = phi[b];
        sum += phi[b];
      }
      r.package[j][rep] = v[all] - v[none];
      r.efficiency_gap = std::max(r.efficiency_gap, std::fabs(sum - r.package[j][rep]));
    }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

BlockShare block_share(const AttributionResult& r, std::size_t j, std::size_t b) {
  const double nan = std::nan("");
  BlockShare s;
  const std::vector<double>& phi = r.shapley[j][b];
  const std::vector<double>& total = r.package[j];
  s.value = summarize(phi, r.groups);
  const Summary package = summarize(total, r.groups);
  s.share = package.mean != 0 ? s.value.mean / package.mean : nan;
  s.share_lo = s.share_hi = nan;
  if (std::all_of(total.begin(), total.end(), [&](double t) { return t * package.mean > 0; })) {
    std::vector<double> ratio;
    for (std::size_t rep = 0; rep < phi.size(); ++rep) ratio.push_back(phi[rep] / total[rep]);
    s.share_lo = quantile(ratio, 0.025);
    s.share_hi = quantile(ratio, 0.975);
  }
  if (r.plan.permutations > 0) {  // marginal effects of the replicates' mean: the mean of theirs
    std::vector<double> v;
    for (const auto& coalition : r.values) v.push_back(summarize(coalition[j], r.groups).mean);
    s.sampling_error = shapley_sampling_error(r.plan, v)[b];
  }
  const int alone = r.plan.index_of(bit(static_cast<int>(b))), none = r.plan.index_of(0);
  if (alone < 0) {
    s.alone = {nan, nan, nan, nan, nan, nan};
  } else {
    std::vector<double> d;
    for (std::size_t rep = 0; rep < phi.size(); ++rep)
      d.push_back(r.values[static_cast<std::size_t>(alone)][j][rep] - r.values[static_cast<std::size_t>(none)][j][rep]);
    s.alone = summarize(d, r.groups);
  }
  return s;
}

namespace {

std::string number(double v) {
  char buf[64];
  if (std::isnan(v)) return "n/a";
  // Weights such as 1/3 leave rounding residue where every subset gives the same value.
  if (std::fabs(v) < 1e-6) return "0";
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 100 ? "%.0f" : "%.3g", v);
  return buf;
}

std::string with_interval(const Summary& s) {
  if (std::isnan(s.mean)) return "n/a";
  return number(s.mean) + " [" + number(s.lo) + ", " + number(s.hi) + "]";
}

std::string percent(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", std::round(100 * v) == 0 ? 0.0 : 100 * v);  // no "-0%"
  return buf;
}

std::string method(const AttributionResult& r) {
  return r.plan.permutations == 0 ? "exact" : "sampled(" + std::to_string(r.plan.permutations) + ")";
}

}  // namespace

std::string attribution_markdown(const AttributionResult& r) {
  std::ostringstream out;
  const std::size_t k = r.blocks.size();
  std::string blocks, others;
  for (std::size_t b = 0; b < k; ++b) {
    blocks += (blocks.empty() ? "" : ", ") + r.blocks[b];
    if (r.members[b].size() > 1 || r.members[b][0] != r.blocks[b]) {  // a group: its blocks
      std::string ids;
      for (const auto& id : r.members[b]) ids += (ids.empty() ? "" : " + ") + id;
      blocks += " (" + ids + ")";
    }
  }
  for (const auto& b : r.others) others += (others.empty() ? "" : ", ") + b;
  out << "# Attribution: " << r.title << "\n\n"
      << "Blocks attributed (k = " << k << "): " << blocks
      << ". On in every run: " << (others.empty() ? "none" : others) << ".\n"
      << (r.plan.permutations == 0
              ? "Exact Shapley values: every one of the " + std::to_string(r.plan.coalitions.size()) + " subsets run"
              : "Sampled Shapley values: " + std::to_string(r.plan.permutations) + " random orders of the blocks, " +
                    std::to_string(r.plan.coalitions.size()) + " distinct subsets run")
      << ", each with the same " << r.replicates << " replicates (seeds and parameter draws) as the others.\n\n"
      << "| indicator | block | Shapley value [95%] | share of package [95%] | alone [95%] |\n|---|---|---|---|---|\n";
  for (std::size_t j = 0; j < r.indicators.size(); ++j) {
    const Indicator& ind = r.indicators[j];
    for (std::size_t b = 0; b < k; ++b) {
      const BlockShare s = block_share(r, j, b);
      out << "| " << (b == 0 ? ind.name + " (" + ind.unit + ")" : "") << " | " << r.blocks[b] << " | "
          << with_interval(s.value) << (r.plan.permutations > 0 ? " ±" + number(s.sampling_error) : "") << " | "
          << percent(s.share);
      if (!std::isnan(s.share_lo)) out << " [" << percent(s.share_lo) << ", " << percent(s.share_hi) << "]";
      out << " | " << with_interval(s.alone) << " |\n";
    }
    const Summary package = summarize(r.package[j], r.groups);
    out << "| | package (all on minus none) | " << with_interval(package) << " | "
        << (package.mean != 0 ? "100%" : "n/a") << " | |\n";
  }
  char gap[64];
  std::snprintf(gap, sizeof gap, "%.3g", r.efficiency_gap);
  out << "\nShapley value: the block's effect averaged over the orders in which the blocks could be switched on, "
         "computed replicate by replicate; mean over replicates [2.5% to 97.5% of the replicates]. Share: mean value "
         "over mean package effect [2.5% to 97.5% of the per-replicate ratios; n/a when the package effect changes "
         "sign across replicates]. Alone: the block on by itself minus none. Efficiency: the values add up to the "
         "package effect in every replicate, to within "
      << gap << " (" << method(r) << ")."
      << (r.plan.permutations > 0 ? " ±: the standard error of the mean value from sampling the orders (the spread "
                                    "of the block's marginal effects over the orders, over the root of their number); "
                                    "the interval over replicates does not include it."
                                  : "")
      << "\n";
  return out.str();
}

std::string attribution_csv(const AttributionResult& r) {
  std::ostringstream out;
  out.precision(10);
  out << "indicator,unit,block,value,low,high,share,share_low,share_high,alone,alone_low,alone_high,"
         "sampling_error,replicates,method\n";
  for (std::size_t j = 0; j < r.indicators.size(); ++j) {
    const Indicator& ind = r.indicators[j];
    for (std::size_t b = 0; b < r.blocks.size(); ++b) {
      const BlockShare s = block_share(r, j, b);
      out << ind.name << ",\"" << ind.unit << "\"," << r.blocks[b] << "," << s.value.mean << "," << s.value.lo << ","
          << s.value.hi << "," << s.share << "," << s.share_lo << "," << s.share_hi << "," << s.alone.mean << ","
          << s.alone.lo << "," << s.alone.hi << "," << s.sampling_error << "," << r.replicates << "," << method(r)
          << "\n";
    }
    const Summary p = summarize(r.package[j], r.groups);
    out << ind.name << ",\"" << ind.unit << "\",package," << p.mean << "," << p.lo << "," << p.hi << ",1,1,1," << p.mean
        << "," << p.lo << "," << p.hi << ",0," << r.replicates << "," << method(r) << "\n";
  }
  return out.str();
}

}  // namespace migflow
