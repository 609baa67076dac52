// migflow._core: the libraries as Python sees them (pybind11). The Python package
// (python/migflow/__init__.py) wraps these in the documented functions; this file only
// converts arguments and results and turns input errors into migflow.InputError.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "analysis/calibrate.hpp"
#include "analysis/report.hpp"
#include "app/bundled_data.hpp"
#include "app/commands.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"
#include "loader/extends.hpp"
#include "loader/scenario_loader.hpp"
#include "loader/schema.hpp"
#include "output/atomic_file.hpp"
#include "output/run_file_reader.hpp"
#include "policies/registry.hpp"

namespace py = pybind11;
using namespace migflow;

namespace {

std::optional<tbb::global_control> thread_limit(int threads) {
  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  return limit;
}

// A scenario from a file (with its `extends:`) or from YAML text (a dict the package
// turned into YAML), with `overrides` (YAML text, may be empty) merged on top as a file
// that extends it would be.
std::shared_ptr<Scenario> load(const std::string& path, const std::string& text, const std::string& name,
                               const std::string& overrides) {
  TreePtr tree = path.empty() ? merge_extends(parse_yaml_text(text, name)) : load_merged_tree(path);
  if (!overrides.empty()) tree = merge_trees(tree, merge_extends(parse_yaml_text(overrides, "<overrides>")));
  return std::make_shared<Scenario>(build_scenario(tree, path.empty() ? name : path, builtin_policies()));
}

// Runs every replicate on a worker thread while this one, holding the GIL between
// waits, reports progress and lets Python's signals (Ctrl-C, a notebook's interrupt)
// stop the run at the end of a step. Returns the file's bytes.
py::bytes run(const std::shared_ptr<Scenario>& scenario, std::optional<int> replicates,
              std::optional<std::uint64_t> seed, int threads, const py::object& progress, const std::string& out) {
  auto sc = std::make_shared<Scenario>(*scenario);
  if (replicates) sc->replicates = *replicates;
  if (seed) sc->seed = *seed;
  if (sc->replicates < 1) throw py::value_error("replicates must be at least 1");
  auto world = std::make_shared<const World>(sc);
  std::atomic<long long> done{0}, total{0};
  std::atomic<bool> stop{false};
  EnsembleOptions options;
  options.replicates = sc->replicates;
  options.progress = [&](long long d, long long t) {
    done = d;
    total = t;
  };
  options.stop = &stop;
  std::promise<EnsembleResult> promise;
  std::future<EnsembleResult> result = promise.get_future();
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        const auto limit = thread_limit(threads);
        promise.set_value(run_ensemble(world, options));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    });
    bool finished = false;
    while (!finished) {
      finished = result.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready;
      py::gil_scoped_acquire acquire;
      try {
        if (!progress.is_none()) progress(done.load(), total.load());
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      } catch (py::error_already_set&) {  // holds the Python exception until rethrown
        stop = true;
        {
          py::gil_scoped_release wait_for_worker;
          worker.join();
        }
        throw;
      }
    }
    worker.join();
  }
  EnsembleResult r = result.get();
  std::string image;
  {
    py::gil_scoped_release release;
    image = run_file_image(run_metadata(*world), r.replicates);
    r.replicates.clear();
    if (!out.empty()) write_file_atomically(out, image.data(), image.size());
  }
  return py::bytes(image);
}

// A run as analysis/ reads it, from a file or from the arrays of an xarray.Dataset
// (python/migflow/__init__.py, _as_run): the same fields read_run_file fills.
RunFile run_file(const py::handle& source) {
  if (py::isinstance<py::str>(source)) return read_run_file(source.cast<std::string>());
  const py::dict d = source.cast<py::dict>();
  RunFile run;
  run.path = d["path"].cast<std::string>();
  run.title = d["title"].cast<std::string>();
  run.scenario_file = d["scenario_file"].cast<std::string>();
  run.dates = d["dates"].cast<std::vector<std::string>>();
  run.replicate_seeds = d["replicate_seeds"].cast<std::vector<unsigned long long>>();
  run.labels = d["labels"].cast<std::map<std::string, std::vector<std::string>>>();
  run.attributes = d["attributes"].cast<std::map<std::string, std::string>>();
  run.destination_in_eu = d["destination_in_eu"].cast<std::vector<int>>();
  run.parameter_draws = d["parameter_draws"].cast<std::vector<std::vector<int>>>();
  for (const auto& [name, value] : d["series"].cast<py::dict>()) {
    const auto pair = value.cast<py::tuple>();
    StoredSeries s;
    s.dims = pair[0].cast<std::vector<std::string>>();
    const auto values = pair[1].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
    for (py::ssize_t i = 0; i < values.ndim(); ++i) s.shape.push_back(static_cast<std::size_t>(values.shape(i)));
    s.values.assign(values.data(), values.data() + values.size());
    run.series[name.cast<std::string>()] = std::move(s);
  }
  return run;
}

