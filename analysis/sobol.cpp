#include "analysis/sobol.hpp"
#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/rng.hpp"

namespace migflow {

SaltelliDesign saltelli_design(int n, int k, std::uint64_t seed) {
  if (n < 2 || k < 1) throw std::invalid_argument("saltelli_design: need n >= 2 and k >= 1");
  SaltelliDesign d;
  d.n = n;
  d.k = k;
  d.points.assign(static_cast<std::size_t>(n) * (k + 2), std::vector<double>(static_cast<std::size_t>(k)));
  // A and B: 2k independent uniforms per row, four per Philox block.
  for (int row = 0; row < n; ++row)
    for (int c = 0; c < 2 * k; c += 4) {
      const Draws u =
          draw(seed, static_cast<std::uint64_t>(row), static_cast<std::uint32_t>(c / 4), Purpose::Sensitivity);
      for (int j = c; j < std::min(c + 4, 2 * k); ++j) {
        auto& point = j < k ? d.points[d.a(row)] : d.points[d.b(row)];
        point[static_cast<std::size_t>(j % k)] = u.uniform(j - c);
      }
    }
  for (int i = 0; i < k; ++i)
    for (int row = 0; row < n; ++row) {
      d.points[d.ab(i, row)] = d.points[d.a(row)];
      d.points[d.ab(i, row)][static_cast<std::size_t>(i)] = d.points[d.b(row)][static_cast<std::size_t>(i)];
    }
  return d;
}

namespace {

// Both estimators over the rows `rows` (with repeats, for the bootstrap).
void estimate(const SaltelliDesign& d, const std::vector<double>& y, const std::vector<int>& rows,
              std::vector<double>& first, std::vector<double>& total, double& mean, double& variance) {
  const double m = static_cast<double>(rows.size());
  double s = 0, s2 = 0;
  for (int r : rows) {
    const double fa = y[d.a(r)], fb = y[d.b(r)];
    s += fa + fb;
    s2 += fa * fa + fb * fb;
  }
  mean = s / (2 * m);
  variance = s2 / (2 * m) - mean * mean;
  first.assign(static_cast<std::size_t>(d.k), 0.0);
  total.assign(static_cast<std::size_t>(d.k), 0.0);
  for (int i = 0; i < d.k; ++i) {
    double f = 0, t = 0;
    for (int r : rows) {
      const double fa = y[d.a(r)], fb = y[d.b(r)], fab = y[d.ab(i, r)];
      f += (fb - mean) * (fab - fa);  // centred: same expectation, far smaller variance
      t += (fa - fab) * (fa - fab);
    }
    first[static_cast<std::size_t>(i)] = variance > 0 ? f / m / variance : 0.0;
    total[static_cast<std::size_t>(i)] = variance > 0 ? t / (2 * m) / variance : 0.0;
  }
}

}  // namespace

SobolIndices sobol_indices(const SaltelliDesign& d, const std::vector<double>& y, int bootstrap, double level,
                           std::uint64_t seed) {
  if (y.size() != d.points.size()) throw std::invalid_argument("sobol_indices: one output per design point");
  std::vector<int> rows(static_cast<std::size_t>(d.n));
  for (int r = 0; r < d.n; ++r) rows[static_cast<std::size_t>(r)] = r;
  SobolIndices out;
  std::vector<double> first, total;
  estimate(d, y, rows, first, total, out.mean, out.variance);
  std::vector<std::vector<double>> boot_first(static_cast<std::size_t>(d.k)), boot_total(static_cast<std::size_t>(d.k));
  for (int b = 0; b < bootstrap; ++b) {
    for (int r = 0; r < d.n; r += 4) {
      const Draws u = draw(seed, static_cast<std::uint64_t>(b), static_cast<std::uint32_t>(r / 4) + (1u << 20),
                           Purpose::Sensitivity);
      for (int j = r; j < std::min(r + 4, d.n); ++j)
        rows[static_cast<std::size_t>(j)] = std::min(d.n - 1, static_cast<int>(u.uniform(j - r) * d.n));
    }
    std::vector<double> f, t;
    double m, v;
    estimate(d, y, rows, f, t, m, v);
    for (int i = 0; i < d.k; ++i) {
      boot_first[static_cast<std::size_t>(i)].push_back(f[static_cast<std::size_t>(i)]);
      boot_total[static_cast<std::size_t>(i)].push_back(t[static_cast<std::size_t>(i)]);
    }
  }
  const double tail = (1.0 - level) / 2;
  for (int i = 0; i < d.k; ++i) {
    const auto k = static_cast<std::size_t>(i);
    SobolEstimate fi{first[k], first[k], first[k]}, ti{total[k], total[k], total[k]};
    if (bootstrap > 1) {
      fi.lo = quantile(boot_first[k], tail);
      fi.hi = quantile(boot_first[k], 1 - tail);
      ti.lo = quantile(boot_total[k], tail);
      ti.hi = quantile(boot_total[k], 1 - tail);
    }
    out.first.push_back(fi);
    out.total.push_back(ti);
  }
  return out;
}

}  // namespace migflow
