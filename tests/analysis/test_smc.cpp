// The posterior sampler against posteriors known in closed form or by quadrature.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <numeric>

#include "analysis/smc.hpp"

namespace migflow {
namespace {

double mean_of(const SmcResult& r, size_t j) {
  double s = 0;
  for (const auto& p : r.particles) s += p[j];
  return s / static_cast<double>(r.particles.size());
}

double sd_of(const SmcResult& r, size_t j) {
  const double m = mean_of(r, j);
  double s = 0;
  for (const auto& p : r.particles) s += (p[j] - m) * (p[j] - m);
  return std::sqrt(s / static_cast<double>(r.particles.size() - 1));
}

// y_k ~ N(mu, 1), prior mu ~ N(m0, s0^2): posterior N(m1, s1^2), evidence in closed form.
struct NormalMean {
  std::vector<double> y;
  double m0 = 1.0, s0 = 3.0;
  NormalMean() {
    for (int k = 0; k < 20; ++k) y.push_back(2.0 + 0.8 * std::sin(1.7 * k));
  }
  double log_likelihood(double mu) const {
    double l = 0;
    for (double v : y) l += -0.5 * (v - mu) * (v - mu) - 0.5 * std::log(2 * M_PI);
    return l;
  }
  double posterior_mean() const {
    const double n = static_cast<double>(y.size()), sum = std::accumulate(y.begin(), y.end(), 0.0);
    return (sum + m0 / (s0 * s0)) / (n + 1 / (s0 * s0));
  }
  double posterior_sd() const { return 1 / std::sqrt(static_cast<double>(y.size()) + 1 / (s0 * s0)); }
  // ln p(y) by quadrature over mu.
  double log_evidence() const {
    double s = 0, h = 1e-3;
    for (double mu = -20; mu < 20; mu += h)
      s += std::exp(log_likelihood(mu) - 0.5 * std::pow((mu - m0) / s0, 2)) / (s0 * std::sqrt(2 * M_PI)) * h;
    return std::log(s);
  }
};

TEST(Smc, RecoversAConjugateNormalPosteriorAndItsEvidence) {
  NormalMean model;
  SmcOptions o;
  o.particles = 2000;
  o.seed = 7;
  const SmcResult r = smc_sample(
      {{"mu", Transform::Identity, model.m0, model.s0}},
      [&](const std::vector<double>& x) { return model.log_likelihood(x[0]); }, o);
  ASSERT_EQ(r.particles.size(), 2000u);
  EXPECT_GT(r.stages.size(), 2u);  // the likelihood is sharp: several tempering stages
  EXPECT_DOUBLE_EQ(r.stages.back().temperature, 1.0);
  // Monte Carlo error of the mean is about sd / sqrt(ESS); ESS >= N/4 here.
  EXPECT_NEAR(mean_of(r, 0), model.posterior_mean(), 4 * model.posterior_sd() / std::sqrt(500.0));
  EXPECT_NEAR(sd_of(r, 0) / model.posterior_sd(), 1.0, 0.1);
  EXPECT_NEAR(r.log_evidence, model.log_evidence(), 0.15);
}

// Counts ~ Poisson(lambda t), prior ln(lambda) ~ N(0, 1): the posterior of lambda by
// quadrature on ln(lambda).
TEST(Smc, RecoversAPositiveRateThroughItsLogTransform) {
  const std::vector<int> counts{3, 5, 2, 4, 6, 3};
  const double t = 2.0;
  auto log_lik = [&](double lambda) {
    double l = 0;
    for (int c : counts) l += c * std::log(lambda * t) - lambda * t - std::lgamma(c + 1.0);
    return l;
  };
  double z0 = 0, z1 = 0, z2 = 0;
  for (double u = -6; u < 6; u += 1e-4) {
    const double w = std::exp(log_lik(std::exp(u)) - 0.5 * u * u);
    z0 += w;
    z1 += w * std::exp(u);
    z2 += w * std::exp(2 * u);
  }
  const double exact_mean = z1 / z0, exact_sd = std::sqrt(z2 / z0 - exact_mean * exact_mean);
  SmcOptions o;
  o.particles = 2000;
  const SmcResult r = smc_sample(
      {{"lambda", Transform::Log, 0.0, 1.0, 0.0, 1e9}}, [&](const std::vector<double>& x) { return log_lik(x[0]); }, o);
  EXPECT_NEAR(mean_of(r, 0), exact_mean, 4 * exact_sd / std::sqrt(500.0));
  EXPECT_NEAR(sd_of(r, 0) / exact_sd, 1.0, 0.1);
}

// A bounded share: the prior's truncation is respected, and the posterior of a binomial
// share under a logit-normal prior matches quadrature.
TEST(Smc, KeepsSharesInsideTheirRangeAndMatchesQuadrature) {
  const int successes = 7, trials = 40;
  auto log_lik = [&](double p) { return successes * std::log(p) + (trials - successes) * std::log1p(-p); };
  double z0 = 0, z1 = 0;
  for (double u = -8; u < 8; u += 1e-4) {
    const double p = 1 / (1 + std::exp(-u)), w = std::exp(log_lik(p) - 0.5 * u * u / 4);
    if (p > 0.5) continue;  // the truncation below
    z0 += w;
    z1 += w * p;
  }
  SmcOptions o;
  o.particles = 2000;
  const SmcResult r = smc_sample(
      {{"p", Transform::Logit, 0.0, 2.0, 0.0, 0.5}}, [&](const std::vector<double>& x) { return log_lik(x[0]); }, o);
  for (const auto& p : r.particles) EXPECT_LE(p[0], 0.5);
  EXPECT_NEAR(mean_of(r, 0), z1 / z0, 0.01);
}

TEST(Smc, SameSampleOnOneAndTwoThreads) {
  NormalMean model;
  auto run = [&](int threads) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    SmcOptions o;
    o.particles = 300;
    return smc_sample(
        {{"mu", Transform::Identity, 0, 3}, {"nuisance", Transform::Log, 0, 1, 0, 1e9}},
        [&](const std::vector<double>& x) { return model.log_likelihood(x[0]) - x[1]; }, o);
  };
  const SmcResult one = run(1), two = run(2);
  EXPECT_EQ(one.particles, two.particles);
  EXPECT_EQ(one.log_evidence, two.log_evidence);
  EXPECT_EQ(one.evaluations, two.evaluations);
}

}  // namespace
}  // namespace migflow
