#include "lib/agents/agent.h"

#include "absl/strings/ascii.h"

namespace omnigate::agents {

absl::string_view PresenceName(Presence presence) {
  switch (presence) {
    case Presence::kOnline:
      return "online";
    case Presence::kAway:
      return "away";
    case Presence::kOffline:
      return "offline";
  }
  return "offline";
}

bool ParsePresence(absl::string_view text, Presence* presence) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "online") {
    *presence = Presence::kOnline;
  } else if (lower == "away") {
    *presence = Presence::kAway;
  } else if (lower == "offline") {
    *presence = Presence::kOffline;
  } else {
    return false;
  }
  return true;
}

}  // namespace omnigate::agents
