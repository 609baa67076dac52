// The migflow command line, with the built-in policy modules.
#include "app/cli.hpp"
#include "policies/registry.hpp"

int main(int argc, char** argv) { return migflow::cli_main(argc, argv, migflow::builtin_policies()); }
