// The whole migflow command line, with one more policy module than the built-in ones.
#include "app/cli.hpp"
#include "examples/policy_template/legal_pathways.hpp"
#include "policies/registry.hpp"

int main(int argc, char** argv) {
  migflow::PolicyRegistry policies = migflow::builtin_policies();
  policies.add(migflow::example::legal_pathways_module());
  return migflow::cli_main(argc, argv, policies);
}
