// The command line: parsing and printing. Each subcommand's options are made from its
// request's table of fields (session/requests.hpp), the session layer does the work
// (session/run.hpp, session/commands.hpp), and its failures become exit codes here, in
// exit_code.
#include "app/cli.hpp"

#include <signal.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>

#include "app/progress.hpp"
#include "session/commands.hpp"
#include "session/run.hpp"

namespace migflow {

namespace {

// Set by SIGINT/SIGTERM: the command stops at its next unit of work (a step, a stage, a
// design point, a subset, a forecast) and keeps what its checkpoint can.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  g_stop = true;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// The one place where a failure becomes an exit code and a message: the code is the
// failure's (session/errors.hpp), 128 + the signal for a stop. An unexpected error under
// MPI ends every process of the job, so that none waits for this one.
int exit_code(const std::exception_ptr& error, const Comm& comm) {
  const SessionError e = failure_of(error, Failure::Unexpected);
  if (e.failure == Failure::Stopped) {
    if (*e.what() != '\0') std::fprintf(stderr, "migflow: %s\n", e.what());
    return 128 + static_cast<int>(g_signal ? g_signal : SIGTERM);
  }
  const std::string where =
      comm.size() > 1 && e.failure == Failure::Unexpected ? " (process " + std::to_string(comm.rank()) + ")" : "";
  if (*e.what() != '\0') std::fprintf(stderr, "migflow: error%s: %s\n", where.c_str(), e.what());
  if (e.failure == Failure::Unexpected && comm.size() > 1) comm.abort(static_cast<int>(Failure::Unexpected));
  return static_cast<int>(e.failure);
}

std::string type_name(FieldKind kind, std::uint64_t lo, std::uint64_t hi, const std::vector<std::string>& choices) {
  switch (kind) {
    case FieldKind::Whole: return "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    case FieldKind::File: return "FILE";
    case FieldKind::Folder: return "DIR";
    case FieldKind::Choice: {
      std::string names;
      for (const std::string& c : choices) names += (names.empty() ? "" : ",") + c;
      return "{" + names + "}";
    }
    case FieldKind::Text:
    case FieldKind::Flag: break;
  }
  return "TEXT";
}

// A subcommand's options, made from its request's fields; request() reads them back.
template <class R>
class Options {
 public:
  Options(CLI::App* cmd, const std::vector<Field<R>>& fields) : cmd_(cmd), fields_(fields) {
    for (const Field<R>& f : fields) {
      CLI::Option* o = nullptr;
      if (f.traits & kInternal) {
      } else if (f.kind == FieldKind::Flag) {
        o = cmd->add_flag(f.cli, f.help);
      } else {
        o = f.list() ? cmd->add_option(f.cli, lists_.emplace_back(), f.help)
                     : cmd->add_option(f.cli, texts_.emplace_back(), f.help);
        // The field's own check; a value it refuses is bad input (exit 2), not a usage error.
        o->type_name(type_name(f.kind, f.lo, f.hi, f.choices));
        o->check(CLI::Validator([&f](std::string& v) { return field_value_error(f, v); }, ""));
        if (f.list() && f.positional()) o->expected(std::max(f.min_items, f.traits & kRequired ? 1 : 0), 1000);
        if (f.traits & kCommaList) o->delimiter(',');
      }
      if (o && (f.traits & kRequired)) o->required();
      options_.push_back(o);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!options_[i]) continue;
      for (const std::string& other : fields[i].excludes)
        if (CLI::Option* o = option(other)) options_[i]->excludes(o);
      if (!fields[i].needs.empty())
        if (CLI::Option* o = option(fields[i].needs)) options_[i]->needs(o);
    }
  }
  bool given() const { return cmd_->parsed(); }
  R request() const {
    R r;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const CLI::Option* o = options_[i];
      if (!o || o->count() == 0) continue;
      const Field<R>& f = fields_[i];
      const std::vector<std::string> values =
          f.kind == FieldKind::Flag ? std::vector<std::string>{(f.traits & kNegated) ? "false" : "true"} : o->results();
      set_field(r, f, values, o->get_name());
    }
    return r;
  }

 private:
  CLI::Option* option(const std::string& name) const {
    for (std::size_t i = 0; i < fields_.size(); ++i)
      if (fields_[i].name == name) return options_[i];
    return nullptr;
  }
  CLI::App* cmd_;
  const std::vector<Field<R>>& fields_;
  std::vector<CLI::Option*> options_;
  // Where CLI11 stores the values; a deque keeps them in place as more are added.
  std::deque<std::string> texts_;
  std::deque<std::vector<std::string>> lists_;
};

void print(const std::string& text) { std::fputs(text.c_str(), stdout); }

}  // namespace

