// The worked example's module (legal_pathways.cpp), for a registry to add.
#pragma once
#include "policies/registry.hpp"

namespace migflow::example {

PolicyModule legal_pathways_module();

}  // namespace migflow::example
