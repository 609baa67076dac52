#include "analysis/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "analysis/compare.hpp"
#include "analysis/forecast_window.hpp"
#include "analysis/smc.hpp"
#include "sim/parameter_draw.hpp"
#include "sim/rng.hpp"

namespace migflow {

namespace {

double median(std::vector<double> v) { return v.empty() ? std::nan("") : quantile(std::move(v), 0.5); }

bool per_member_state(ObservedKind k) {
  return k == ObservedKind::Returns || k == ObservedKind::EmploymentPermits || k == ObservedKind::Immigration;
}

// The replicate's observation error of one kind: the value in its posterior draw, or
// 0 when it runs with point values (then the intervals hold chance only).
double observation_error(const Scenario& sc, int replicate, ObservedKind kind) {
  const int row = parameter_draw_index(sc, 0, replicate);
  if (row < 0) return 0.0;
  const ParameterSample& sample = sc.origins[0].posterior;
  const int column = sample.column(std::string(kObservationErrorNames[static_cast<int>(kind)]));
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

// Observed values of one kind of origin 0 per (destination, year).
std::map<std::pair<int, int>, double> cells_of(const Observations& observed, ObservedKind kind) {
  std::map<std::pair<int, int>, double> out;
  for (const Observation& o : observed[kind])
    if (o.origin == 0) out[{o.destination, o.year}] = o.value;
  return out;
}

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

PartnerBacktest backtest_partner(const Scenario& baseline, const Observations& observed, int restart_year,
                                 const BacktestOptions& o) {
  PartnerBacktest result;
  result.partner = baseline.nodes[baseline.origins.at(0).node].id;
  result.scenario = baseline.file;
  const int last = std::max(o.test_year, o.last_count_year);
  // UN DESA's stocks are five-yearly: a restart starts from the last ones up to the
  // cut-off (2015 for a cut-off of 2015 or 2019).
  if (restart_year > 0) {
    int latest = 0;
    for (const auto& [cell, persons] : cells_of(observed, ObservedKind::Stock))
      if (cell.second <= restart_year) latest = std::max(latest, cell.second);
    if (latest == 0)
      throw std::invalid_argument(result.partner + ": no stocks observed up to " + std::to_string(restart_year) +
                                  " to restart from");
    restart_year = latest;
  }
  const ForecastWindow window =
      restart_year > 0 ? ForecastWindow(baseline, observed.up_to(restart_year), restart_year, last, o.agents)
                       : ForecastWindow(baseline, observed, std::nullopt, last, o.agents);
  result.start_year = window.start_year();
  const std::vector<ModelObservations> runs = window.simulate({}, o.replicates);
  const Scenario& sc = window.world().scenario();
  const World& w = window.world();
  std::vector<std::vector<double>> sd(kObservedKinds);
  for (int k = 0; k < kObservedKinds; ++k)
    for (int r = 0; r < o.replicates; ++r)
      sd[static_cast<size_t>(k)].push_back(observation_error(sc, r, static_cast<ObservedKind>(k)));
  const double offset = sc.origins[0].persons_per_agent;
  std::uint32_t key = 0;
  auto predict = [&](Forecast f, ObservedKind kind, const std::vector<int>& destinations, int year) {
    std::vector<double> model;
    for (const ModelObservations& run : runs) {
      double v = 0;
      for (int d : destinations) v += run.at(kind, 0, d, year);
      model.push_back(v);
    }
    fill_predictive(f, model, sd[static_cast<size_t>(kind)], offset, sc.seed, key++, o.noise_draws);
    return f;
  };
  const auto stocks = cells_of(observed, ObservedKind::Stock);
  auto stock = [&](int d, int year) {
    const auto it = stocks.find({d, year});
    return it == stocks.end() ? -1.0 : it->second;
  };
  auto id = [&](int d) { return sc.nodes[w.destination_node(d)].id; };
  // Naive forecasts start from the last stocks observed by the cut-off (UN DESA's are
  // five-yearly: 2015 for a cut-off of 2015 or 2019).
  int base_year = 0;
  for (const auto& [cell, value] : stocks)
    if (cell.second <= o.origin_year) base_year = std::max(base_year, cell.second);
  for (int d = 0; d < w.destination_count(); ++d) {
    const double seen = stock(d, o.test_year), base = stock(d, base_year), before = stock(d, base_year - 5);
    if (seen < o.min_stock || base <= 0) continue;  // naive forecasts need the last year's value
    Forecast f{"stock", id(d), w.governed_by_eu(d), o.test_year, seen};
    f.persistence = base;
    f.trend = before > 0 ? base * base / before : base;
    result.forecasts.push_back(predict(f, ObservedKind::Stock, {d}, o.test_year));
  }
  // Flows after the cut-off: yearly totals over the Member States that published both
  // that year and the cut-off year (persistence is the cut-off year's value there).
  for (int k = 1; k < kObservedKinds; ++k) {
    const auto kind = static_cast<ObservedKind>(k);
    const auto cells = cells_of(observed, kind);
    for (int year = o.first_count_year; year <= o.last_count_year; ++year) {
      double seen = 0, base = 0;
      std::vector<int> states;
      for (int d = per_member_state(kind) ? 0 : -1; d < (per_member_state(kind) ? w.member_state_count() : 0); ++d) {
        const auto now = cells.find({d, year}), then = cells.find({d, o.origin_year});
        if (now == cells.end() || then == cells.end()) continue;
        seen += now->second;
        base += then->second;
        states.push_back(d);
      }
      if (states.empty()) continue;
      Forecast f{std::string(kObservedKindNames[static_cast<size_t>(k)]), "", true, year, seen};
      f.persistence = f.trend = base;
      result.forecasts.push_back(predict(f, kind, states, year));
    }
  }
  if (restart_year > 0) return result;
  // In-sample: the stocks of the fitted years and each state's returns.
  for (int d = 0; d < w.destination_count(); ++d)
    for (int year = result.start_year + 1; year <= o.origin_year; ++year)
      if (const double seen = stock(d, year); seen >= o.min_stock) {
        Forecast f{"stock", id(d), w.governed_by_eu(d), year, seen};
        f.persistence = f.trend = std::max(0.0, stock(d, year - 5));
        result.fitted.push_back(predict(f, ObservedKind::Stock, {d}, year));
      }
  const auto returns = cells_of(observed, ObservedKind::Returns);
  for (const auto& [cell, seen] : returns) {
    const auto [d, year] = cell;
    if (year > o.origin_year || year < result.start_year || d < 0) continue;
    result.fitted.push_back(predict({"returns", id(d), true, year, seen}, ObservedKind::Returns, {d}, year));
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

std::vector<const Forecast*> select(const std::vector<Forecast>& forecasts, const std::string& kind,
                                    bool eu_only = false, int year = 0) {
  std::vector<const Forecast*> out;
  for (const Forecast& f : forecasts)
    if (f.kind == kind && (!eu_only || f.in_eu) && (year == 0 || f.year == year)) out.push_back(&f);
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
    const auto cells = select(p.forecasts, "stock", eu_only);
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
      << " partners and below the trend's for " << beats_trend << "; its pooled median absolute error is "
      << fixed(all.mdape_model) << " against persistence's " << fixed(all.mdape_persistence) << ".\n\n";
}

// Flows after the cut-off: per partner and kind, the forecast's and persistence's ratio
// to the observed total, and the years inside the 90% interval.
void flow_table(std::ostringstream& out, const std::vector<PartnerBacktest>& partners, const BacktestOptions& o) {
  out << "| partner | kind | years | observed | forecast [90%] | ratio | persistence ratio | years in 90% |\n"
         "|---|---|---|---|---|---|---|---|\n";
  std::map<std::string, std::pair<int, int>> within;  // kind -> (partners with ratio in [0.5, 2], partners)
  int inside = 0, years = 0;
  for (const PartnerBacktest& p : partners)
    for (int k = 1; k < kObservedKinds; ++k) {
      const std::string kind(kObservedKindNames[static_cast<size_t>(k)]);
      const auto cells = select(p.forecasts, kind);
      if (cells.empty()) continue;
      double seen = 0, med = 0, lo = 0, hi = 0, base = 0;
      int in90 = 0;
      for (const Forecast* f : cells) {
        seen += f->observed;
        med += f->median;  // sums of yearly quantiles: a rough interval for the total
        lo += f->q05;
        hi += f->q95;
        base += f->persistence;
        in90 += f->observed >= f->q05 && f->observed <= f->q95;
      }
      inside += in90;
      years += static_cast<int>(cells.size());
      const double ratio = seen > 0 ? med / seen : std::nan("");
      auto& [good, all] = within[kind];
      if (seen > 0) {
        good += ratio >= 0.5 && ratio <= 2;
        ++all;
      }
      out << "| " << p.partner << " | " << kind << " | " << cells.size() << " | " << whole(seen) << " | " << whole(med)
          << " [" << whole(lo) << ", " << whole(hi) << "] | " << (seen > 0 ? fixed(ratio) : "n/a") << " | "
          << (seen > 0 ? fixed(base / seen) : "n/a") << " | " << in90 << " of " << cells.size() << " |\n";
    }
  out << "\nModel/observed between 0.5 and 2:";
  for (const auto& [kind, count] : within) out << " " << kind << " " << count.first << " of " << count.second << ";";
  if (years > 0)
    out << " yearly values inside their 90% predictive interval: " << inside << " of " << years << " ("
        << fixed(100.0 * inside / years, 0) << "%). Per-state flows are summed over the Member States that published "
        << "both the year and " << o.origin_year
        << ". The totals' intervals add the yearly 5% and 95% quantiles, which overstates their width.\n\n";
}

// In-sample: RMSE of ln persons of the fitted years' stocks, and the dissimilarity of
// the returns' distribution over the Member States.
void fitted_table(std::ostringstream& out, const std::vector<PartnerBacktest>& partners, int origin_year) {
  std::set<int> years;
  for (const PartnerBacktest& p : partners)
    for (const Forecast& f : p.fitted)
      if (f.kind == "stock") years.insert(f.year);
  out << "| partner |";
  for (int y : years) out << " stocks " << y << ": cells | RMSE ln |";
  out << " returns " << origin_year - 1 << "-" << origin_year << " | dissimilarity over the Member States |\n|---|";
  for (size_t i = 0; i < years.size(); ++i) out << "---|---|";
  out << "---|---|\n";
  std::map<int, std::vector<double>> rmse;
  for (const PartnerBacktest& p : partners) {
    out << "| " << p.partner << " |";
    for (int y : years) {
      const auto cells = select(p.fitted, "stock", false, y);
      const StockScores s = score_stocks(cells);
      if (s.cells > 0) rmse[y].push_back(s.rmse_model);
      out << " " << s.cells << " | " << (s.cells > 0 ? fixed(s.rmse_model) : "") << " |";
    }
    std::map<std::string, std::pair<double, double>> by_state;  // observed, model
    double seen = 0, model = 0;
    for (const Forecast* f : select(p.fitted, "returns"))
      if (f->year >= origin_year - 1) {
        by_state[f->destination].first += f->observed;
        by_state[f->destination].second += f->median;
        seen += f->observed;
        model += f->median;
      }
    double dissimilarity = 0;
    for (const auto& [state, v] : by_state)
      if (seen > 0 && model > 0) dissimilarity += 0.5 * std::fabs(v.first / seen - v.second / model);
    out << " " << whole(seen) << " | " << (seen > 0 && model > 0 ? fixed(dissimilarity) : "n/a") << " |\n";
  }
  out << "| median over partners |";
  for (int y : years) out << " | " << (rmse[y].empty() ? "" : fixed(median(rmse[y]))) << " |";
  out << " | |\n\nIn-sample: the fitted years' stocks (UN DESA, cells of at least 1,000 persons) and returns to a "
         "country outside the EU per Member State (Eurostat), as the shipped baselines reproduce them (median of the "
         "replicates). Dissimilarity: half the sum over the Member States of the absolute difference between the "
         "observed and modelled shares of the returns.\n\n";
}

}  // namespace

std::string backtest_markdown(const BacktestReport& r) {
  const BacktestOptions& o = r.options;
  std::ostringstream out;
  out << "# Validation: the baselines against data the calibration did not see\n\n"
      << "Written by `migflow backtest` (analysis/backtest.hpp); every figure below is computed by it. The calibration "
         "(docs/calibration.md) fits each partner's baseline as the scenario runs it, from 2005, to data up to "
      << o.origin_year
      << " (UN DESA stocks, Frontex detections, Eurostat asylum applicants, orders to leave, persons found illegally "
         "present, returns, first permits for employment and immigration), nothing later. Here the same baselines run "
         "on, as shipped: "
      << o.replicates
      << " replicates, each with its own random numbers and a draw from the posterior (consecutive replicates share a "
         "draw), and each value with "
      << o.noise_draws
      << " draws of the model discrepancy its draw carries (the fitted observation error of that kind of data): the "
         "predictive distribution `migflow compare` shows. The point forecast is its median. Naive forecasts start "
         "from "
         "the cut-off year's data: persistence (the "
      << o.origin_year << " value) and trend (" << o.origin_year << " x " << o.origin_year << " / " << o.origin_year - 5
      << "). Scores use ln(1 + persons); stock cells are (partner, destination) pairs with at "
      << "least " << whole(o.min_stock) << " persons observed in " << o.test_year << " and a value in " << o.origin_year
      << ". MdAPE is the median absolute relative error.\n\n"
      << "Inputs after " << o.origin_year
      << " are the exogenous series and dates a researcher sets for any scenario: GDP per capita, unemployment and "
         "working-age population (World Development Indicators), Schengen visas issued, the dates of visa regimes and "
         "readmission agreements. Labour schemes keep the size of their last three years before the cut-off.\n\n";
  if (!r.shipped.empty()) {
    out << "## The shipped baselines, from " << r.shipped.front().start_year << "\n\n"
        << "### Held-out " << o.test_year << " stocks, every destination\n\n";
    stock_table(out, r.shipped, false);
    out << "### Member States only\n\n";
    stock_table(out, r.shipped, true);
    out << "### Held-out flows, " << o.first_count_year << "-" << o.last_count_year << "\n\n";
    flow_table(out, r.shipped, o);
    out << "### In-sample\n\n";
    fitted_table(out, r.shipped, o.origin_year);
  }
  if (!r.restart2020.empty()) {
    const int from = r.restart2020.front().start_year;
    out << "## Restarted from the " << from << " stocks\n\nThe same baselines restarted in mid-" << from
        << " from the stocks UN DESA observed that year (the revision fitted; the last ones up to the cut-off), as "
           "the naive forecasts start, to see what the level reached from 2005 costs.\n\n";
    stock_table(out, r.restart2020, false);
    flow_table(out, r.restart2020, o);
  }
  if (!r.restart2024.empty()) {
    out << "## The 2024 revision\n\nThe same restart from the 2024 revision's own " << r.restart2024.front().start_year
        << " stocks, scored against its own " << o.test_year << " stocks (naive forecasts from the same revision).\n\n";
    stock_table(out, r.restart2024, false);
  }
  return out.str();
}

std::string backtest_csv(const BacktestReport& r) {
  std::ostringstream out;
  out.precision(10);
  out << "set,partner,start_year,kind,destination,in_eu,year,observed,persistence,trend,median,q05,q25,q75,q95\n";
  for (const auto& [name, set] : {std::pair{"shipped", &r.shipped}, std::pair{"restart2020", &r.restart2020},
                                  std::pair{"restart2024", &r.restart2024}})
    for (const PartnerBacktest& p : *set)
      for (const auto* forecasts : {&p.forecasts, &p.fitted})
        for (const Forecast& f : *forecasts)
          out << name << (forecasts == &p.fitted ? "_fitted" : "") << "," << p.partner << "," << p.start_year << ","
              << f.kind << "," << f.destination << "," << (f.in_eu ? 1 : 0) << "," << f.year << "," << f.observed << ","
              << f.persistence << "," << f.trend << "," << f.median << "," << f.q05 << "," << f.q25 << "," << f.q75
              << "," << f.q95 << "\n";
  return out.str();
}

}  // namespace migflow
