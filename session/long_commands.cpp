// `calibrate`, `backtest`, `sensitivity` and `attribute`: the commands that run for
// minutes to hours, each with its checkpoint (session/task_checkpoint.hpp). Each unit of
// work an analysis finishes (an SMC stage, a forecast, a design point, a subset of
// blocks) is saved; Ctrl-C stops at the next unit and says how to carry on.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "analysis/scenario_runs.hpp"
#include "analysis/stop.hpp"
#include "ensemble/checkpoint.hpp"
#include "output/binary.hpp"
#include "session/commands.hpp"
#include "session/partners.hpp"
#include "session/task_checkpoint.hpp"

namespace migflow {

namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& path) { return path.empty() ? path : fs::absolute(path).string(); }

// A long command's checkpoint, when it has one: what was saved, and saving as it goes.
class Task {
 public:
  Task(const char* command, const std::string& dir, bool resuming) : command_(command) {
    if (dir.empty()) return;
    checkpoint_.emplace(dir, command);
    resuming_ = resuming;
  }
  // The request's fields from the checkpoint `--resume` names.
  template <class R>
  static void resume(R& request, const std::vector<Field<R>>& fields, const char* command) {
    if (request.resume.empty()) return;
    as_failure(Failure::BadInput, [&] {
      const TaskCheckpoint checkpoint(request.resume, command);
      apply_settings(request, fields, checkpoint.read_settings(), checkpoint.manifest(), "request");
    });
    request.checkpoint = request.resume;
  }
  // Before anything runs: a new checkpoint directory, or the state of the one resumed
  // (empty when there is none, or nothing was saved yet).
  std::string start(std::uint64_t fingerprint, std::vector<std::pair<std::string, std::string>> settings) {
    fingerprint_ = fingerprint;
    settings_ = std::move(settings);
    if (!checkpoint_) return "";
    if (!resuming_) {
      as_failure(Failure::Output, [&] { checkpoint_->prepare(); });
      return "";
    }
    return as_failure(Failure::BadInput, [&] { return checkpoint_->load(fingerprint); });
  }
  void save(const std::string& done, const BinaryWriter& state) {
    if (checkpoint_) checkpoint_->save(fingerprint_, settings_, done, state.bytes());
  }
  // What a stop leaves, as the failure it becomes.
  SessionError stopped(const std::string& why) const {
    const std::string stop = "interrupted (" + why + ")";
    if (!checkpoint_)
      return SessionError(Failure::Stopped, stop + "; nothing kept: with --checkpoint DIR, " + command_ +
                                                " keeps its progress and --resume DIR carries it on");
    if (checkpoint_->done().empty())
      return SessionError(Failure::Stopped, stop + " before a unit of work was done; nothing kept");
    return SessionError(Failure::Stopped, stop + "; the checkpoint keeps " + checkpoint_->done() +
                                              "; carry on with: migflow " + command_ + " --resume " +
                                              checkpoint_->dir());
  }
  std::string dir() const { return checkpoint_ ? checkpoint_->dir() : ""; }
  bool saving() const { return checkpoint_.has_value(); }

 private:
  std::string command_;
  std::optional<TaskCheckpoint> checkpoint_;
  bool resuming_ = false;
  std::uint64_t fingerprint_ = 0;
  std::vector<std::pair<std::string, std::string>> settings_;
};

// The inputs a checkpoint's results depend on: the scenarios (their text, data files,
// seed, replicates) and observation files, by content.
std::uint64_t inputs_fingerprint(const std::vector<const Scenario*>& scenarios,
                                 const std::vector<std::string>& data_files) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const Scenario* sc : scenarios) {
    const std::uint64_t f = run_fingerprint(*sc);
    h = fingerprint_of(h, &f, sizeof f);
  }
  for (const std::string& path : data_files) {
    if (path.empty()) continue;
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    h = fingerprint_of(h, bytes.data(), bytes.size());
  }
  return h;
}

