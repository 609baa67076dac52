#include "analysis/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "loader/yaml_tree.hpp"

namespace migflow {

namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
const char* color(std::size_t k) { return kColors[k % std::size(kColors)]; }

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string attribute(const RunFile& run, const std::string& name) {
  const auto it = run.attributes.find(name);
  return it == run.attributes.end() ? "" : it->second;
}

// ---- Figures ------------------------------------------------------------------------

// One run's band over time: x in decimal years, the mean and the 2.5-97.5% range.
struct Band {
  std::vector<double> x, mean, lo, hi;
};

// An indicator's per-step values as a band: stocks (and the mean wait) month by month,
// flows summed per calendar year and drawn mid-year, full years only, since a part
// year's total is not comparable.
Band band_of(const RunFile& run, const Indicator& ind) {
  const std::size_t T = run.dates.size();
  const std::size_t R = T == 0 ? 0 : ind.per_step.size() / T;
  std::vector<double> x;
  std::vector<std::vector<std::size_t>> steps_at;  // steps that make up each point
  const bool per_step = ind.stock || ind.name == "transit_wait";
  const std::string step_months_text = attribute(run, "step_months");
  const int step_months = step_months_text.empty() ? 1 : std::max(1, std::atoi(step_months_text.c_str()));
  for (std::size_t t = 0; t < T; ++t) {
    const int year = std::atoi(run.dates[t].substr(0, 4).c_str());
    const int month = std::atoi(run.dates[t].substr(5, 2).c_str());
    if (per_step) {
      x.push_back(year + (month - 0.5) / 12.0);
      steps_at.push_back({t});
    } else if (x.empty() || x.back() != year + 0.5) {
      x.push_back(year + 0.5);
      steps_at.push_back({t});
    } else {
      steps_at.back().push_back(t);
    }
  }
  Band b;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!per_step && static_cast<int>(steps_at[i].size()) * step_months < 12) continue;
    std::vector<double> values(R, 0.0);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t t : steps_at[i]) values[r] += ind.per_step[r * T + t];
    double sum = 0;
    for (double v : values) sum += v;
    b.x.push_back(x[i]);
    b.mean.push_back(R ? sum / static_cast<double>(R) : 0.0);
    b.lo.push_back(R ? quantile(values, 0.025) : 0.0);
    b.hi.push_back(R ? quantile(values, 0.975) : 0.0);
  }
  return b;
}

