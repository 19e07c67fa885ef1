#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::agents {

enum class Presence { kOnline, kAway, kOffline };

// "online", "away", "offline".
absl::string_view PresenceName(Presence presence);
// Parses a presence name (case-insensitive); false when unknown.
bool ParsePresence(absl::string_view text, Presence* presence);

// One human agent as the router sees it. Skills and languages are lowercase.
struct Agent {
  std::string id;
  std::string display_name;
  std::vector<std::string> skills;
  std::vector<std::string> languages;
  int capacity = 0;
  Presence presence = Presence::kOnline;
  // Live state (from Redis); ignored when upserting.
  int load = 0;
  int64_t last_assigned_ms = 0;
  // Conversations ever assigned and resolved by the agent, and the CSAT
  // ratings credited to it (count and sum of 1-5 scores).
  int64_t handled = 0;
  int64_t resolved = 0;
  int64_t rating_count = 0;
  int64_t rating_sum = 0;
};

}  // namespace omnigate::agents