// Every table a fit or a score reads, for the checkpoint's fingerprint.
std::vector<std::string> files_of(const ObservationFiles& f) {
  std::vector<std::string> files = f.stocks;
  for (const std::string* table : {&f.detections, &f.asylum, &f.enforcement, &f.permits, &f.immigration})
    if (!table->empty()) files.push_back(*table);
  return files;
}

// Refuses up front what cannot fit: `sc` scaled to `agents` (0: as it is), keeping the
// series of `kept` replicates, with `concurrent` engines at once.
void refuse_unless_fits_scaled(const Scenario& sc, std::uint64_t agents, int kept, int concurrent) {
  Scenario copy = sc;
  copy.replicates = std::max(1, kept);
  refuse_unless_fits(*scaled_world(copy, agents), concurrent);
}

void needs_scenario(const ScenarioRequest& r, const char* command) {
  if (r.scenario.empty() && r.scenario_yaml.empty())
    throw SessionError(Failure::Usage, std::string(command) + ": a scenario is required (or --resume CHECKPOINT)");
}

std::string formatted(const char* pattern, auto... values) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, values...);
  return text;
}

// --- calibrate -------------------------------------------------------------------------

void put_state(BinaryWriter& out, const SmcState& s) {
  out.put<std::int32_t>(s.stage);
  out.put(s.temperature);
  out.put<std::uint64_t>(s.positions.size());
  for (const auto& p : s.positions) out.put_vector(p);
  out.put_vector(s.log_likelihood);
  out.put_vector(s.stages);
  out.put<std::int64_t>(s.evaluations);
  out.put(s.log_evidence);
}

SmcState get_state(BinaryReader& in) {
  SmcState s;
  s.stage = in.get<std::int32_t>();
  s.temperature = in.get<double>();
  const auto n = in.get<std::uint64_t>();
  if (n > 100000) throw CorruptData("too many particles");
  for (std::uint64_t i = 0; i < n; ++i) s.positions.push_back(in.get_vector<double>());
  s.log_likelihood = in.get_vector<double>();
  s.stages = in.get_vector<SmcStage>();
  s.evaluations = in.get<std::int64_t>();
  s.log_evidence = in.get<double>();
  if (!in.at_end()) throw CorruptData("trailing data");
  return s;
}

// The posterior, parameter by parameter, and how the fitted data sit in their
// posterior predictive intervals. Destinations are named as in the scenario.
std::string calibration_markdown(const Scenario& sc, const CalibrationResult& r) {
  const World world(std::make_shared<const Scenario>(sc));
  std::string out = "| parameter | prior median | posterior median | posterior 90% |\n|---|---|---|---|\n";
  for (size_t j = 0; j < r.priors.size(); ++j) {
    std::vector<double> column;
    for (const auto& p : r.posterior.particles) column.push_back(p[j]);
    out += formatted("| %s | %.4g | %.4g | %.4g - %.4g |\n", r.priors[j].name.c_str(),
                     r.priors[j].to_natural(r.priors[j].mean), r.medians[j], quantile(column, 0.05),
                     quantile(column, 0.95));
  }
  int inside = 0;
  out += "\n| kind | destination | year | observed | posterior predictive median [90%] |\n|---|---|---|---|---|\n";
  for (const FitCheck& c : r.fit) {
    inside += c.observed.value >= c.lo90 && c.observed.value <= c.hi90;
    const std::string where =
        c.observed.destination < 0 ? "all" : sc.nodes[world.destination_node(c.observed.destination)].id;
    out += formatted("| %s | %s | %d | %.0f | %.0f [%.0f, %.0f] |\n", c.kind.c_str(), where.c_str(), c.observed.year,
                     c.observed.value, c.median, c.lo90, c.hi90);
  }
  out += "\nfitted:";
  for (int k = 0; k < kObservedKinds; ++k)
    out +=
        formatted(" %d %s%s", r.targets[static_cast<size_t>(k)],
                  std::string(kObservedKindNames[static_cast<size_t>(k)]).c_str(), k + 1 < kObservedKinds ? "," : "\n");
  out += formatted("inside_90_percent: %d of %zu\n", inside, r.fit.size());
  out += formatted("smc: %zu particles, %zu stages, %lld simulations, %.0f s\n", r.posterior.particles.size(),
                   r.posterior.stages.size(), r.posterior.evaluations, r.seconds);
  return out;
}

