// migflow._core: the session layer as Python sees it (pybind11). Each command takes its
// request as a dict of the keywords its table of fields names (session/requests.hpp),
// checked by the same function as the command line's options, runs on a worker thread
// while this one reports progress and lets Python's signals stop it, and fails with the
// exception that translate_failure, the one place, makes of its SessionError. The
// package (python/migflow/__init__.py) gives each its documented, typed Python shape.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "policies/registry.hpp"
#include "session/bundled_data.hpp"
#include "session/commands.hpp"
#include "session/partners.hpp"
#include "session/run.hpp"

namespace py = pybind11;
using namespace migflow;

namespace {

// --- requests ----------------------------------------------------------------------------

// A keyword's value as the text values set_field takes: a flag true or false, a path or
// number as written, a list item by item.
std::vector<std::string> texts_of(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return {value.cast<bool>() ? "true" : "false"};
  if (py::isinstance<py::str>(value)) return {value.cast<std::string>()};
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    std::vector<std::string> out;
    for (const py::handle& item : value) {
      const std::vector<std::string> one = texts_of(item);
      out.insert(out.end(), one.begin(), one.end());
    }
    return out;
  }
  if (py::hasattr(value, "__fspath__")) return {py::module_::import("os").attr("fspath")(value).cast<std::string>()};
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) return {py::str(value).cast<std::string>()};
  throw py::type_error("cannot take a " + py::type::of(value).attr("__name__").cast<std::string>() + " as a value");
}

// The request a command's keywords make, checked as the command line checks its options:
// a keyword of no field is a TypeError, as Python's own; None leaves a field's default,
// and a keyword at its default (the functions' signatures show them) counts as not
// given when options exclude each other (resume= with the rest).
template <class R>
R request_of(const py::dict& keywords, const std::vector<Field<R>>& fields) {
  static const R defaults;
  R r;
  std::vector<std::string> given;
  for (const auto& item : keywords) {
    const std::string name = py::cast<std::string>(item.first);
    const py::handle value = item.second;
    const auto f = std::find_if(fields.begin(), fields.end(), [&](const Field<R>& x) { return x.name == name; });
    if (f == fields.end()) throw py::type_error("unexpected keyword argument '" + name + "'");
    if (value.is_none()) continue;
    const std::vector<std::string> texts = texts_of(value);
    set_field(r, *f, texts, name);
    if (texts != field_values(defaults, *f)) given.push_back(name);
  }
  for (const Field<R>& f : fields) {
    if (std::find(given.begin(), given.end(), f.name) == given.end()) continue;
    for (const std::string& other : f.excludes)
      if (std::find(given.begin(), given.end(), other) != given.end())
        throw SessionError(Failure::Usage, std::string(f.name) + " and " + other + " cannot be given together");
    if (!f.needs.empty() && std::find(given.begin(), given.end(), f.needs) == given.end())
      throw SessionError(Failure::Usage, std::string(f.name) + " needs " + f.needs);
  }
  return r;
}

// A table as Python reads it (the package's signatures are tested against it).
template <class R>
py::list describe(const std::vector<Field<R>>& fields) {
  static const R defaults;
  py::list out;
  for (const Field<R>& f : fields) {
    if (f.traits & (kInternal | kCliOnly)) continue;
    py::dict d;
    d["name"] = f.name;
    d["option"] = f.cli;
    d["help"] = f.help;
    d["list"] = f.list();
    d["default"] = field_values(defaults, f);
    out.append(d);
  }
  return out;
}

// --- running on a worker thread -----------------------------------------------------------

