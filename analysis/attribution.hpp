// Shapley attribution of a policy package's effect to its blocks (`migflow attribute`).
//
// A package of k policy blocks is a cooperative game: v(S) is an indicator when only
// the blocks of S (of the k attributed) are on, every other block of the scenario
// staying on in every run. Block i's Shapley value is its marginal effect
// v(S + i) - v(S) averaged over the orders in which the blocks could be switched on;
// the values add up to v(all) - v(none), the package's effect (efficiency), and a
// two-way interaction is split equally between its two blocks.
//
// Every run of a subset uses the scenario's seed, replicates and parameter draws, so
// replicate r of every subset shares its random numbers and posterior draw (common
// random numbers): the differences are the blocks', not chance. The Shapley value is
// linear in the subsets' values, so it is computed per replicate, and its interval is
// the spread of those over the replicates (compare.hpp's `summarize`).
//
// k <= kMaxExactBlocks: every subset is run (2^k). Above, or when asked, a sampled
// estimate from random orders of the blocks: each order costs at most k - 1 new
// subsets, and subsets shared by several orders are run once.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/compare.hpp"
#include "model/scenario.hpp"

namespace migflow {

// Above 6 blocks every subset is 128 or more ensembles of the whole scenario: hours for a
// partner's 40 replicates on a workstation. Sampling then needs --permutations.
inline constexpr int kMaxExactBlocks = 6;
// The most blocks a sampled estimate takes: subsets are bit masks of 32 bits.
inline constexpr int kMaxBlocks = 31;

// Which subsets to run, and each block's Shapley value as a linear combination of their
// values: phi_i = sum over c of weights[i][c] * v(coalitions[c]).
struct ShapleyPlan {
  int blocks = 0;
  int permutations = 0;                      // 0: exact (every subset)
  std::vector<std::uint32_t> coalitions;     // bit i set: block i on; sorted, each once
  std::vector<std::vector<double>> weights;  // [block][coalition]
  std::vector<std::vector<int>> orders;      // the sampled orders (empty when exact)
  // The index of a coalition in `coalitions`, or -1 when it is not run.
  int index_of(std::uint32_t coalition) const;
};

// Every subset of k blocks, with the Shapley weights |S|! (k - |S| - 1)! / k!.
ShapleyPlan exact_shapley_plan(int k);
// `permutations` random orders of the k blocks (Philox of `seed`, so the same seed gives
// the same orders); each block's value is its mean marginal effect over them.
ShapleyPlan sampled_shapley_plan(int k, int permutations, std::uint64_t seed);
// Each block's value from the coalitions' values (in the plan's order).
std::vector<double> shapley_values(const ShapleyPlan& plan, const std::vector<double>& values);
// A sampled plan's standard errors: the standard deviation of each block's marginal
// effect over the orders, over the root of their number (all 0 for an exact plan).
std::vector<double> shapley_sampling_error(const ShapleyPlan& plan, const std::vector<double>& values);

// What one subset's runs give the attribution: each headline indicator's value per
// replicate, the replicates' parameter-draw groups, and, for the subset with every block
// on, the indicators themselves (the result reports them).
struct SubsetRun {
  std::vector<std::vector<double>> values;  // [indicator][replicate]
  std::vector<int> groups;
  std::vector<Indicator> indicators;  // the last subset's only
};

struct AttributionOptions {
  // 0: exact, which needs k <= kMaxExactBlocks; else this many sampled orders.
  int permutations = 0;
  std::uint64_t agents = 0;  // scale every run to about this many agents (0: as given)
  // Called as runs go with (steps done, steps in all, over every subset's replicates).
  std::function<void(long long, long long)> progress;
  // A checkpoint's (session/): subsets already run (by their index in the plan, empty
  // where not) are not run again; each subset run is handed to subset_done; when `stop`
  // is set, the subset in hand stops at the end of a step and StopRequested
  // (analysis/stop.hpp) is thrown.
  const std::vector<std::optional<SubsetRun>>* done = nullptr;
  std::function<void(std::size_t subset, const SubsetRun&)> subset_done;
  const std::atomic<bool>* stop = nullptr;
};

// A player of the game: one block (`id`), or a group of blocks switched on and off
// together (`name=id1+id2+...`), e.g. a layer of competence.
struct Player {
  std::string name;
  std::vector<std::string> ids;
};
// Reads `id` or `name=id1+id2+...`; throws std::invalid_argument naming --blocks.
Player parse_player(const std::string& item);

// The players to attribute, as their --blocks items: `named` (each an id or a group of
// ids of `sc`'s blocks, every id named once), else every block of `sc` whose id is not
// a block of `baseline`, else (no baseline) every block of `sc`; in the order of the
// scenario's blocks (a group: of its first). Throws std::invalid_argument naming the
// option (--blocks or --baseline).
std::vector<std::string> attributed_blocks(const Scenario& sc, const std::vector<std::string>& named,
                                           const Scenario* baseline);
// The plan for k blocks; throws std::invalid_argument naming --blocks or --permutations
// when k is 0 or above kMaxBlocks, or above kMaxExactBlocks without sampling.
ShapleyPlan attribution_plan(int k, int permutations, std::uint64_t seed);

struct AttributionResult {
  std::string title;                // the scenario's
  std::vector<std::string> blocks;  // the k players' names (a block's id, or a group's name), in the scenario's order
  std::vector<std::vector<std::string>> members;  // each player's block ids
  std::vector<std::string> others;                // the blocks on in every run
  ShapleyPlan plan;
  int replicates = 0;
  std::vector<int> groups;  // the replicates' parameter-draw groups (draw_groups)
  // The headline indicators (totals) of the run with every block on (per_replicate).
  std::vector<Indicator> indicators;
  // v: [coalition][indicator][replicate], in the plan's coalition order.
  std::vector<std::vector<std::vector<double>>> values;
  std::vector<std::vector<std::vector<double>>> shapley;  // [indicator][block][replicate]
  std::vector<std::vector<double>> package;               // [indicator][replicate]: v(all) - v(none)
  // Largest |sum of the blocks' values - package effect| over indicators and replicates.
  double efficiency_gap = 0;
  double seconds = 0;
};

// Runs the plan's subsets of `scenario` (its seed, replicates and parameters as given;
// `blocks` are --blocks items as attributed_blocks returns them)
// and attributes every headline indicator. Throws as attributed_blocks and
// attribution_plan do, before any run.
AttributionResult attribute(const Scenario& scenario, const std::vector<std::string>& blocks,
                            const AttributionOptions& options);

// A block's effect on one indicator, summarized over replicates.
struct BlockShare {
  Summary value;  // Shapley value, in the indicator's unit
  // Share of the package effect: mean value / mean package effect; its interval is that
  // of the per-replicate ratios, NaN unless every replicate's package effect has the
  // sign of the mean (else the ratio is unbounded).
  double share = 0, share_lo = 0, share_hi = 0;
  // v({i}) - v(none): the block alone (NaN when a sampled plan did not run {i}).
  Summary alone;
  // A sampled plan's standard error of value.mean from the choice of orders (0: exact);
  // the interval over replicates does not include it.
  double sampling_error = 0;
};
BlockShare block_share(const AttributionResult& r, std::size_t indicator, std::size_t block);

// The table: per indicator, each block's value, share and effect alone, and the package.
std::string attribution_markdown(const AttributionResult& r);
// Long format: indicator, unit, block (or "package"), value, low, high, share, share_low,
// share_high, alone, alone_low, alone_high, sampling_error, replicates, method.
std::string attribution_csv(const AttributionResult& r);

}  // namespace migflow