// --- backtest --------------------------------------------------------------------------

void put_backtest(BinaryWriter& out, const PartnerBacktest& b) {
  out.put_string(b.partner);
  out.put_string(b.scenario);
  out.put<std::int32_t>(b.start_year);
  for (const auto* forecasts : {&b.forecasts, &b.fitted}) {
    out.put<std::uint64_t>(forecasts->size());
    for (const Forecast& f : *forecasts) {
      out.put_string(f.kind);
      out.put_string(f.destination);
      out.put<std::uint8_t>(f.in_eu);
      out.put<std::int32_t>(f.year);
      for (double v : {f.observed, f.persistence, f.trend, f.median, f.q05, f.q25, f.q75, f.q95}) out.put(v);
    }
  }
}

PartnerBacktest get_backtest(BinaryReader& in) {
  PartnerBacktest b;
  b.partner = in.get_string();
  b.scenario = in.get_string();
  b.start_year = in.get<std::int32_t>();
  for (auto* forecasts : {&b.forecasts, &b.fitted}) {
    const auto n = in.get<std::uint64_t>();
    if (n > 10'000'000) throw CorruptData("too many forecasts");
    for (std::uint64_t i = 0; i < n; ++i) {
      Forecast& f = forecasts->emplace_back();
      f.kind = in.get_string();
      f.destination = in.get_string();
      f.in_eu = in.get<std::uint8_t>() != 0;
      f.year = in.get<std::int32_t>();
      for (double* v : {&f.observed, &f.persistence, &f.trend, &f.median, &f.q05, &f.q25, &f.q75, &f.q95})
        *v = in.get<double>();
    }
  }
  return b;
}

// --- attribute -------------------------------------------------------------------------

void put_indicator(BinaryWriter& out, const Indicator& i) {
  for (const std::string* s : {&i.name, &i.member_state, &i.unit, &i.description}) out.put_string(*s);
  out.put_vector(i.per_replicate);
  out.put_vector(i.per_step);
  out.put<std::uint8_t>(i.stock);
}

Indicator get_indicator(BinaryReader& in) {
  Indicator i;
  for (std::string* s : {&i.name, &i.member_state, &i.unit, &i.description}) *s = in.get_string();
  i.per_replicate = in.get_vector<double>();
  i.per_step = in.get_vector<double>();
  i.stock = in.get<std::uint8_t>() != 0;
  return i;
}

}  // namespace

