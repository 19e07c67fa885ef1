#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/config/config.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::routing {

// Event attributes the dispatcher sets from the matching rule before
// delivery, for the sinks to act on (the agent router's queue order and
// skill match).
inline constexpr absl::string_view kPriorityAttribute = "omnigate.priority";
inline constexpr absl::string_view kSkillAttribute = "omnigate.skill";
inline constexpr absl::string_view kRuleAttribute = "omnigate.rule";

// Where one event goes.
struct RouteDecision {
  // Sink names; several for lifecycle events (every sink sees them).
  std::vector<std::string> sinks;
  std::string priority;
  std::string skill;
  // Name of the rule that matched, empty when none did.
  std::string rule;
};

// True for the conversation lifecycle events omnigate itself appends
// (handoff, assignment, mode change, resolution, transfer).
bool IsLifecycleEvent(const omnigate::v1::Event& event);

// Decides the sinks of an event from the conversation mode stamped on its
// stream entry and the configured rules. Pure and deterministic: the same
// entry is routed alike by every sink's consumer group and every replica
// (business hours are judged at the event's received_at, not "now").
// Thread-safe after construction.
class Router {
 public:
  // `sink_names`: every configured sink (lifecycle events go to all).
  Router(config::RoutingConfig config, std::vector<std::string> sink_names);
  ~Router();

  // `mode`: the entry's mode field ("bot" when empty). `target_sink`: set on
  // replayed dead letters, which go to that sink only.
  RouteDecision Route(const omnigate::v1::Event& event, absl::string_view mode,
                      absl::string_view target_sink) const;

 private:
  struct CompiledRule;
  bool Matches(const CompiledRule& rule, const omnigate::v1::Event& event, absl::string_view mode,
               const std::string& lowered_text) const;

  const config::RoutingConfig config_;
  const std::vector<std::string> sink_names_;
  std::vector<std::unique_ptr<CompiledRule>> rules_;
};

// The customer-visible text of an event for keyword rules (text body,
// caption, interactive title, postback title/payload, edit body).
std::string SearchableText(const omnigate::v1::Event& event);

// True when `text` (lowercase) contains `word` delimited by non-alphanumeric
// ASCII characters or the ends.
bool ContainsWord(absl::string_view text, absl::string_view word);

// Whether `at` falls inside the business hours.
bool WithinBusinessHours(const config::BusinessHours& hours, const absl::TimeZone& zone,
                         absl::Time at);

}  // namespace omnigate::routing