// A round step for about `ticks` intervals over [0, top]: 1, 2 or 5 times a power of ten.
double tick_step(double top, int ticks) {
  const double raw = top / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

std::string short_number(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
  else if (a >= 1e3)
    std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A chart of one indicator: each run's mean line and band.
std::string svg_chart(const std::vector<Band>& bands) {
  constexpr double W = 400, H = 230, left = 52, right = 12, top = 10, bottom = 26;
  double x0 = 1e9, x1 = -1e9, y1 = 0;
  for (const Band& b : bands)
    for (std::size_t i = 0; i < b.x.size(); ++i) {
      x0 = std::min(x0, b.x[i]);
      x1 = std::max(x1, b.x[i]);
      y1 = std::max({y1, b.hi[i], b.mean[i]});
    }
  if (x0 > x1) return "<p class=\"empty\">no full year to draw</p>";
  if (x1 == x0) x1 = x0 + 1;
  const double step = tick_step(y1 > 0 ? y1 : 1, 4);
  y1 = std::ceil((y1 > 0 ? y1 : 1) / step) * step;
  const auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (W - left - right); };
  const auto py = [&](double y) { return H - bottom - y / y1 * (H - top - bottom); };
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " " << H << "\" width=\"" << W
    << "\" height=\"" << H << "\" role=\"img\">";
  for (double y = 0; y <= y1 + step / 2; y += step)
    s << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << fixed(py(y)) << "\" y2=\"" << fixed(py(y))
      << "\" class=\"grid\"/><text x=\"" << left - 4 << "\" y=\"" << fixed(py(y) + 4) << "\" text-anchor=\"end\">"
      << short_number(y) << "</text>";
  const int first_year = static_cast<int>(std::ceil(x0)), last_year = static_cast<int>(std::floor(x1));
  const int year_step = std::max(1, (last_year - first_year) / 6 + 1);
  for (int year = first_year; year <= last_year; year += year_step)
    s << "<text x=\"" << fixed(px(year)) << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\">" << year << "</text>";
  for (std::size_t k = 0; k < bands.size(); ++k) {
    const Band& b = bands[k];
    s << "<polygon fill=\"" << color(k) << "\" fill-opacity=\"0.18\" points=\"";
    for (std::size_t i = 0; i < b.x.size(); ++i) s << fixed(px(b.x[i])) << "," << fixed(py(b.hi[i])) << " ";
    for (std::size_t i = b.x.size(); i-- > 0;) s << fixed(px(b.x[i])) << "," << fixed(py(b.lo[i])) << " ";
    s << "\"/><polyline fill=\"none\" stroke=\"" << color(k) << "\" stroke-width=\"1.8\" points=\"";
    for (std::size_t i = 0; i < b.x.size(); ++i) s << fixed(px(b.x[i])) << "," << fixed(py(b.mean[i])) << " ";
    s << "\"/>";
  }
  s << "</svg>";
  return s.str();
}

std::string figures(const std::vector<RunFile>& runs, const Comparison& c) {
  std::ostringstream s;
  s << "<div class=\"legend\">";
  for (std::size_t k = 0; k < c.scenarios.size(); ++k)
    s << "<span><i style=\"background:" << color(k) << "\"></i>" << escape(c.scenarios[k]) << "</span>";
  s << "</div><div class=\"figures\">";
  for (std::size_t i = 0; i < c.runs[0].size(); ++i) {
    const Indicator& ind = c.runs[0][i];
    if (!ind.member_state.empty()) continue;
    std::vector<Band> bands;
    bool any = false;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      bands.push_back(band_of(runs[k], c.runs[k][i]));
      for (double v : bands.back().hi) any = any || v != 0;
    }
    if (!any) continue;  // e.g. border_blocked without capacity limits
    const bool per_step = ind.stock || ind.name == "transit_wait";
    s << "<figure><figcaption><b>" << escape(ind.name) << "</b> &mdash; " << escape(ind.description) << " ("
      << escape(ind.unit) << (per_step ? ", each month" : " per calendar year") << ")</figcaption>" << svg_chart(bands)
      << "</figure>";
  }
  s << "</div>";
  return s.str();
}

// ---- Tables -------------------------------------------------------------------------

std::string table(const std::vector<std::vector<std::string>>& rows, const std::string& css_class) {
  std::ostringstream s;
  // Wide tables scroll on their own, so the page keeps the window's width.
  s << "<div class=\"wide\"><table class=\"" << css_class << "\"><thead><tr>";
  for (const std::string& h : rows.at(0)) s << "<th>" << escape(h) << "</th>";
  s << "</tr></thead><tbody>";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    s << "<tr>";
    for (const std::string& cell : rows[i]) s << "<td>" << escape(cell) << "</td>";
    s << "</tr>";
  }
  s << "</tbody></table></div>";
  return s.str();
}

// The resolved settings where the runs differ: one row per setting, one column per run.
std::string settings_differences(const std::vector<RunFile>& runs, const Comparison& c) {
  std::vector<std::string> order;  // every setting of any run, first seen first
  std::set<std::string> seen;
  std::vector<std::map<std::string, std::string>> values(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const std::string text = attribute(runs[k], "scenario");
    if (text.empty()) return "<p>A run does not carry its resolved scenario; settings cannot be compared.</p>";
    try {
      for (auto& [path, value] : flatten_tree(*parse_yaml_text(text, runs[k].path))) {
        if (seen.insert(path).second) order.push_back(path);
        values[k][path] = value;
      }
    } catch (const InputError& e) {
      std::string text = "<p>The resolved scenario of ";
      text += escape(runs[k].path);
      text += " cannot be read: ";
      text += escape(e.what());
      return text += "</p>";
    }
  }
  std::vector<std::vector<std::string>> rows(1, {"setting"});
  for (const std::string& s : c.scenarios) rows[0].push_back(s);
  for (const std::string& path : order) {
    std::vector<std::string> row{path};
    bool differs = false;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const auto it = values[k].find(path);
      row.push_back(it == values[k].end() ? "(not set)" : it->second);
      differs = differs || row.back() != row[1];
    }
    if (differs) rows.push_back(std::move(row));
  }
  if (rows.size() == 1) return "<p>The runs' resolved scenarios are the same.</p>";
  std::string text = "<p>";
  text += std::to_string(rows.size() - 1);
  text += " of ";
  text += std::to_string(order.size());
  text += " resolved settings differ (lists of nodes, edges, origins and policies item by item, by their id).</p>";
  return text += table(rows, "settings");
}