CalibrateOutcome calibrate_command(CalibrateRequest request, const Context& ctx) {
  Task::resume(request, calibrate_fields(), "calibrate");
  needs_scenario(request, "calibrate");
  const ThreadLimit limit(request.threads);
  refuse_unwritable({request.write}, scenario_files({request.scenario}));
  CalibrateOutcome out;
  Observations observed;
  ObservationFiles files;
  as_failure(Failure::BadInput, [&] {  // InputError, a bad option, or no bundled data
    out.scenario = *load_requested(request, ctx.policies);
    files = observation_files(request.data, request.revision);
    observed = read_observations(files, World(std::make_shared<const Scenario>(out.scenario)));
  });
  CalibrationOptions& o = out.options;
  o.fit_cutoff = request.fit_cutoff;
  o.agents = request.agents;
  o.smc.particles = request.particles;
  o.replicates = request.replicates;
  o.revision = request.revision;
  o.smc.seed = request.seed.value_or(out.scenario.seed);
  // Each thread evaluates a likelihood: a run at `agents`' scale, `replicates` at a time.
  refuse_unless_fits_scaled(out.scenario, o.agents, o.replicates * ThreadLimit::current(), ThreadLimit::current());

  settle_scenario(request);
  request.seed = o.smc.seed;
  for (std::string* path : {&request.data, &request.write}) *path = absolute(*path);
  Task task("calibrate", request.checkpoint, !request.resume.empty());
  const std::string saved =
      task.start(inputs_fingerprint({&out.scenario}, files_of(files)), manifest_settings(request, calibrate_fields()));
  SmcState resumed;
  if (!saved.empty()) {
    resumed = as_failure(Failure::BadInput, [&] {
      BinaryReader in(saved.data(), saved.size());
      return get_state(in);
    });
    o.smc.resume_from = &resumed;
  }
  o.smc.stage_done = [&](const SmcState& s) {
    if (!task.saving()) return;
    BinaryWriter state;
    put_state(state, s);
    task.save(formatted("the state after stage %d of the sampler (temperature %.4g)", s.stage, s.temperature), state);
  };
  o.smc.stop = ctx.stop;
  if (ctx.progress)
    o.progress = [&](int, double temperature, long long) { ctx.progress(std::llround(temperature * 1000), 1000); };
  out.result = as_failure(Failure::BadInput, [&] {
    try {
      return calibrate(out.scenario, observed, o);
    } catch (const StopRequested& e) {
      throw task.stopped(e.what());
    }
  });
  o.smc.stage_done = nullptr;
  o.smc.resume_from = nullptr;
  o.progress = nullptr;
  out.markdown = calibration_markdown(out.scenario, out.result);
  out.yaml = calibration_yaml(out.scenario, out.result, o);
  out.outputs = {{{request.write, out.yaml}}, task.dir()};
  return out;
}

