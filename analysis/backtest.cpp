#include "analysis/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/compare.hpp"
#include "analysis/forecast_window.hpp"
#include "analysis/smc.hpp"
#include "sim/parameter_draw.hpp"
#include "sim/rng.hpp"

namespace migflow {

namespace {

double median(std::vector<double> v) { return v.empty() ? std::nan("") : quantile(std::move(v), 0.5); }

// The replicate's observation error of one kind: the value in its posterior draw, or
// 0 when it runs with point values (then the intervals hold chance only).
double observation_error(const Scenario& sc, int replicate, std::string_view name) {
  const int row = parameter_draw_index(sc, 0, replicate);
  if (row < 0) return 0.0;
  const ParameterSample& sample = sc.origins[0].posterior;
  const int column = sample.column(std::string(name));
  return column < 0 ? 0.0 : sample.draws[static_cast<size_t>(row)][static_cast<size_t>(column)];
}

// A predictive distribution from per-replicate model values and observation errors,
// on the calibration's scale: ln(offset + persons), offset one agent's worth.
void fill_predictive(Forecast& f, const std::vector<double>& model, const std::vector<double>& sd, double offset,
                     std::uint64_t seed, std::uint32_t key, int noise_draws) {
  std::vector<double> draws;
  for (size_t r = 0; r < model.size(); ++r)
    for (int k = 0; k < noise_draws; ++k) {
      const Draws u = draw(seed, r, key * 64 + static_cast<std::uint32_t>(k), Purpose::ObservationNoise);
      const double z = normal_from_uniforms(u.uniform(0), u.uniform(1));
      draws.push_back(std::max(0.0, std::exp(std::log(offset + model[r]) + sd[r] * z) - offset));
    }
  f.median = quantile(draws, 0.5);
  f.q05 = quantile(draws, 0.05);
  f.q25 = quantile(draws, 0.25);
  f.q75 = quantile(draws, 0.75);
  f.q95 = quantile(draws, 0.95);
}

double ln_error(double forecast, double observed) { return std::log1p(forecast) - std::log1p(observed); }

}  // namespace

StockScores score_stocks(const std::vector<const Forecast*>& stocks) {
  StockScores s;
  s.cells = static_cast<int>(stocks.size());
  if (stocks.empty()) return s;
  double m = 0, p = 0, t = 0;
  std::vector<double> am, ap, at;
  for (const Forecast* f : stocks) {
    m += std::pow(ln_error(f->median, f->observed), 2);
    p += std::pow(ln_error(f->persistence, f->observed), 2);
    t += std::pow(ln_error(f->trend, f->observed), 2);
    am.push_back(std::fabs(f->median / f->observed - 1));
    ap.push_back(std::fabs(f->persistence / f->observed - 1));
    at.push_back(std::fabs(f->trend / f->observed - 1));
    s.inside50 += f->observed >= f->q25 && f->observed <= f->q75;
    s.inside90 += f->observed >= f->q05 && f->observed <= f->q95;
  }
  const double n = static_cast<double>(stocks.size());
  s.rmse_model = std::sqrt(m / n);
  s.rmse_persistence = std::sqrt(p / n);
  s.rmse_trend = std::sqrt(t / n);
  s.mdape_model = median(am);
  s.mdape_persistence = median(ap);
  s.mdape_trend = median(at);
  s.inside50 /= n;
  s.inside90 /= n;
  return s;
}

PartnerBacktest backtest_partner(const Scenario& baseline, const Observations& observed, int start_year,
                                 const BacktestOptions& o) {
  PartnerBacktest result;
  result.partner = baseline.nodes[baseline.origins.at(0).node].id;
  result.scenario = baseline.file;
  result.start_year = start_year;
  const ForecastWindow window(baseline, observed.up_to(start_year), start_year,
                              std::max(o.test_year, o.last_count_year), o.agents);
  const std::vector<ModelObservations> runs = window.simulate({}, o.replicates);
  const Scenario& sc = window.world().scenario();
  auto errors = [&](std::string_view name) {
    std::vector<double> sd;
    for (int r = 0; r < o.replicates; ++r) sd.push_back(observation_error(sc, r, name));
    return sd;
  };
  const std::vector<double> sd_stocks = errors(kObservationErrorNames[0]),
                            sd_detections = errors(kObservationErrorNames[1]),
                            sd_asylum = errors(kObservationErrorNames[2]);
  const World& w = window.world();
  const double offset = sc.origins[0].persons_per_agent;
  std::uint32_t key = 0;
  for (int d = 0; d < w.destination_count(); ++d) {
    const double seen = observed.stock(0, d, o.test_year), base = observed.stock(0, d, o.origin_year),
                 before = observed.stock(0, d, o.origin_year - 5);
    if (seen < o.min_stock || base <= 0) continue;  // naive forecasts need the 2015 value
    Forecast f{"stock", sc.nodes[w.destination_node(d)].id, w.governed_by_eu(d), o.test_year, seen};
    f.persistence = base;
    f.trend = before > 0 ? base * base / before : base;
    std::vector<double> model;
    for (const ModelObservations& run : runs) model.push_back(run.stocks.at({0, d, o.test_year}));
    fill_predictive(f, model, sd_stocks, offset, sc.seed, key++, o.noise_draws);
    result.forecasts.push_back(f);
  }
  for (const auto& [kind, data, sd] : {std::tuple{"detections", &observed.detections, &sd_detections},
                                       std::tuple{"asylum", &observed.asylum, &sd_asylum}})
    for (const Observation& seen : *data) {
      if (seen.origin != 0 || seen.year < o.first_count_year || seen.year > o.last_count_year) continue;
      Forecast f{kind, "", true, seen.year, seen.value};
      std::vector<double> model;
      for (const ModelObservations& run : runs) {
        const auto& table = std::string(kind) == "detections" ? run.detections : run.asylum;
        const auto it = table.find({0, seen.year});
        model.push_back(it == table.end() ? 0.0 : it->second);
      }
      fill_predictive(f, model, *sd, offset, sc.seed, key++, o.noise_draws);
      result.forecasts.push_back(f);
    }
  return result;
}

namespace {

std::string fixed(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A whole number with thousands separators: 57227 -> "57,227".
std::string whole(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", std::fabs(v));
  const std::string digits = buf;
  std::string out = v < 0 && digits != "0" ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::vector<const Forecast*> select(const PartnerBacktest& p, const std::string& kind, bool eu_only = false) {
  std::vector<const Forecast*> out;
  for (const Forecast& f : p.forecasts)
    if (f.kind == kind && (!eu_only || f.in_eu)) out.push_back(&f);
  return out;
}

// The stock table: per partner, pooled, and the median over partners.
void stock_table(std::ostringstream& out, const std::vector<PartnerBacktest>& partners, bool eu_only) {
  out << "| partner | cells | RMSE ln: model | persistence | trend | MdAPE: model | persistence | trend | in 50% | in "
         "90% |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  std::vector<const Forecast*> pooled;
  std::vector<double> rm, rp, rt;
  int beats = 0, beats_trend = 0, scored = 0;
  for (const PartnerBacktest& p : partners) {
    const auto cells = select(p, "stock", eu_only);
    pooled.insert(pooled.end(), cells.begin(), cells.end());
    const StockScores s = score_stocks(cells);
    if (s.cells == 0) continue;
    ++scored;
    beats += s.rmse_model < s.rmse_persistence;
    beats_trend += s.rmse_model < s.rmse_trend;
    rm.push_back(s.rmse_model);
    rp.push_back(s.rmse_persistence);
    rt.push_back(s.rmse_trend);
    out << "| " << p.partner << " | " << s.cells << " | " << fixed(s.rmse_model) << " | " << fixed(s.rmse_persistence)
        << " | " << fixed(s.rmse_trend) << " | " << fixed(s.mdape_model) << " | " << fixed(s.mdape_persistence) << " | "
        << fixed(s.mdape_trend) << " | " << fixed(100 * s.inside50, 0) << "% | " << fixed(100 * s.inside90, 0)
        << "% |\n";
  }
  const StockScores all = score_stocks(pooled);
  out << "| **pooled** | " << all.cells << " | " << fixed(all.rmse_model) << " | " << fixed(all.rmse_persistence)
      << " | " << fixed(all.rmse_trend) << " | " << fixed(all.mdape_model) << " | " << fixed(all.mdape_persistence)
      << " | " << fixed(all.mdape_trend) << " | " << fixed(100 * all.inside50, 0) << "% | "
      << fixed(100 * all.inside90, 0) << "% |\n";
  if (!rm.empty())
    out << "| median over partners | | " << fixed(median(rm)) << " | " << fixed(median(rp)) << " | "
        << fixed(median(rt)) << " | | | | | |\n";
  out << "\nThe model's RMSE is below persistence's for " << beats << " of " << scored
      << " partners and below the trend's for " << beats_trend << ".\n\n";
}

void count_table(std::ostringstream& out, const std::vector<PartnerBacktest>& partners, const BacktestOptions& o) {
  out << "| partner | detections " << o.first_count_year << "-" << o.last_count_year
      << ": observed | forecast [90%] | ratio | asylum applicants: observed | forecast [90%] | ratio |\n"
         "|---|---|---|---|---|---|---|\n";
  int inside50 = 0, inside90 = 0, years = 0;
  for (const PartnerBacktest& p : partners) {
    out << "| " << p.partner << " |";
    for (const std::string kind : {"detections", "asylum"}) {
      double seen = 0, med = 0, lo = 0, hi = 0;
      for (const Forecast* f : select(p, kind)) {
        seen += f->observed;
        med += f->median;  // sums of yearly quantiles: a rough interval for the total
        lo += f->q05;
        hi += f->q95;
        if (kind == "detections") {
          inside50 += f->observed >= f->q25 && f->observed <= f->q75;
          inside90 += f->observed >= f->q05 && f->observed <= f->q95;
          ++years;
        }
      }
      out << " " << whole(seen) << " | " << whole(med) << " [" << whole(lo) << ", " << whole(hi) << "] | "
          << (seen > 0 ? fixed(med / seen) : "n/a") << " |";
    }
    out << "\n";
  }
  if (years > 0)
    out << "\nYearly detections inside their 50% predictive interval: " << fixed(100.0 * inside50 / years, 0)
        << "%; inside their 90% interval: " << fixed(100.0 * inside90 / years, 0) << "% (" << years
        << " partner-years). The totals' intervals above add the yearly 5% and 95% quantiles, which overstates their "
           "width.\n\n";
}

}  // namespace

std::string backtest_markdown(const BacktestReport& r) {
  const BacktestOptions& o = r.options;
  std::ostringstream out;
  out << "# Validation: the baselines against data the calibration did not see\n\n"
      << "Written by `migflow backtest` (analysis/backtest.hpp); every figure below is computed by it. The calibration "
         "(docs/calibration.md) sees UN DESA stocks up to "
      << o.origin_year << ", Frontex detections and Eurostat asylum applicants up to " << o.origin_year
      << ", nothing later. Each partner's baseline then forecasts from the stocks observed in mid-" << o.origin_year
      << ": " << o.replicates
      << " replicates, each with its own random numbers and a draw from the posterior (consecutive replicates share a "
         "draw, the scenario's replicates_per_draw: 2 in the bundled baselines), and each value with "
      << o.noise_draws
      << " draws of the fitted observation error: a predictive distribution. The point forecast is its median. Naive "
         "forecasts start from the same data: persistence (the "
      << o.origin_year << " value) and trend (" << o.origin_year << " x " << o.origin_year << " / " << o.origin_year - 5
      << "). Scores use ln(1 + persons); cells are (partner, destination) pairs with at least " << whole(o.min_stock)
      << " persons observed in " << o.test_year << " and a value in " << o.origin_year
      << ". MdAPE is the median absolute relative error.\n\n"
      << "Inputs after " << o.origin_year
      << " are the exogenous series and dates a researcher sets for any scenario: GDP per capita, unemployment and "
         "working-age population (World Development Indicators), the dates of visa regimes and readmission agreements. "
         "Labour schemes keep their "
      << o.origin_year - 2 << "-" << o.origin_year
      << " size. Stocks, detections, applications and permits after the cut-off are never read by the calibration.\n\n"
      << "Which UN DESA revision: the calibration fits the 2020 revision. The scenarios' starting stocks of 2005 come "
         "from it, so fit and start agree, and it is the revision that was available at the time the forecasts are "
         "made from. The 2024 revision rewrote some cells by a factor of 2 to 4 (Moldovans in Romania: 114,654 in "
         "2015 in the 2020 revision, 47,430 in the 2024 one; 285,364 against 65,456 in 2020); the stock observation "
         "error fitted by the calibration is what allows for that disagreement. The forecast is scored against both "
         "revisions, each with its own 2015 start and its own naive forecasts.\n\n";
  out << "## Held-out " << o.test_year << " stocks (UN DESA 2020 revision, the one fitted), every destination\n\n";
  stock_table(out, r.revision2020, false);
  out << "### Member States only\n\n";
  stock_table(out, r.revision2020, true);
  out << "## Held-out detections and asylum applicants, " << o.first_count_year << "-" << o.last_count_year << "\n\n";
  count_table(out, r.revision2020, o);
  if (!r.revision2024.empty()) {
    out << "## The 2024 revision\n\nThe same forecast started from the 2024 revision's own " << o.origin_year
        << " stocks, scored against its own " << o.test_year << " stocks (naive forecasts from the same revision).\n\n";
    stock_table(out, r.revision2024, false);
  }
  if (!r.long_run.empty()) {
    out << "## From " << r.long_run.front().start_year
        << ", without later data\n\nThe baseline as the scenarios run it: "
        << "from the stocks of " << r.long_run.front().start_year << " to " << o.test_year
        << ", seeing no stock after that. The naive forecasts still use " << o.origin_year - 5 << " and "
        << o.origin_year << ", so they know more than the model here.\n\n";
    stock_table(out, r.long_run, false);
  }
  return out.str();
}

std::string backtest_csv(const BacktestReport& r) {
  std::ostringstream out;
  out.precision(10);
  out << "set,partner,start_year,kind,destination,in_eu,year,observed,persistence,trend,median,q05,q25,q75,q95\n";
  for (const auto& [name, set] : {std::pair{"rev2020", &r.revision2020}, std::pair{"rev2024", &r.revision2024},
                                  std::pair{"long_run", &r.long_run}})
    for (const PartnerBacktest& p : *set)
      for (const Forecast& f : p.forecasts)
        out << name << "," << p.partner << "," << p.start_year << "," << f.kind << "," << f.destination << ","
            << (f.in_eu ? 1 : 0) << "," << f.year << "," << f.observed << "," << f.persistence << "," << f.trend << ","
            << f.median << "," << f.q05 << "," << f.q25 << "," << f.q75 << "," << f.q95 << "\n";
  return out.str();
}

}  // namespace migflow
