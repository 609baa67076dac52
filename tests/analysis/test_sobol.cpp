// Sobol indices against functions whose indices are known analytically.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/sobol.hpp"

namespace migflow {
namespace {

// Ishigami: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i uniform on [-pi, pi]
// (Ishigami & Homma 1990; indices from Sobol' & Levitan 1999).
TEST(Sobol, IshigamiIndicesWithinTheirIntervals) {
  const double a = 7, b = 0.1, pi = M_PI;
  const SaltelliDesign d = saltelli_design(20000, 3, 11);
  std::vector<double> y;
  for (const auto& u : d.points) {
    const double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
    y.push_back(std::sin(x1) + a * std::pow(std::sin(x2), 2) + b * std::pow(x3, 4) * std::sin(x1));
  }
  const double v1 = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2), v2 = a * a / 8,
               v13 = b * b * std::pow(pi, 8) * (1.0 / 18 - 1.0 / 50), v = v1 + v2 + v13;
  const double first[3] = {v1 / v, v2 / v, 0.0}, total[3] = {(v1 + v13) / v, v2 / v, v13 / v};
  const SobolIndices s = sobol_indices(d, y, 300, 0.99);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_NEAR(s.first[i].value, first[i], 0.03);
    EXPECT_NEAR(s.total[i].value, total[i], 0.03);
    EXPECT_LE(s.first[i].lo, first[i]);
    EXPECT_GE(s.first[i].hi, first[i]);
    EXPECT_LE(s.total[i].lo, total[i]);
    EXPECT_GE(s.total[i].hi, total[i]);
  }
  EXPECT_NEAR(s.variance, v, 0.05 * v);
}

// Additive linear model: S_i = T_i = c_i^2 / sum c^2 (uniform inputs of equal variance).
TEST(Sobol, AdditiveModelHasEqualFirstAndTotalIndices) {
  const double c[4] = {1.0, 2.0, 0.5, 0.0};
  const SaltelliDesign d = saltelli_design(8000, 4, 3);
  std::vector<double> y;
  for (const auto& u : d.points) y.push_back(c[0] * u[0] + c[1] * u[1] + c[2] * u[2] + c[3] * u[3]);
  const double sum = 1 + 4 + 0.25;
  const SobolIndices s = sobol_indices(d, y, 0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(s.first[i].value, c[i] * c[i] / sum, 0.03);
    EXPECT_NEAR(s.total[i].value, c[i] * c[i] / sum, 0.01);
  }
}

}  // namespace
}  // namespace migflow