BacktestOutcome backtest_command(BacktestRequest request, const Context& ctx) {
  Task::resume(request, backtest_fields(), "backtest");
  const ThreadLimit limit(request.threads);
  refuse_unwritable({request.markdown, request.csv}, scenario_files(request.scenarios));
  BacktestOptions options;
  options.replicates = request.replicates;
  options.agents = request.agents;
  options.origin_year = request.fit_cutoff;
  // Flows are held out from the year after the cut-off to the test year.
  if (request.test_year <= request.fit_cutoff)
    throw SessionError(Failure::BadInput, formatted("backtest: the test year %d is not after the fit cut-off %d",
                                                    request.test_year, request.fit_cutoff));
  options.test_year = request.test_year;
  options.first_count_year = request.fit_cutoff + 1;
  options.last_count_year = request.test_year;
  const bool restart2024 = request.revision2024 && request.revision != "2024";
  if (request.scenarios.empty()) request.scenarios = partner_baselines();
  // Every baseline and its observations, before the first forecast.
  std::vector<Scenario> baselines;
  std::vector<std::pair<Observations, Observations>> observed;  // the fitted and the 2024 revision
  std::vector<std::string> data_files;
  as_failure(Failure::BadInput, [&] {
    for (std::size_t p = 0; p < request.scenarios.size(); ++p) {
      Scenario& sc = baselines.emplace_back(load_named(request.scenarios[p], ctx.policies));
      if (p < request.scenarios_named.size()) sc.file = request.scenarios_named[p];
      if (sc.origins.size() != 1)
        throw std::invalid_argument(sc.file + ": a backtest runs one partner's baseline at a time");
      const World world(std::make_shared<const Scenario>(sc));
      auto& [rev2020, rev2024] = observed.emplace_back();
      rev2020 = read_observations(observation_files(request.data, request.revision), world);
      if (restart2024) rev2024 = read_observations(observation_files(request.data, "2024"), world);
    }
    for (const std::string& revision : {request.revision, std::string("2024")})
      for (const std::string& f : files_of(observation_files(request.data, revision))) data_files.push_back(f);
  });
  for (const Scenario& sc : baselines)
    refuse_unless_fits_scaled(sc, options.agents, options.replicates, ThreadLimit::current());

  if (request.scenarios_named.empty())
    for (const std::string& s : request.scenarios) request.scenarios_named.push_back(resolve_scenario(s));
  for (std::string& s : request.scenarios) s = absolute(resolve_scenario(s));
  for (std::string* path : {&request.data, &request.markdown, &request.csv}) *path = absolute(*path);
  Task task("backtest", request.checkpoint, !request.resume.empty());
  std::vector<const Scenario*> inputs;
  for (const Scenario& sc : baselines) inputs.push_back(&sc);
  const std::string saved =
      task.start(inputs_fingerprint(inputs, data_files), manifest_settings(request, backtest_fields()));
  // The forecasts in the order they are made: per partner, the shipped run (from the
  // scenario's start), restarted from the cut-off year's stocks of the fitted revision,
  // and of the 2024 revision.
  std::vector<PartnerBacktest> units;
  if (!saved.empty())
    units = as_failure(Failure::BadInput, [&] {
      BinaryReader in(saved.data(), saved.size());
      std::vector<PartnerBacktest> done(in.get<std::uint64_t>());
      for (PartnerBacktest& b : done) b = get_backtest(in);
      if (!in.at_end()) throw CorruptData("trailing data");
      return done;
    });
  const std::size_t per_partner = 1 + std::size_t{request.restart} + std::size_t{restart2024};
  const std::size_t total = per_partner * baselines.size();
  if (units.size() > total) throw SessionError(Failure::BadInput, "the checkpoint holds more forecasts than asked");
  as_failure(Failure::BadInput, [&] {
    while (units.size() < total) {
      if (stop_requested(ctx.stop)) throw task.stopped("stopped between forecasts");
      const std::size_t p = units.size() / per_partner, kind = units.size() % per_partner;
      const Scenario& sc = baselines[p];
      if (kind == 0)
        units.push_back(backtest_partner(sc, observed[p].first, 0, options));
      else if (kind == 1 && request.restart)
        units.push_back(backtest_partner(sc, observed[p].first, options.origin_year, options));
      else
        units.push_back(backtest_partner(sc, observed[p].second, options.origin_year, options));
      if (task.saving()) {
        BinaryWriter state;
        state.put<std::uint64_t>(units.size());
        for (const PartnerBacktest& b : units) put_backtest(state, b);
        task.save(formatted("%zu of %zu forecasts", units.size(), total), state);
      }
      if (ctx.progress && units.size() % per_partner == 0)
        ctx.progress(static_cast<long long>(units.size() / per_partner), static_cast<long long>(baselines.size()));
    }
  });
  BacktestOutcome out;
  out.result.options = options;
  for (std::size_t u = 0; u < units.size(); ++u) {
    const std::size_t kind = u % per_partner;
    (kind == 0                      ? out.result.shipped
     : kind == 1 && request.restart ? out.result.restart2020
                                    : out.result.restart2024)
        .push_back(units[u]);
  }
  out.markdown = backtest_markdown(out.result);
  out.csv = backtest_csv(out.result);
  out.outputs = {{{request.markdown, out.markdown}, {request.csv, out.csv}}, task.dir()};
  return out;
}

