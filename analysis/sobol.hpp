// Global sensitivity analysis: first- and total-order Sobol indices from a Saltelli
// design. Two N x k matrices A and B of independent points in the unit cube, and for
// each parameter i the matrix AB_i (A with column i from B): N (k + 2) model runs.
// Estimators: first order S_i = mean((f(B) - mean f) (f(AB_i) - f(A))) / V (Saltelli et al. 2010),
// total order T_i = mean((f(A) - f(AB_i))^2) / (2 V) (Jansen 1999), V the variance of
// f over A and B together. Intervals: percentile bootstrap over the N rows.
#pragma once
#include <cstdint>
#include <vector>

namespace migflow {

struct SaltelliDesign {
  int n = 0, k = 0;
  // Points in [0,1)^k, in blocks: A (rows 0..n-1), B (n..2n-1), then AB_1 .. AB_k.
  std::vector<std::vector<double>> points;
  std::size_t a(int row) const { return static_cast<std::size_t>(row); }
  std::size_t b(int row) const { return static_cast<std::size_t>(n + row); }
  std::size_t ab(int i, int row) const { return static_cast<std::size_t>((2 + i) * n + row); }
};

// Independent uniform points from Philox keyed by (seed, row, column).
SaltelliDesign saltelli_design(int n, int k, std::uint64_t seed);

struct SobolEstimate {
  double value = 0, lo = 0, hi = 0;  // estimate and bootstrap interval
};

struct SobolIndices {
  std::vector<SobolEstimate> first, total;
  double variance = 0, mean = 0;
};

// Indices from the model outputs y (one per design point, in the design's order).
SobolIndices sobol_indices(const SaltelliDesign& design, const std::vector<double>& y, int bootstrap = 500,
                           double level = 0.95, std::uint64_t seed = 1);

}  // namespace migflow
