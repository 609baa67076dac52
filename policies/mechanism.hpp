// The strength of a policy mechanism (how much a campaign moves intentions, how far aid
// raises wages, how fast funded border capacity intercepts), as a prior from the
// published evidence (docs/policies.md): each replicate draws it with the key its
// parameter draw shares (Environment::mechanism_key), so a comparison's intervals hold
// the uncertainty of the policy effect itself, and runs paired by seed draw the same
// strengths. A block may state a value instead: an assumption against the evidence,
// which it must then explain in its `assumption` field.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

#include "loader/fields.hpp"
#include "loader/map_reader.hpp"

namespace migflow {

struct Mechanism {
  enum class Scale : std::uint8_t { Normal, Log, Logit };  // the prior is normal on this scale
  std::string_view name;                                   // "module.field": which draw it is
  Scale scale = Scale::Normal;
  double median = 0, sd = 0;  // natural median; sd on the scale
  double lo = -1e300, hi = 1e300;
  double fixed = std::nan("");  // a block's own value (an assumption), or NaN: drawn

  // The strength in a replicate with `key` (0: the prior median).
  double value(std::uint64_t key) const;
};

// A block's own value for `m` when field `f` is given (then the block, or the item `r`
// reads, must say why in `assumption`), else `m` drawn per replicate.
Mechanism read_mechanism(MapReader& r, const FieldSpec& f, Mechanism m);

namespace fields {
inline constexpr FieldSpec assumption =
    field::text("assumption", "why an effect size is set here instead of drawn from the evidence's prior");
}  // namespace fields

}  // namespace migflow