SensitivityOutcome sensitivity_command(SensitivityRequest request, const Context& ctx) {
  Task::resume(request, sensitivity_fields(), "sensitivity");
  needs_scenario(request, "sensitivity");
  if (request.indicators.empty())
    throw SessionError(Failure::Usage, "sensitivity: an indicator is required (--indicator, or --resume CHECKPOINT)");
  const ThreadLimit limit(request.threads);
  refuse_unwritable({request.markdown, request.csv}, scenario_files({request.scenario, request.minus}));
  std::shared_ptr<Scenario> sc;
  std::optional<Scenario> reference;
  as_failure(Failure::BadInput, [&] {
    sc = load_requested(request, ctx.policies);
    if (!request.minus.empty()) reference = load_named(request.minus, ctx.policies);
  });
  SensitivityOptions o;
  o.samples = request.samples;
  o.from_prior = request.prior;
  o.agents = request.agents;
  o.seed = request.seed.value_or(sc->seed);
  // Each thread runs one replicate of a design point at a time.
  for (const Scenario* s : {sc.get(), reference ? &*reference : nullptr})
    if (s) refuse_unless_fits_scaled(*s, o.agents, 1, ThreadLimit::current());

  settle_scenario(request);
  request.seed = o.seed;
  if (!request.minus.empty()) request.minus = absolute(resolve_scenario(request.minus));
  for (std::string* path : {&request.markdown, &request.csv}) *path = absolute(*path);
  Task task("sensitivity", request.checkpoint, !request.resume.empty());
  std::vector<const Scenario*> inputs{sc.get()};
  if (reference) inputs.push_back(&*reference);
  const std::string saved =
      task.start(inputs_fingerprint(inputs, {}), manifest_settings(request, sensitivity_fields()));
  std::map<std::size_t, std::vector<double>> done;
  if (!saved.empty())
    done = as_failure(Failure::BadInput, [&] {
      BinaryReader in(saved.data(), saved.size());
      std::map<std::size_t, std::vector<double>> points;
      for (auto n = in.get<std::uint64_t>(); n > 0; --n) {
        const auto i = in.get<std::uint64_t>();
        points[i] = in.get_vector<double>();
      }
      if (!in.at_end()) throw CorruptData("trailing data");
      return points;
    });
  o.done = &done;
  o.stop = ctx.stop;
  o.progress = ctx.progress;
  // Points finish on many threads, hundreds a minute: saved at most once a second, and
  // when stopped.
  std::mutex mutex;
  std::map<std::size_t, std::vector<double>> finished = done;
  auto last_save = std::chrono::steady_clock::now();
  auto save = [&] {
    BinaryWriter state;
    state.put<std::uint64_t>(finished.size());
    for (const auto& [i, y] : finished) {
      state.put<std::uint64_t>(i);
      state.put_vector(y);
    }
    task.save(formatted("%zu design points", finished.size()), state);
    last_save = std::chrono::steady_clock::now();
  };
  if (task.saving())
    o.point_done = [&](std::size_t i, const std::vector<double>& y) {
      const std::lock_guard lock(mutex);
      finished[i] = y;
      if (std::chrono::steady_clock::now() - last_save > std::chrono::seconds(1)) save();
    };
  SensitivityOutcome out;
  out.result = as_failure(Failure::BadInput, [&] {
    try {
      return sensitivity(*sc, reference ? &*reference : nullptr, request.indicators, o);
    } catch (const StopRequested& e) {
      if (task.saving()) save();
      throw task.stopped(e.what());
    }
  });
  const std::string title = sc->title + (reference ? " minus " + reference->title : "");
  out.markdown = sensitivity_markdown(out.result, title);
  out.csv = sensitivity_csv(out.result);
  out.outputs = {{{request.markdown, out.markdown}, {request.csv, out.csv}}, task.dir()};
  return out;
}