std::string provenance(const std::vector<RunFile>& runs, const Comparison& c) {
  std::vector<std::vector<std::string>> rows(1, {""});
  for (const std::string& s : c.scenarios) rows[0].push_back(s);
  const auto add = [&](const std::string& label, auto value_of) {
    std::vector<std::string> row{label};
    for (const RunFile& r : runs) row.push_back(value_of(r));
    rows.push_back(std::move(row));
  };
  add("file", [](const RunFile& r) { return r.path; });
  for (const char* name : {"migflow_version", "seed", "scenario_file", "run_status", "history"})
    add(name, [name](const RunFile& r) { return attribute(r, name); });
  add("replicates", [](const RunFile& r) { return std::to_string(r.replicates()); });
  add("months",
      [](const RunFile& r) { return r.dates.empty() ? std::string() : r.dates.front() + " to " + r.dates.back(); });
  std::ostringstream s;
  s << table(rows, "provenance");
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const std::string text = attribute(runs[k], "scenario");
    s << "<details><summary>Resolved scenario of " << escape(c.scenarios[k]) << " ("
      << std::count(text.begin(), text.end(), '\n') << " lines)</summary><pre>" << escape(text) << "</pre></details>";
  }
  return s.str();
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1280px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}.wide{overflow-x:auto}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}table.comparison td:nth-child(n+3){font-variant-numeric:tabular-nums;white-space:nowrap}
table.settings td{max-width:30em;overflow-wrap:anywhere}
.note{font-size:.85em;color:#555;max-width:60em}
.legend span{margin-right:1.5em}.legend i{display:inline-block;width:1.2em;height:.7em;margin-right:.4em}
.figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;width:400px}
figcaption{font-size:.8em;min-height:3em}svg text{font-size:10px;fill:#444}svg .grid{stroke:#e5e5e5}
pre{font-size:.75em;background:#f8f8f8;padding:.5em;max-height:30em;overflow:auto}
)";

}  // namespace

std::string report_html(const std::vector<RunFile>& runs) {
  const Comparison c = compare_runs(runs, false);
  std::string names;
  for (const std::string& s : c.scenarios) names += (names.empty() ? "" : " | ") + s;
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>migflow report: " << escape(names)
       << "</title><style>" << kStyle << "</style></head><body>\n<h1>migflow report</h1><p>" << escape(c.scenarios[0])
       << " (the reference) compared with ";
  for (std::size_t k = 1; k < c.scenarios.size(); ++k) html << (k > 1 ? ", " : "") << escape(c.scenarios[k]);
  html << ".</p>\n<h2 id=\"comparison\">Headline indicators</h2>" << table(comparison_table(c), "comparison")
       << "<p class=\"note\">" << escape(comparison_note(c)) << "</p>\n<h2 id=\"figures\">Over time</h2>"
       << "<p class=\"note\">Line: mean of the replicates; band: 2.5% to 97.5% of the replicates. Flows per calendar "
          "year (full years only), stocks at the end of each month.</p>"
       << figures(runs, c) << "\n<h2 id=\"settings\">What differs between the scenarios</h2>"
       << settings_differences(runs, c) << "\n<h2 id=\"provenance\">Provenance</h2>" << provenance(runs, c)
       << "\n</body></html>\n";
  return html.str();
}

}  // namespace migflow
