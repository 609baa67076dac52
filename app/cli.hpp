// migflow's command line as a function, so that a program with policy modules of its
// own (examples/policy_template) is the whole `migflow` with one more module:
//   int main(int argc, char** argv) { return migflow::cli_main(argc, argv, my_registry); }
#pragma once
#include "loader/policy_catalog.hpp"

namespace migflow {

// Parses the command line, runs the command, returns the exit code (session/errors.hpp).
int cli_main(int argc, char** argv, const PolicyCatalog& policies);

}  // namespace migflow