std::vector<RunFile> run_files(const py::list& sources) {
  std::vector<RunFile> runs;
  for (const py::handle& s : sources) runs.push_back(run_file(s));
  return runs;
}

py::dict calibrate_scenario(const std::shared_ptr<Scenario>& sc, const std::string& data_dir,
                            const std::string& revision, int particles, std::uint64_t agents, int replicates,
                            std::optional<std::uint64_t> seed, int threads, const py::object& progress) {
  CalibrationOptions options;
  options.smc.particles = particles;
  options.agents = agents;
  options.replicates = replicates;
  options.revision = revision;
  options.smc.seed = seed.value_or(sc->seed);
  if (!progress.is_none())
    options.progress = [&progress](int stage, double temperature, long long evaluations) {
      py::gil_scoped_acquire acquire;
      progress(stage, temperature, evaluations);
    };
  const Observations observed = observations_for(*sc, data_dir, revision);
  CalibrationResult r;
  {
    py::gil_scoped_release release;
    const auto limit = thread_limit(threads);
    r = calibrate(*sc, observed, options);
  }
  py::dict out;
  out["names"] = r.posterior.names;
  out["particles"] = r.posterior.particles;
  out["medians"] = r.medians;
  out["yaml"] = calibration_yaml(*sc, r, options);
  out["seconds"] = r.seconds;
  return out;
}

py::tuple backtest(const std::vector<std::string>& scenarios, const std::string& data_dir, int replicates,
                   std::uint64_t agents, bool restart, bool revision2024, int threads) {
  BacktestArgs args;
  args.scenarios = scenarios;
  args.data_dir = data_dir;
  args.options.replicates = replicates;
  args.options.agents = agents;
  args.restart = restart;
  args.revision2024 = revision2024;
  BacktestReport report;
  {
    py::gil_scoped_release release;
    const auto limit = thread_limit(threads);
    report = run_backtest(args, builtin_policies(), nullptr);
  }
  return py::make_tuple(backtest_markdown(report), backtest_csv(report));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "migflow's libraries (use the migflow package, not this module)";
  m.attr("version") = MIGFLOW_VERSION;

  // InputError keeps the file, line, column and field of the message apart too.
  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      py::object error = py::reinterpret_borrow<py::object>(input_error.ptr())(e.what());
      error.attr("file") = e.where.file;
      error.attr("line") = e.where.line;
      error.attr("column") = e.where.column;
      error.attr("field") = e.field;
      PyErr_SetObject(input_error.ptr(), error.ptr());
    }
  });

  py::class_<Scenario, std::shared_ptr<Scenario>>(m, "Scenario")
      .def_readonly("title", &Scenario::title)
      .def_readonly("file", &Scenario::file)
      .def_readonly("seed", &Scenario::seed)
      .def_readonly("replicates", &Scenario::replicates)
      .def_readonly("yaml", &Scenario::text)
      .def_property_readonly("steps", [](const Scenario& s) { return s.calendar.steps(); })
      .def_property_readonly("start", [](const Scenario& s) { return s.calendar.start.str(); })
      .def_property_readonly("end", [](const Scenario& s) { return s.calendar.end.str(); })
      .def_property_readonly("agents", &Scenario::total_agents)
      .def_property_readonly("nodes", [](const Scenario& s) {
        std::vector<std::string> ids;
        for (const NodeSpec& n : s.nodes) ids.push_back(n.id);
        return ids;
      });

  m.def("set_data_dir", &set_embedding_data_dir);
  m.def("find_scenario", &find_scenario);
  m.def("load", &load, py::arg("path"), py::arg("text"), py::arg("name"), py::arg("overrides"));
  m.def("run", &run, py::arg("scenario"), py::arg("replicates"), py::arg("seed"), py::arg("threads"),
        py::arg("progress"), py::arg("out"));
  m.def(
      "compare_csv",
      [](const py::list& runs, bool by_member_state) {
        const Comparison c = compare_runs(run_files(runs), by_member_state);
        return py::make_tuple(comparison_csv(c), comparison_markdown(c));
      },
      py::arg("runs"), py::arg("by_member_state"));
  m.def(
      "report", [](const py::list& runs) { return report_html(run_files(runs)); }, py::arg("runs"));
  m.def("calibrate", &calibrate_scenario);
  m.def("backtest", &backtest);
  m.def("schema", [] { return scenario_json_schema(builtin_policies()); });
}