// Runs `work` on a worker thread while this one, holding the GIL between waits, reports
// progress (`progress(done, total)`, or None) and lets Python's signals (Ctrl-C, a
// notebook's interrupt) stop the work at its next unit. A KeyboardInterrupt then carries
// the command's own message (what its checkpoint keeps, how to carry on).
template <class Work>
auto supervised(const py::object& progress, Work work) {
  using Result = decltype(work(std::declval<const Context&>()));
  std::atomic<long long> done{0}, total{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> warnings;
  Context ctx(builtin_policies());
  ctx.progress = [&](long long d, long long t) {
    done = d;
    total = t;
  };
  ctx.stop = &stop;
  ctx.warn = [&](const std::string& line) {
    const std::lock_guard lock(mutex);
    warnings.push_back(line);
  };
  std::promise<Result> promise;
  std::future<Result> result = promise.get_future();
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        promise.set_value(work(ctx));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    });
    bool finished = false;
    while (!finished) {
      finished = result.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready;
      py::gil_scoped_acquire acquire;
      try {
        if (!progress.is_none() && total > 0) progress(done.load(), total.load());
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      } catch (py::error_already_set& e) {  // holds the Python exception until rethrown
        stop = true;
        {
          py::gil_scoped_release wait_for_worker;
          worker.join();
        }
        if (e.matches(PyExc_KeyboardInterrupt)) {
          std::string message;
          try {
            result.get();
          } catch (const SessionError& stopped) {
            if (stopped.failure == Failure::Stopped) message = stopped.what();
          } catch (...) {
          }
          if (!message.empty()) {
            PyErr_SetString(PyExc_KeyboardInterrupt, message.c_str());
            throw py::error_already_set();
          }
        }
        throw;
      }
    }
    worker.join();
  }
  for (const std::string& w : warnings)
    if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 1) < 0) throw py::error_already_set();
  return result.get();
}

// --- failures ------------------------------------------------------------------------------

py::object g_input_error;

// The one place where a failure becomes a Python exception: bad input migflow.InputError
// (a ValueError with file, line, column and field), an output failure the OSError of its
// errno (FileNotFoundError, IsADirectoryError, ...), a usage error TypeError, a stop
// KeyboardInterrupt, anything else RuntimeError.
void translate_failure(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const SessionError& e) {
    switch (e.failure) {
      case Failure::BadInput: {
        py::object error = g_input_error(e.what());
        error.attr("file") = e.where.file;
        error.attr("line") = e.where.line;
        error.attr("column") = e.where.column;
        error.attr("field") = e.field;
        PyErr_SetObject(g_input_error.ptr(), error.ptr());
        return;
      }
      case Failure::Output: {
        const py::object error = e.os_error != 0
                                     ? py::reinterpret_borrow<py::object>(PyExc_OSError)(e.os_error, e.what())
                                     : py::reinterpret_borrow<py::object>(PyExc_OSError)(e.what());
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
        return;
      }
      case Failure::Usage: PyErr_SetString(PyExc_TypeError, e.what()); return;
      case Failure::Stopped: PyErr_SetString(PyExc_KeyboardInterrupt, e.what()); return;
      case Failure::Unexpected: PyErr_SetString(PyExc_RuntimeError, e.what()); return;
    }
  } catch (const InputError& e) {
    translate_failure(std::make_exception_ptr(SessionError(e)));
  }
}

// --- results -------------------------------------------------------------------------------

