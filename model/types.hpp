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

// How a mover arrives: with a residence permit for work or other reasons besides
// family and study (legal), across a border irregularly, on a short stay (short_stay:
// visits on a Schengen visa or visa-free), joining family settled there (family), or
// to study (education). Legal, family and education are the first residence permits
// Eurostat counts by reason (migr_resfirst: employment and other, family, education).
enum class Channel : std::uint8_t { Legal, Irregular, ShortStay, Family, Education };
inline constexpr int kChannelCount = 5;
inline constexpr std::array<std::string_view, kChannelCount> kChannelNames{"legal", "irregular", "short_stay", "family",
                                                                           "education"};
inline constexpr bool is_residence_permit(Channel c) {
  return c == Channel::Legal || c == Channel::Family || c == Channel::Education;
}

// Why a migrant went home (the core series `returns`): the end of a short stay, of their
// own accord (a resident's return, a withdrawn asylum application, a victim who got
// away), at the end of a permit, an executed return order (Eurostat's returns following
// an order to leave), assisted as an identified victim of trafficking, returned at
// once when intercepted at a border, or giving up on the way.
enum class ReturnCause : std::uint8_t { VisitEnded, Voluntary, PermitEnded, Ordered, Assisted, Intercepted, GaveUp };
inline constexpr int kReturnCauseCount = 7;
inline constexpr std::array<std::string_view, kReturnCauseCount> kReturnCauseNames{
    "visit_ended", "voluntary", "permit_ended", "ordered", "assisted", "intercepted", "gave_up"};

// The outcome of an asylum decision.
enum class Decision : std::uint8_t { Recognised, Rejected };
inline constexpr int kDecisionCount = 2;
inline constexpr std::array<std::string_view, kDecisionCount> kDecisionNames{"recognised", "rejected"};

inline constexpr int kSkillCount = 3;
inline constexpr std::array<std::string_view, kSkillCount> kSkillNames{"low", "medium", "high"};

}  // namespace migflow
