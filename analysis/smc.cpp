#include "analysis/smc.hpp"

#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "analysis/stop.hpp"
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

namespace {

// The particle system: unconstrained positions and log-likelihoods, and the stage
// that resamples and moves them at a temperature.
class Sampler {
 public:
  Sampler(const std::vector<ParameterPrior>& priors, const LogLikelihood& log_likelihood, const SmcOptions& options)
      : priors_(priors),
        log_likelihood_(log_likelihood),
        options_(options),
        n_(options.particles),
        d_(static_cast<Eigen::Index>(priors.size())) {
    if (n_ < 2 || d_ == 0) throw std::invalid_argument("smc: need at least 2 particles and 1 parameter");
    for (const ParameterPrior& p : priors) result_.names.push_back(p.name);
  }

  // The truncated prior: a draw outside a parameter's range is drawn again (same key,
  // the stream goes on).
  void from_prior() {
    z_.assign(static_cast<size_t>(n_), Eigen::VectorXd(d_));
    for (int i = 0; i < n_; ++i) {
      KeyedStream s(options_.seed, Purpose::Prior, static_cast<std::uint64_t>(i), 0);
      for (Eigen::Index j = 0; j < d_; ++j) {
        const ParameterPrior& p = priors_[static_cast<size_t>(j)];
        do at(i)(j) = p.mean + p.sd * s.normal();
        while (!std::isfinite(p.log_density(at(i)(j))));
      }
    }
    L_ = evaluate(z_);
  }

  // A previous sample's particles, with their log-likelihoods under `old` recomputed
  // under this sampler's likelihood.
  void from_sample(const SmcResult& previous) {
    if (static_cast<int>(previous.particles.size()) != n_) throw std::invalid_argument("smc: particle counts differ");
    z_.clear();
    for (const auto& x : previous.particles) {
      Eigen::VectorXd v(d_);
      for (Eigen::Index j = 0; j < d_; ++j)
        v(j) = priors_[static_cast<size_t>(j)].to_unconstrained(x[static_cast<size_t>(j)]);
      z_.push_back(v);
    }
    L_ = evaluate(z_);
    result_.stages = previous.stages;
    result_.evaluations = previous.evaluations + n_;
    result_.log_evidence = previous.log_evidence;
  }

  // The particles and records of a saved stage (SmcState), as they were then.
  void from_state(const SmcState& state) {
    if (static_cast<int>(state.positions.size()) != n_ || state.log_likelihood.size() != state.positions.size())
      throw std::invalid_argument("smc: the saved state has another number of particles");
    z_.clear();
    for (const auto& x : state.positions) {
      if (static_cast<Eigen::Index>(x.size()) != d_)
        throw std::invalid_argument("smc: the saved state has another number of parameters");
      z_.emplace_back(Eigen::Map<const Eigen::VectorXd>(x.data(), d_));
    }
    L_ = state.log_likelihood;
    result_.stages = state.stages;
    result_.evaluations = state.evaluations;
    result_.log_evidence = state.log_evidence;
  }

  // Tempering from phi (0, or a saved stage's) to 1, each step keeping the ESS at its
  // target share.
  void temper(double phi = 0, std::uint32_t done = 0) {
    for (std::uint32_t stage = done + 1; phi < 1.0; ++stage) {
      if (static_cast<int>(stage) > options_.max_stages) throw std::runtime_error("smc: too many tempering stages");
      check_alive();
      const double delta = next_step(L_, 1.0 - phi, options_.ess_fraction * n_);
      phi = (1.0 - phi - delta < 1e-12) ? 1.0 : phi + delta;
      double log_mean = 0;
      const std::vector<double> w = incremental_weights(L_, delta, log_mean);
      result_.log_evidence += log_mean;
      resample_and_move(w, phi, stage);
      if (options_.stage_done) options_.stage_done(state(static_cast<int>(stage), phi));
    }
  }

  SmcState state(int stage, double phi) const {
    SmcState s{stage, phi, {}, L_, result_.stages, result_.evaluations, result_.log_evidence};
    for (const Eigen::VectorXd& z : z_) s.positions.emplace_back(z.data(), z.data() + z.size());
    return s;
  }

  // Carries the sample over to this sampler's likelihood: weights new / old.
  void reweight(const std::vector<double>& old_log_likelihood) {
    check_alive();
    std::vector<double> diff(static_cast<size_t>(n_));
    for (int i = 0; i < n_; ++i)
      diff[static_cast<size_t>(i)] = L_[static_cast<size_t>(i)] - old_log_likelihood[static_cast<size_t>(i)];
    double unused;
    resample_and_move(incremental_weights(diff, 1.0, unused), 1.0,
                      static_cast<std::uint32_t>(result_.stages.size()) + 1);
  }

  SmcResult finish() {
    for (int i = 0; i < n_; ++i) result_.particles.push_back(natural(priors_, at(i)));
    result_.log_likelihood = L_;
    return std::move(result_);
  }

 private:
  Eigen::VectorXd& at(int i) { return z_[static_cast<size_t>(i)]; }

  void check_alive() const {
    if (std::none_of(L_.begin(), L_.end(), [](double l) { return std::isfinite(l); }))
      throw std::runtime_error("smc: every particle has zero likelihood");
  }