template <class T>
py::array_t<T> array_of(const std::vector<T>& values) {
  return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

// Labels as netCDF readers give them: an array of Python str.
py::object strings_of(const std::vector<std::string>& values) {
  return py::module_::import("numpy").attr("array")(py::cast(values), py::arg("dtype") = "object");
}

// A run's root group as the file holds it, from its arrays rather than an HDF5 image:
// {"attrs": {...}, "variables": [(name, dims, values, attrs), ...]}, in the file's order.
// The package builds the Dataset and decodes it as netCDF readers do (CF time, fill
// values), so it is identical to opening the file `migflow run` writes.
py::dict run_arrays(RunResult& run) {
  const RunMetadata& meta = run.meta;
  std::vector<ReplicateSeries>& reps = run.ensemble.replicates;
  py::module_ np = py::module_::import("numpy");
  py::dict attrs;
  for (const RootAttribute& a : root_attributes(meta)) {
    if (const auto* text = std::get_if<std::string>(&a.value))
      attrs[a.name.c_str()] = *text;
    else if (const auto* big = std::get_if<std::uint64_t>(&a.value))
      attrs[a.name.c_str()] = np.attr("uint64")(*big);
    else
      attrs[a.name.c_str()] = np.attr("int32")(std::get<int>(a.value));
  }
  py::list variables;
  auto add = [&](const std::string& name, std::vector<std::string> dims, const py::object& values, py::dict a) {
    variables.append(py::make_tuple(name, py::tuple(py::cast(dims)), values, a));
  };
  for (const AxisVariable& v : root_axes(meta, reps)) {
    py::dict a;
    for (const auto& [key, value] : v.attributes) a[key.c_str()] = value;
    std::visit(
        [&](const auto& values) {
          using T = typename std::remove_cvref_t<decltype(values)>::value_type;
          if constexpr (std::is_same_v<T, std::string>)
            add(v.name, {v.dim}, strings_of(values), a);
          else
            add(v.name, {v.dim}, array_of(values), a);
        },
        v.values);
  }
  const SeriesGroup& layout = reps.front().core;
  for (const Dimension& d : layout.dims()) add(d.name, {d.name}, strings_of(d.labels), py::dict());
  const auto R = static_cast<py::ssize_t>(reps.size()), T = static_cast<py::ssize_t>(meta.dates.size());
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    const Series& s = layout.series()[i];
    std::vector<std::string> dims{"replicate", "time"};
    std::vector<py::ssize_t> shape{R, T};
    for (int d : s.dims) {
      dims.push_back(layout.dims()[d].name);
      shape.push_back(static_cast<py::ssize_t>(layout.dims()[d].labels.size()));
    }
    py::array_t<double> values(shape);
    double* out = values.mutable_data();
    for (py::ssize_t r = 0; r < R; ++r)
      reps[r].core.series()[i].rows.dense(0, static_cast<std::size_t>(T), s.cells, out + r * T * s.cells);
    add(s.name, dims, values,
        py::dict(py::arg("units") = s.units, py::arg("long_name") = s.long_name,
                 py::arg("_FillValue") = std::numeric_limits<double>::quiet_NaN()));
  }
  for (const LabelledVariable& v : meta.variables) {
    py::dict a;
    if (!v.units.empty()) a["units"] = v.units;
    a["long_name"] = v.long_name;
    py::object values =
        v.integer ? py::object(np.attr("asarray")(array_of(v.values), "int32")) : py::object(array_of(v.values));
    std::vector<py::ssize_t> shape;
    for (const std::string& d : v.dims)
      shape.push_back(d == "replicate"
                          ? R
                          : static_cast<py::ssize_t>(
                                std::find_if(layout.dims().begin(), layout.dims().end(), [&](const Dimension& x) {
                                  return x.name == d;
                                })->labels.size()));
    add(v.name, v.dims, values.attr("reshape")(py::tuple(py::cast(shape))), a);
  }
  if (const std::size_t origins = reps.front().parameter_draws.size(); origins > 0) {
    py::array_t<std::int32_t> draws({R, static_cast<py::ssize_t>(origins)});
    for (py::ssize_t r = 0; r < R; ++r)
      std::copy(reps[r].parameter_draws.begin(), reps[r].parameter_draws.end(), draws.mutable_data() + r * origins);
    add("parameter_draw", {"replicate", "origin"}, draws, py::dict(py::arg("long_name") = kParameterDrawLongName));
    // As the file has them (output/run_file_writer.cpp): units, then long_name.
    const std::size_t kinds = reps.front().model_discrepancy.size() / origins;
    py::array_t<double> discrepancy({R, static_cast<py::ssize_t>(origins), static_cast<py::ssize_t>(kinds)});
    py::array_t<double> correlation({R, static_cast<py::ssize_t>(origins)});
    for (py::ssize_t r = 0; r < R; ++r) {
      std::copy(reps[r].model_discrepancy.begin(), reps[r].model_discrepancy.end(),
                discrepancy.mutable_data() + r * origins * kinds);
      std::copy(reps[r].model_discrepancy_correlation.begin(), reps[r].model_discrepancy_correlation.end(),
                correlation.mutable_data() + r * origins);
    }
    if (kinds > 0) {
      add("model_discrepancy", {"replicate", "origin", "kind"}, discrepancy,
          py::dict(py::arg("units") = "1", py::arg("long_name") = kModelDiscrepancyLongName));
      add("model_discrepancy_correlation", {"replicate", "origin"}, correlation,
          py::dict(py::arg("units") = "1", py::arg("long_name") = kModelDiscrepancyCorrelationLongName));
    }
  }
  reps.clear();
  py::dict out;
  out["attrs"] = attrs;
  out["variables"] = variables;
  return out;
}

