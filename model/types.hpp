// Small enums and fixed-width ids shared by every layer.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace migflow {

using NodeId = std::uint16_t;  // countries and hubs: a few hundred at most
using EdgeId = std::uint16_t;
inline constexpr NodeId kNoNode = 0xFFFF;

enum class Role : std::uint8_t { Origin, Transit, MemberState };
inline constexpr std::array<std::string_view, 3> kRoleNames{"origin", "transit", "member_state"};

enum class Mode : std::uint8_t { Land, Sea, Air };
inline constexpr std::array<std::string_view, 3> kModeNames{"land", "sea", "air"};

enum class Status : std::uint8_t { AtHome, InTransit, Regular, Irregular, Returned };
inline constexpr int kStatusCount = 5;
inline constexpr std::array<std::string_view, kStatusCount> kStatusNames{"at_home", "in_transit", "regular",
                                                                         "irregular", "returned"};

enum class Channel : std::uint8_t { Legal, Irregular };
inline constexpr int kChannelCount = 2;
inline constexpr std::array<std::string_view, kChannelCount> kChannelNames{"legal", "irregular"};

inline constexpr int kSkillCount = 3;
inline constexpr std::array<std::string_view, kSkillCount> kSkillNames{"low", "medium", "high"};

}  // namespace migflow
