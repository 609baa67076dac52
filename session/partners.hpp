// The EU's Mobility Partnerships that migflow bundles, in order of signature: each has
// scenarios/<folder>/{baseline,security_heavy,mobility_heavy}.yaml and a calibration.
// The one list of them in the code (tools/ has its own for the data builders).
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace migflow {

struct Partner {
  std::string_view folder;  // under scenarios/
  std::string_view origin;  // its node id
};

inline constexpr std::array<Partner, 9> kPartners{{{"cape_verde", "CPV"},
                                                   {"moldova", "MDA"},
                                                   {"georgia", "GEO"},
                                                   {"armenia", "ARM"},
                                                   {"morocco", "MAR"},
                                                   {"azerbaijan", "AZE"},
                                                   {"tunisia", "TUN"},
                                                   {"jordan", "JOR"},
                                                   {"belarus", "BLR"}}};

// The partners' bundled baselines, as scenario names (`moldova/baseline`).
std::vector<std::string> partner_baselines();

}  // namespace migflow
