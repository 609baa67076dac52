// Small enums and fixed-width ids shared by every layer.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace migflow {

using NodeId = std::uint16_t;  // countries and hubs: a few hundred at most
using EdgeId = std::uint16_t;
inline constexpr NodeId kNoNode = 0xFFFF;

// Member States are the destinations the EU's policies act in; a Destination is a
// country outside the EU that migrants may move to (its entry rules say who).
enum class Role : std::uint8_t { Origin, Transit, MemberState, Destination };
inline constexpr std::array<std::string_view, 4> kRoleNames{"origin", "transit", "member_state", "destination"};

enum class Mode : std::uint8_t { Land, Sea, Air };
inline constexpr std::array<std::string_view, 3> kModeNames{"land", "sea", "air"};

// visitor: in a destination on a short stay (a visa or visa-free entry, ~3 months);
// asylum_seeker: applied for protection in a Member State, waiting for the decision;
// exploited: an irregular arrival held in exploitation by traffickers, not (yet)
// identified as a victim.
enum class Status : std::uint8_t { AtHome, InTransit, Regular, Irregular, Returned, Visitor, AsylumSeeker, Exploited };
inline constexpr int kStatusCount = 8;
inline constexpr std::array<std::string_view, kStatusCount> kStatusNames{
    "at_home", "in_transit", "regular", "irregular", "returned", "visitor", "asylum_seeker", "exploited"};
// Residents of a destination, as migrant-stock statistics count them (not visitors).
inline constexpr bool is_resident_abroad(Status s) {
  return s == Status::Regular || s == Status::Irregular || s == Status::AsylumSeeker || s == Status::Exploited;
}

// How a mover arrives: with a residence permit (legal), across a border irregularly, or
// on a short stay (short_stay).
enum class Channel : std::uint8_t { Legal, Irregular, ShortStay };
inline constexpr int kChannelCount = 3;
inline constexpr std::array<std::string_view, kChannelCount> kChannelNames{"legal", "irregular", "short_stay"};

// The outcome of an asylum decision.
enum class Decision : std::uint8_t { Recognised, Rejected };
inline constexpr int kDecisionCount = 2;
inline constexpr std::array<std::string_view, kDecisionCount> kDecisionNames{"recognised", "rejected"};

inline constexpr int kSkillCount = 3;
inline constexpr std::array<std::string_view, kSkillCount> kSkillNames{"low", "medium", "high"};

}  // namespace migflow
