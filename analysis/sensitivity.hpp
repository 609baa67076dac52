// Global sensitivity analysis of a scenario's headline indicators, or of the
// difference between two scenarios (e.g. mobility-heavy minus security-heavy), to the
// origin's calibrated parameters: first- and total-order Sobol indices from a Saltelli
// design (analysis/sobol.hpp), with bootstrap intervals.
//
// Each parameter varies over its posterior marginal (the calibration's sample, read
// through its empirical quantiles) or its prior. Sobol indices assume independent
// inputs: correlations in the posterior are set aside, which the documentation says.
// Every run uses the same random numbers (replicate 0 of the scenario's seed), so the
// indices measure the parameters' effect, not chance; the two scenarios of a
// difference share them too.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/compare.hpp"
#include "analysis/sobol.hpp"
#include "loader/policy_catalog.hpp"

namespace migflow {

struct SensitivityOptions {
  int samples = 64;         // N of the Saltelli design: N (k + 2) runs per scenario
  bool from_prior = false;  // ranges from the priors instead of the posterior
  std::uint64_t seed = 1;
  std::uint64_t agents = 0;  // scale the scenarios to about this many agents (0: as given)
  int bootstrap = 300;
  // Called as runs finish with (runs done, runs in all).
  std::function<void(long long, long long)> progress;
  // A checkpoint's (session/): the design points already run, with their outputs, are
  // not run again; each point run is handed to point_done (from several threads at once)
  // with its outputs; when `stop` is set, no further point starts and StopRequested
  // (analysis/stop.hpp) is thrown once those started have finished.
  const std::map<std::size_t, std::vector<double>>* done = nullptr;
  std::function<void(std::size_t point, const std::vector<double>& outputs)> point_done;
  const std::atomic<bool>* stop = nullptr;
};

struct SensitivityResult {
  std::vector<std::string> parameters;  // k
  std::vector<std::string> indicators;  // as headline_indicators names them (totals only)
  std::vector<SobolIndices> indices;    // per indicator
  std::vector<double> variance;         // per indicator: the output's variance over the design
  int runs = 0;                         // simulations made
};

// `reference` empty: the indicators of `scenario`; else those of scenario minus reference.
// The scenario's origin must have a posterior unless from_prior (its first origin's
// parameters are varied; with several origins, each gets the same values).
SensitivityResult sensitivity(const Scenario& scenario, const Scenario* reference,
                              const std::vector<std::string>& indicators, const SensitivityOptions& options);

std::string sensitivity_markdown(const SensitivityResult& r, const std::string& title);
// Long format: indicator, parameter, order (first/total), index, low, high.
std::string sensitivity_csv(const SensitivityResult& r);

}  // namespace migflow
