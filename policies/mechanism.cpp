#include "policies/mechanism.hpp"

#include <algorithm>

#include "sim/rng.hpp"

namespace migflow {

double Mechanism::value(std::uint64_t key) const {
  if (!std::isnan(fixed)) return fixed;
  double z = 0;
  if (key != 0) {                                 // a standard normal from (key, name), Box-Muller
    std::uint64_t salt = 1469598103934665603ULL;  // FNV-1a of the name
    for (char c : name) salt = (salt ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    const Draws u = draw(key, salt, 0, Purpose::ParameterDraw);
    z = std::sqrt(-2.0 * std::log1p(-u.uniform(0))) * std::cos(6.283185307179586 * u.uniform(1));
  }
  double v = 0;
  switch (scale) {
    case Scale::Normal: v = median + sd * z; break;
    case Scale::Log: v = median * std::exp(sd * z); break;
    case Scale::Logit: {
      const double centre = std::log(median / (1 - median)) + sd * z;
      v = 1 / (1 + std::exp(-centre));
      break;
    }
  }
  return std::clamp(v, lo, hi);
}

Mechanism read_mechanism(MapReader& r, const FieldSpec& f, Mechanism m) {
  if (!r.has(f)) return m;
  m.fixed = r.number(f, 0);
  if (r.string(fields::assumption, "").empty())
    fail(r.tree(), r.field(fields::assumption),
         "'" + std::string(f.key) + "' sets an effect the evidence gives a prior for (docs/policies.md): say why in " +
             "`assumption`, or leave it out to draw it per replicate");
  return m;
}

}  // namespace migflow