AttributeOutcome attribute_command(AttributeRequest request, const Context& ctx) {
  Task::resume(request, attribute_fields(), "attribute");
  needs_scenario(request, "attribute");
  const ThreadLimit limit(request.threads);
  std::shared_ptr<Scenario> sc;
  std::vector<std::string> blocks;
  std::size_t runs = 0;
  as_failure(Failure::BadInput, [&] {  // everything that can be refused is refused before the first run
    sc = load_requested(request, ctx.policies);
    if (request.seed) sc->seed = *request.seed;
    if (request.replicates) sc->replicates = *request.replicates;
    if (request.parameters) sc->parameters = parameter_mode_named(*request.parameters).value();  // checked
    std::optional<Scenario> baseline;
    if (!request.baseline.empty()) baseline = load_named(request.baseline, ctx.policies);
    blocks = attributed_blocks(*sc, request.blocks, baseline ? &*baseline : nullptr);
    runs = attribution_plan(static_cast<int>(blocks.size()), request.permutations, sc->seed).coalitions.size();
  });
  // Subsets run one after another, each as `migflow run` would: the same memory check.
  refuse_unless_fits(*scaled_world(*sc, request.agents), ThreadLimit::current());
  refuse_unwritable({request.csv, request.markdown}, scenario_files({request.scenario, request.baseline}));

  settle_scenario(request);
  request.seed = sc->seed;
  request.replicates = sc->replicates;
  request.parameters = std::string(kParameterModeNames[static_cast<int>(sc->parameters)]);
  if (!request.baseline.empty()) request.baseline = absolute(resolve_scenario(request.baseline));
  for (std::string* path : {&request.markdown, &request.csv}) *path = absolute(*path);
  Task task("attribute", request.checkpoint, !request.resume.empty());
  const std::string saved =
      task.start(inputs_fingerprint({sc.get()}, {}), manifest_settings(request, attribute_fields()));
  std::vector<std::optional<SubsetRun>> done(runs);
  if (!saved.empty())
    as_failure(Failure::BadInput, [&] {
      BinaryReader in(saved.data(), saved.size());
      if (in.get<std::uint64_t>() != runs) throw CorruptData("another number of subsets");
      for (std::optional<SubsetRun>& subset : done) {
        if (in.get<std::uint8_t>() == 0) continue;
        SubsetRun& s = subset.emplace();
        s.values.resize(in.get<std::uint64_t>());
        for (auto& v : s.values) v = in.get_vector<double>();
        s.groups = in.get_vector<int>();
        s.indicators.resize(in.get<std::uint64_t>());
        for (Indicator& i : s.indicators) i = get_indicator(in);
      }
      if (!in.at_end()) throw CorruptData("trailing data");
    });
  ctx.tell(formatted("attributing %zu blocks of %s: %zu subsets x %d replicates", blocks.size(), sc->title.c_str(),
                     runs, sc->replicates));
  AttributionOptions o;
  o.permutations = request.permutations;
  o.agents = request.agents;
  o.progress = ctx.progress;
  o.stop = ctx.stop;
  o.done = &done;
  if (task.saving())
    o.subset_done = [&](std::size_t c, const SubsetRun& subset) {
      done[c] = subset;
      BinaryWriter state;
      state.put<std::uint64_t>(done.size());
      std::size_t count = 0;
      for (const std::optional<SubsetRun>& s : done) {
        state.put<std::uint8_t>(s.has_value());
        if (!s) continue;
        ++count;
        state.put<std::uint64_t>(s->values.size());
        for (const auto& v : s->values) state.put_vector(v);
        state.put_vector(s->groups);
        state.put<std::uint64_t>(s->indicators.size());
        for (const Indicator& i : s->indicators) put_indicator(state, i);
      }
      task.save(formatted("%zu of %zu subsets", count, done.size()), state);
    };
  AttributeOutcome out;
  out.result = as_failure(Failure::Unexpected, [&] {
    try {
      return attribute(*sc, blocks, o);
    } catch (const StopRequested& e) {
      throw task.stopped(e.what());
    }
  });
  ctx.tell(formatted("%zu subsets run in %.1f s", out.result.plan.coalitions.size(), out.result.seconds));
  out.markdown = attribution_markdown(out.result);
  out.csv = attribution_csv(out.result);
  out.outputs = {{{request.markdown, out.markdown}, {request.csv, out.csv}}, task.dir()};
  return out;
}

}  // namespace migflow
