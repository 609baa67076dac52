#include "session/partners.hpp"

namespace migflow {

std::vector<std::string> partner_baselines() {
  std::vector<std::string> out;
  for (const Partner& p : kPartners) out.push_back(std::string(p.folder) + "/baseline");
  return out;
}

}  // namespace migflow