// A run as analysis/ reads it, from a file or from the arrays of an xarray.Dataset
// (python/migflow/__init__.py, _as_run): the same fields read_run_file fills.
// A field of a run's dict as T, or a TypeError naming it (a Dataset whose variables do
// not have the types and shapes migflow gives them: not its run).
template <class T>
T run_field(const py::dict& d, const char* key) {
  if (!d.contains(key)) throw py::type_error(std::string("a run without its field '") + key + "'");
  try {
    return d[key].cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string("a run whose field '") + key +
                         "' does not have the type or shape migflow gives it");
  }
}

RunFile run_file(const py::handle& source) {
  if (py::isinstance<py::str>(source))
    return as_failure(Failure::BadInput, [&] { return read_run_file(source.cast<std::string>()); });
  const auto d = source.cast<py::dict>();
  RunFile run;
  run.path = run_field<std::string>(d, "path");
  run.title = run_field<std::string>(d, "title");
  run.scenario_file = run_field<std::string>(d, "scenario_file");
  run.run_status = run_field<std::string>(d, "run_status");
  run.dates = run_field<std::vector<std::string>>(d, "dates");
  run.replicate_seeds = run_field<std::vector<unsigned long long>>(d, "replicate_seeds");
  run.labels = run_field<std::map<std::string, std::vector<std::string>>>(d, "labels");
  run.attributes = run_field<std::map<std::string, std::string>>(d, "attributes");
  run.destination_in_eu = run_field<std::vector<int>>(d, "destination_in_eu");
  run.parameter_draws = run_field<std::vector<std::vector<int>>>(d, "parameter_draws");
  run.model_discrepancy = run_field<std::vector<std::vector<double>>>(d, "model_discrepancy");
  run.model_discrepancy_correlation = run_field<std::vector<std::vector<double>>>(d, "model_discrepancy_correlation");
  for (const auto& [name, value] : run_field<py::dict>(d, "series")) {
    try {
      const auto pair = value.cast<py::tuple>();
      StoredSeries s;
      s.dims = pair[0].cast<std::vector<std::string>>();
      const auto values = pair[1].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
      for (py::ssize_t i = 0; i < values.ndim(); ++i) s.shape.push_back(static_cast<std::size_t>(values.shape(i)));
      s.values.assign(values.data(), values.data() + values.size());
      run.series[name.cast<std::string>()] = std::move(s);
    } catch (const py::cast_error&) {
      throw py::type_error("a run whose series '" + py::str(name).cast<std::string>() +
                           "' is not (dimension names, array of numbers)");
    }
  }
  return run;
}

std::vector<RunFile> run_files(const py::list& sources) {
  std::vector<RunFile> runs;
  for (const py::handle& s : sources) runs.push_back(run_file(s));
  return runs;
}