int cli_main(int argc, char** argv, const PolicyCatalog& policies) {
  const MpiSession mpi(argc, argv);  // MPI only when started by mpirun or srun
  CLI::App app{"migflow: agent-based simulation of migration flows between the EU and its partner countries"};
  app.set_version_flag("--version", std::string("migflow ") + MIGFLOW_VERSION);
  app.require_subcommand(1);
  Options run(app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file"), run_fields());
  Options validate(app.add_subcommand("validate", "Check a scenario file and print what it describes"),
                   validate_fields());
  Options compare(app.add_subcommand("compare",
                                     "Headline indicators of two or more runs, with 95% intervals and "
                                     "differences from the first"),
                  compare_fields());
  Options report(app.add_subcommand("report",
                                    "One self-contained HTML page comparing runs: table with intervals, "
                                    "figures, settings, provenance"),
                 report_fields());
  CLI::App* schema =
      app.add_subcommand("schema", "Print the JSON Schema of scenario files (for editors with a YAML language server)");
  Options bench(app.add_subcommand("bench",
                                   "Throughput on this machine: agent-steps per second, memory, output "
                                   "share, scenarios per hour"),
                bench_fields());
  Options calibrate(
      app.add_subcommand("calibrate",
                         "Sample the posterior of a partner's parameters by running its baseline against UN DESA "
                         "stocks, Frontex detections and Eurostat flows (asylum, orders, illegally present, returns, "
                         "first permits, immigration) up to the fit cut-off (docs/calibration.md)"),
      calibrate_fields());
  Options backtest(app.add_subcommand("backtest",
                                      "Score each partner's shipped baseline (from 2005) and its restart from the "
                                      "cut-off year's stocks on held-out data beside persistence and trend (writes "
                                      "docs/validation.md's content)"),
                   backtest_fields());
  Options sensitivity(app.add_subcommand("sensitivity",
                                         "First- and total-order Sobol indices of indicators (or of their difference "
                                         "from a reference scenario) to the calibrated parameters, over their "
                                         "posterior or prior ranges"),
                      sensitivity_fields());
  Options attribute(app.add_subcommand("attribute",
                                       "Shapley values of a package's policy blocks: how much of its effect on each "
                                       "headline indicator each block buys, from runs of every subset of blocks with "
                                       "common random numbers (docs/attribution.md)"),
                    attribute_fields());

  // A reader that went away (`| head`, or `| tee` ended by the same Ctrl-C) must not
  // kill a run before it writes its result: writes to it fail instead, and are ignored.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ValidationError& e) {
    app.exit(e);
    return static_cast<int>(Failure::BadInput);  // a value the option cannot take
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(Failure::Usage);  // --help and --version exit 0
  }
  const Comm& comm = mpi.world();
  const char* label = run.given()           ? "running"
                      : calibrate.given()   ? "calibrating"
                      : backtest.given()    ? "backtesting"
                      : sensitivity.given() ? "sensitivity"
                                            : "attributing";
  ProgressBar bar(label, comm.rank() == 0);
  Context ctx(policies, comm);
  ctx.progress = [&bar](long long done, long long total) { bar.update(done, total); };
  ctx.stop = &g_stop;
  ctx.say = [&bar](const std::string& line) {
    bar.finish();
    std::fprintf(stderr, "migflow: %s\n", line.c_str());
  };
  ctx.warn = [&bar](const std::string& line) {
    bar.finish();
    std::fprintf(stderr, "migflow: warning: %s\n", line.c_str());
  };
  try {
    if (run.given()) {
      const RunRequest request = run.request();
      if (request.resume.empty() && (request.scenario.empty() || request.out.empty())) {
        std::fprintf(stderr, "migflow run: a scenario and --out are required (or --resume CHECKPOINT)\n");
        return static_cast<int>(Failure::Usage);
      }
      install_stop_handlers();
      run_command(request, ctx);
    } else if (validate.given()) {
      print(validate_command(validate.request(), ctx));
    } else if (compare.given()) {
      const CompareOutcome out = compare_command(compare.request(), {}, ctx);
      print(out.markdown);
      write_outputs(out.outputs);
    } else if (report.given()) {
      const ReportRequest request = report.request();
      write_outputs(report_command(request, {}, ctx).outputs);
      std::fprintf(stderr, "migflow: wrote %s\n", request.out.c_str());
    } else if (schema->parsed()) {
      print(schema_command(policies));
    } else if (bench.given()) {
      for (const auto& [name, value] : bench_command(bench.request(), ctx))
        if (comm.rank() == 0) std::printf("%s: %s\n", name.c_str(), value.c_str());
    } else {
      // The long commands: their table below the progress bar, then their files.
      install_stop_handlers();
      const auto show = [&bar](const auto& out) {
        bar.finish();
        print(out.markdown);
        write_outputs(out.outputs);
      };
      if (calibrate.given()) show(calibrate_command(calibrate.request(), ctx));
      if (backtest.given()) show(backtest_command(backtest.request(), ctx));
      if (sensitivity.given()) show(sensitivity_command(sensitivity.request(), ctx));
      if (attribute.given()) show(attribute_command(attribute.request(), ctx));
    }
  } catch (...) {
    bar.finish();
    return exit_code(std::current_exception(), comm);
  }
  bar.finish();
  return 0;
}

}  // namespace migflow