  std::vector<double> evaluate(const std::vector<Eigen::VectorXd>& points) {
    std::vector<double> out(points.size(), kMinusInf);
    tbb::parallel_for(std::size_t{0}, points.size(), [&](std::size_t i) {
      if (stop_requested(options_.stop)) return;
      if (!std::isfinite(log_prior(priors_, points[i]))) return;  // outside the prior: refused without simulating
      const double l = log_likelihood_(natural(priors_, points[i]));
      out[i] = std::isnan(l) ? kMinusInf : l;
    });
    // Some evaluations were skipped: the stage cannot be finished.
    if (stop_requested(options_.stop)) throw StopRequested("stopped during a stage of the sampler");
    result_.evaluations += static_cast<long long>(points.size());
    return out;
  }

  void resample_and_move(const std::vector<double>& w, double phi, std::uint32_t stage) {
    SmcStage info;
    info.temperature = phi;
    info.ess_before_resampling = ess(w);
    KeyedStream rs(options_.seed, Purpose::Resample, 0, stage);
    const std::vector<size_t> keep = systematic(w, rs.uniform());
    std::vector<Eigen::VectorXd> z(static_cast<size_t>(n_));
    std::vector<double> L(static_cast<size_t>(n_));
    for (int i = 0; i < n_; ++i) {
      z[static_cast<size_t>(i)] = z_[keep[static_cast<size_t>(i)]];
      L[static_cast<size_t>(i)] = L_[keep[static_cast<size_t>(i)]];
    }
    z_.swap(z);
    L_.swap(L);
    move(phi, stage, info);
    result_.stages.push_back(info);
    if (options_.progress) options_.progress(static_cast<int>(stage), phi, result_.evaluations);
  }

  // Random-walk Metropolis moves with the particles' own covariance, scaled by the
  // usual 2.38^2 / d (Roberts, Gelman & Gilks 1997), until a particle has moved with
  // the target chance.
  void move(double phi, std::uint32_t stage, SmcStage& info) {
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d_);
    for (const auto& v : z_) mean += v / n_;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d_, d_);
    for (const auto& v : z_) cov += (v - mean) * (v - mean).transpose() / (n_ - 1);
    cov *= 2.38 * 2.38 / static_cast<double>(d_);
    for (Eigen::Index j = 0; j < d_; ++j) cov(j, j) += 1e-10 + 1e-6 * cov(j, j);
    const Eigen::MatrixXd chol = Eigen::LLT<Eigen::MatrixXd>(cov).matrixL();
    double stuck = 1.0, accepted_total = 0;
    for (int m = 0; m < options_.max_moves && 1.0 - stuck < options_.move_target; ++m) {
      std::vector<Eigen::VectorXd> proposal(static_cast<size_t>(n_));
      std::vector<double> log_u(static_cast<size_t>(n_));
      for (int i = 0; i < n_; ++i) {
        KeyedStream s(options_.seed, Purpose::Proposal, static_cast<std::uint64_t>(i),
                      stage * 64u + static_cast<std::uint32_t>(m));
        Eigen::VectorXd xi(d_);
        for (Eigen::Index j = 0; j < d_; ++j) xi(j) = s.normal();
        proposal[static_cast<size_t>(i)] = at(i) + chol * xi;
        log_u[static_cast<size_t>(i)] = std::log(s.uniform());
      }
      const std::vector<double> Lp = evaluate(proposal);
      int accepted = 0;
      for (int i = 0; i < n_; ++i) {
        const auto k = static_cast<size_t>(i);
        if (!std::isfinite(Lp[k])) continue;
        const double log_alpha = phi * (Lp[k] - L_[k]) + log_prior(priors_, proposal[k]) - log_prior(priors_, z_[k]) +
                                 (std::isfinite(L_[k]) ? 0.0 : 1e300);
        if (log_u[k] < log_alpha) {
          z_[k] = proposal[k];
          L_[k] = Lp[k];
          ++accepted;
        }
      }
      const double rate = static_cast<double>(accepted) / n_;
      stuck *= 1.0 - rate;
      accepted_total += rate;
      ++info.moves;
    }
    info.acceptance = info.moves > 0 ? accepted_total / info.moves : 0.0;
  }

  const std::vector<ParameterPrior>& priors_;
  const LogLikelihood& log_likelihood_;
  const SmcOptions& options_;
  int n_;
  Eigen::Index d_;
  std::vector<Eigen::VectorXd> z_;
  std::vector<double> L_;
  SmcResult result_;
};

}  // namespace

SmcResult smc_sample(const std::vector<ParameterPrior>& priors, const LogLikelihood& log_likelihood,
                     const SmcOptions& options) {
  Sampler sampler(priors, log_likelihood, options);
  if (options.resume_from) {
    sampler.from_state(*options.resume_from);
    sampler.temper(options.resume_from->temperature, static_cast<std::uint32_t>(options.resume_from->stage));
  } else {
    sampler.from_prior();
    sampler.temper();
  }
  return sampler.finish();
}

SmcResult smc_refine(const SmcResult& sample, const std::vector<ParameterPrior>& priors,
                     const LogLikelihood& log_likelihood, const SmcOptions& options) {
  Sampler sampler(priors, log_likelihood, options);
  sampler.from_sample(sample);
  sampler.reweight(sample.log_likelihood);
  return sampler.finish();
}

}  // namespace migflow
