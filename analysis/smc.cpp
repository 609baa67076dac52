#include "analysis/smc.hpp"

#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "sim/rng.hpp"

namespace migflow {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// Uniforms and normals from Philox blocks keyed by (seed, purpose, key, sub-key), read
// in order: a fixed stream per (stage, particle), whatever thread reads it.
class KeyedStream {
 public:
  KeyedStream(std::uint64_t seed, Purpose purpose, std::uint64_t key, std::uint32_t sub)
      : seed_(seed), purpose_(purpose), key_(key << 12), sub_(sub) {}
  double uniform() {
    if (used_ == 4) {
      block_ = draw(seed_, key_ + blocks_++, sub_, purpose_);
      used_ = 0;
    }
    return block_.uniform(used_++);
  }
  double normal() { return normal_from_uniforms(uniform(), uniform()); }

 private:
  std::uint64_t seed_;
  Purpose purpose_;
  std::uint64_t key_;
  std::uint32_t sub_;
  std::uint64_t blocks_ = 0;
  Draws block_{};
  int used_ = 4;
};

double log_prior(const std::vector<ParameterPrior>& priors, const Eigen::VectorXd& z) {
  double lp = 0;
  for (size_t j = 0; j < priors.size(); ++j) lp += priors[j].log_density(z(static_cast<Eigen::Index>(j)));
  return lp;
}

std::vector<double> natural(const std::vector<ParameterPrior>& priors, const Eigen::VectorXd& z) {
  std::vector<double> x(priors.size());
  for (size_t j = 0; j < priors.size(); ++j) x[j] = priors[j].to_natural(z(static_cast<Eigen::Index>(j)));
  return x;
}

// Weights exp(delta * L_i), normalised by their largest, and the log of their mean (the
// evidence increment).
std::vector<double> incremental_weights(const std::vector<double>& L, double delta, double& log_mean) {
  double top = kMinusInf;
  for (double l : L) top = std::max(top, l);
  std::vector<double> w(L.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < L.size(); ++i) {
    w[i] = std::isfinite(L[i]) ? std::exp(delta * (L[i] - top)) : 0.0;
    sum += w[i];
  }
  log_mean = delta * top + std::log(sum / static_cast<double>(L.size()));
  return w;
}

double ess(const std::vector<double>& w) {
  double s = 0, s2 = 0;
  for (double v : w) {
    s += v;
    s2 += v * v;
  }
  return s2 > 0 ? s * s / s2 : 0.0;
}

// The largest temperature step (at most `room`) that keeps the ESS at `target`.
double next_step(const std::vector<double>& L, double room, double target) {
  double unused;
  if (ess(incremental_weights(L, room, unused)) >= target) return room;
  double lo = 0, hi = room;
  for (int it = 0; it < 60; ++it) {
    const double mid = 0.5 * (lo + hi);
    (ess(incremental_weights(L, mid, unused)) >= target ? lo : hi) = mid;
  }
  return std::max(lo, 1e-12);
}

// Systematic resampling: indices of the particles kept, N of them.
std::vector<size_t> systematic(const std::vector<double>& w, double u) {
  const size_t n = w.size();
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<size_t> out(n);
  double cumulative = w[0] / total;
  size_t i = 0;
  for (size_t k = 0; k < n; ++k) {
    const double point = (static_cast<double>(k) + u) / static_cast<double>(n);
    while (point > cumulative && i + 1 < n) cumulative += w[++i] / total;
    out[k] = i;
  }
  return out;
}

}  // namespace

double normal_from_uniforms(double u1, double u2) {
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
}

double ParameterPrior::to_natural(double z) const {
  switch (transform) {
    case Transform::Log: return std::exp(z);
    case Transform::Logit: return 1.0 / (1.0 + std::exp(-z));
    case Transform::Identity: break;
  }
  return z;
}

double ParameterPrior::to_unconstrained(double x) const {
  switch (transform) {
    case Transform::Log: return std::log(x);
    case Transform::Logit: return std::log(x / (1.0 - x));
    case Transform::Identity: break;
  }
  return x;
}

double ParameterPrior::log_density(double z) const {
  const double x = to_natural(z);
  if (!(x >= lo && x <= hi) || !std::isfinite(z)) return kMinusInf;
  const double s = (z - mean) / sd;
  return -0.5 * s * s;
}

