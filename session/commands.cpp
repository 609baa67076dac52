// `validate`, `schema`, `compare` and `report`, and the write step the commands share.
#include "session/commands.hpp"

#include <cstdio>

#include "analysis/report.hpp"
#include "loader/schema.hpp"
#include "session/task_checkpoint.hpp"
#include "sim/agents.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {

void write_outputs(const Outputs& outputs) {
  write_text_outputs(outputs.files);
  if (!outputs.checkpoint.empty()) TaskCheckpoint(outputs.checkpoint, "").remove();
}

std::string validate_command(const ValidateRequest& request, const Context& ctx) {
  const auto world = as_failure(Failure::BadInput,
                                [&] { return std::make_shared<const World>(load_requested(request, ctx.policies)); });
  const Scenario& sc = world->scenario();
  std::uint64_t at_home = 0;
  for (const OriginSpec& o : sc.origins) at_home += o.agents;
  char text[2048];
  std::snprintf(text, sizeof text,
                "%s: valid\n  %s\n  %zu nodes (%d origins, %d Member States), %zu edges, %d policies\n"
                "  %llu agents (%llu at home, the rest abroad at the start; %.1f MB of agent state)\n"
                "  %d steps from %s, %d replicates, seed %llu\n",
                sc.file.c_str(), sc.title.c_str(), sc.nodes.size(), world->origin_count(), world->member_state_count(),
                sc.edges.size(), static_cast<int>(sc.policies.size()),
                static_cast<unsigned long long>(sc.total_agents()), static_cast<unsigned long long>(at_home),
                static_cast<double>(sc.total_agents() * bytes_per_agent(sc.engine)) / 1e6, sc.calendar.steps(),
                sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
  return text;
}

std::string schema_command(const PolicyCatalog& policies) { return scenario_json_schema(policies); }

namespace {

std::vector<RunFile> runs_of(const std::vector<std::string>& paths, std::vector<RunFile> given) {
  if (!given.empty()) return given;
  return as_failure(Failure::BadInput, [&] {
    std::vector<RunFile> runs;
    for (const std::string& path : paths) runs.push_back(read_run_file(path));
    return runs;
  });
}

}  // namespace

CompareOutcome compare_command(const CompareRequest& request, std::vector<RunFile> runs, const Context& ctx) {
  refuse_unwritable({request.csv, request.markdown}, request.runs);
  runs = runs_of(request.runs, std::move(runs));
  if (runs.size() < 2) throw SessionError(Failure::Usage, "compare: give two runs or more");
  for (const RunFile& run : runs) {
    // A file of K of R replicates (or cut steps) would pass for a complete run.
    if (run.run_status.rfind("partial", 0) != 0) continue;
    if (!request.allow_partial)
      throw SessionError(Failure::BadInput, run.path + ": attribute 'run_status': " + run.run_status +
                                                "; compare complete runs, or pass --allow-partial");
    if (ctx.warn) ctx.warn(run.path + " is " + run.run_status);
  }
  CompareOutcome out;
  out.comparison = as_failure(Failure::BadInput, [&] { return compare_runs(runs, request.by_member_state); });
  out.markdown = comparison_markdown(out.comparison);
  out.csv = comparison_csv(out.comparison);
  out.outputs.files = {{request.csv, out.csv}, {request.markdown, out.markdown}};
  return out;
}

ReportOutcome report_command(const ReportRequest& request, std::vector<RunFile> runs, const Context&) {
  refuse_unwritable({request.out}, request.runs);
  runs = runs_of(request.runs, std::move(runs));
  if (runs.size() < 2) throw SessionError(Failure::Usage, "report: give two runs or more");
  ReportOutcome out;
  out.html = as_failure(Failure::BadInput, [&] { return report_html(runs); });
  out.outputs.files = {{request.out, out.html}};
  return out;
}

}  // namespace migflow