// A command that prints a table and writes a CSV (backtest, sensitivity, attribute), as
// `name(request, progress) -> (markdown, csv)`, its files written as the option say.
template <class R, class Outcome>
void bind_table_command(py::module_& m, const char* name, const std::vector<Field<R>>& fields,
                        Outcome (*command)(R, const Context&)) {
  m.def(name, [&fields, command](const py::dict& request, const py::object& progress) {
    const R r = request_of(request, fields);
    return supervised(progress, [&](const Context& ctx) {
      const Outcome out = command(r, ctx);
      write_outputs(out.outputs);
      return std::pair{out.markdown, out.csv};
    });
  });
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "migflow's session layer (use the migflow package, not this module)";
  m.attr("version") = MIGFLOW_VERSION;

  // InputError keeps the file, line, column and field of the message apart too.
  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  g_input_error = py::reinterpret_borrow<py::object>(input_error.ptr());
  py::register_exception_translator(translate_failure);

  py::class_<Scenario, std::shared_ptr<Scenario>>(m, "Scenario", py::dynamic_attr())
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
  m.def("partners", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Partner& p : kPartners) out.emplace_back(p.folder, p.origin);
    return out;
  });
  m.def("fields", [](const std::string& command) -> py::list {
    if (command == "run") return describe(run_fields());
    if (command == "validate") return describe(validate_fields());
    if (command == "compare") return describe(compare_fields());
    if (command == "report") return describe(report_fields());
    if (command == "bench") return describe(bench_fields());
    if (command == "calibrate") return describe(calibrate_fields());
    if (command == "backtest") return describe(backtest_fields());
    if (command == "sensitivity") return describe(sensitivity_fields());
    if (command == "attribute") return describe(attribute_fields());
    throw py::value_error("no command '" + command + "'");
  });
  m.def("load", [](const py::dict& request) {
    const ValidateRequest r = request_of(request, validate_fields());
    py::gil_scoped_release release;
    return load_requested(r, builtin_policies());
  });
  m.def("validate", [](const py::dict& request) {
    const ValidateRequest r = request_of(request, validate_fields());
    return supervised(py::none(), [&](const Context& ctx) { return validate_command(r, ctx); });
  });
  m.def("run", [](const py::dict& request, const py::object& progress) {
    const RunRequest r = request_of(request, run_fields());
    RunResult result = supervised(progress, [&](const Context& ctx) { return run_command(r, ctx); });
    return run_arrays(result);
  });
  m.def("compare", [](const py::dict& request, const py::list& runs) {
    const CompareRequest r = request_of(request, compare_fields());
    std::vector<RunFile> given = run_files(runs);
    return supervised(py::none(), [&](const Context& ctx) {
      const CompareOutcome out = compare_command(r, std::move(given), ctx);
      write_outputs(out.outputs);
      return std::pair{out.markdown, out.csv};
    });
  });
  m.def("report", [](const py::dict& request, const py::list& runs) {
    const ReportRequest r = request_of(request, report_fields());
    std::vector<RunFile> given = run_files(runs);
    return supervised(py::none(), [&](const Context& ctx) {
      const ReportOutcome out = report_command(r, std::move(given), ctx);
      write_outputs(out.outputs);
      return out.html;
    });
  });
  m.def("schema", [] { return schema_command(builtin_policies()); });
  m.def("bench", [](const py::dict& request) {
    const BenchRequest r = request_of(request, bench_fields());
    return supervised(py::none(), [&](const Context& ctx) { return bench_command(r, ctx); });
  });
  m.def("calibrate", [](const py::dict& request, const py::object& progress) {
    const CalibrateRequest r = request_of(request, calibrate_fields());
    const CalibrateOutcome out = supervised(progress, [&](const Context& ctx) {
      CalibrateOutcome o = calibrate_command(r, ctx);
      write_outputs(o.outputs);
      return o;
    });
    py::dict d;
    d["names"] = out.result.posterior.names;
    d["particles"] = out.result.posterior.particles;
    d["medians"] = out.result.medians;
    d["yaml"] = out.yaml;
    d["markdown"] = out.markdown;
    d["seconds"] = out.result.seconds;
    return d;
  });
  bind_table_command(m, "backtest", backtest_fields(), backtest_command);
  bind_table_command(m, "sensitivity", sensitivity_fields(), sensitivity_command);
  bind_table_command(m, "attribute", attribute_fields(), attribute_command);
}