SmcResult smc_sample(const std::vector<ParameterPrior>& priors, const LogLikelihood& log_likelihood,
                     const SmcOptions& options) {
  const int N = options.particles;
  const auto d = static_cast<Eigen::Index>(priors.size());
  if (N < 2 || d == 0) throw std::invalid_argument("smc: need at least 2 particles and 1 parameter");
  SmcResult result;
  for (const ParameterPrior& p : priors) result.names.push_back(p.name);

  // Stage 0: the prior. A draw outside a parameter's range is drawn again (same key,
  // the stream goes on), so the initial sample is the truncated prior.
  std::vector<Eigen::VectorXd> z(static_cast<size_t>(N), Eigen::VectorXd(d));
  for (int i = 0; i < N; ++i) {
    KeyedStream s(options.seed, Purpose::Prior, static_cast<std::uint64_t>(i), 0);
    for (Eigen::Index j = 0; j < d; ++j) {
      const ParameterPrior& p = priors[static_cast<size_t>(j)];
      do z[static_cast<size_t>(i)](j) = p.mean + p.sd * s.normal();
      while (!std::isfinite(p.log_density(z[static_cast<size_t>(i)](j))));
    }
  }
  std::vector<double> L(static_cast<size_t>(N));
  auto evaluate = [&](const std::vector<Eigen::VectorXd>& at, std::vector<double>& out) {
    tbb::parallel_for(0, N, [&](int i) {
      const double l = log_likelihood(natural(priors, at[static_cast<size_t>(i)]));
      out[static_cast<size_t>(i)] = std::isnan(l) ? kMinusInf : l;
    });
    result.evaluations += N;
  };
  evaluate(z, L);

  double phi = 0;
  for (std::uint32_t stage = 1; phi < 1.0; ++stage) {
    if (static_cast<int>(stage) > options.max_stages) throw std::runtime_error("smc: too many tempering stages");
    if (std::none_of(L.begin(), L.end(), [](double l) { return std::isfinite(l); }))
      throw std::runtime_error("smc: every particle has zero likelihood");
    SmcStage info;
    const double delta = next_step(L, 1.0 - phi, options.ess_fraction * N);
    phi = (1.0 - phi - delta < 1e-12) ? 1.0 : phi + delta;
    double log_mean = 0;
    const std::vector<double> w = incremental_weights(L, delta, log_mean);
    result.log_evidence += log_mean;
    info.temperature = phi;
    info.ess_before_resampling = ess(w);

    // Resample.
    KeyedStream rs(options.seed, Purpose::Resample, 0, stage);
    const std::vector<size_t> keep = systematic(w, rs.uniform());
    std::vector<Eigen::VectorXd> z2(static_cast<size_t>(N));
    std::vector<double> L2(static_cast<size_t>(N));
    for (int i = 0; i < N; ++i) {
      z2[static_cast<size_t>(i)] = z[keep[static_cast<size_t>(i)]];
      L2[static_cast<size_t>(i)] = L[keep[static_cast<size_t>(i)]];
    }
    z.swap(z2);
    L.swap(L2);

    // Random-walk Metropolis moves with the particles' own covariance, scaled by the
    // usual 2.38^2 / d (Roberts, Gelman & Gilks 1997).
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
    for (const auto& v : z) mean += v / N;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
    for (const auto& v : z) cov += (v - mean) * (v - mean).transpose() / (N - 1);
    cov *= 2.38 * 2.38 / static_cast<double>(d);
    for (Eigen::Index j = 0; j < d; ++j) cov(j, j) += 1e-10 + 1e-6 * cov(j, j);
    const Eigen::MatrixXd chol = Eigen::LLT<Eigen::MatrixXd>(cov).matrixL();
    double stuck = 1.0;  // chance a particle has not moved yet this stage
    double accepted_total = 0;
    for (int move = 0; move < options.max_moves && 1.0 - stuck < options.move_target; ++move) {
      std::vector<Eigen::VectorXd> proposal(static_cast<size_t>(N));
      std::vector<double> log_u(static_cast<size_t>(N));
      for (int i = 0; i < N; ++i) {
        KeyedStream s(options.seed, Purpose::Proposal, static_cast<std::uint64_t>(i),
                      stage * 64u + static_cast<std::uint32_t>(move));
        Eigen::VectorXd xi(d);
        for (Eigen::Index j = 0; j < d; ++j) xi(j) = s.normal();
        proposal[static_cast<size_t>(i)] = z[static_cast<size_t>(i)] + chol * xi;
        log_u[static_cast<size_t>(i)] = std::log(s.uniform());
      }
      std::vector<double> Lp(static_cast<size_t>(N), kMinusInf);
      // Proposals outside the prior's support are refused without simulating.
      tbb::parallel_for(0, N, [&](int i) {
        const auto k = static_cast<size_t>(i);
        if (!std::isfinite(log_prior(priors, proposal[k]))) return;
        const double l = log_likelihood(natural(priors, proposal[k]));
        Lp[k] = std::isnan(l) ? kMinusInf : l;
      });
      result.evaluations += N;
      int accepted = 0;
      for (int i = 0; i < N; ++i) {
        const auto k = static_cast<size_t>(i);
        const double lp_new = log_prior(priors, proposal[k]);
        if (!std::isfinite(lp_new) || !std::isfinite(Lp[k])) continue;
        const double log_alpha =
            phi * (Lp[k] - L[k]) + lp_new - log_prior(priors, z[k]) + (std::isfinite(L[k]) ? 0.0 : 1e300);
        if (log_u[k] < log_alpha) {
          z[k] = proposal[k];
          L[k] = Lp[k];
          ++accepted;
        }
      }
      const double rate = static_cast<double>(accepted) / N;
      stuck *= 1.0 - rate;
      accepted_total += rate;
      ++info.moves;
    }
    info.acceptance = info.moves > 0 ? accepted_total / info.moves : 0.0;
    result.stages.push_back(info);
    if (options.progress) options.progress(static_cast<int>(stage), phi, result.evaluations);
  }
  for (int i = 0; i < N; ++i) result.particles.push_back(natural(priors, z[static_cast<size_t>(i)]));
  result.log_likelihood = L;
  return result;
}

}  // namespace migflow
