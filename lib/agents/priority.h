#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"

namespace omnigate::agents {

// Order in which waiting conversations are served (lower first).
enum class PriorityClass { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };

// Event attribute set by routing rules: urgent|high|normal|low.
inline constexpr absl::string_view kPriorityAttribute = "omnigate.priority";
// Event attribute set by routing rules: the skill an agent needs.
inline constexpr absl::string_view kSkillAttribute = "omnigate.skill";
// Event attribute set by channels or publishers: "true" for VIP customers.
inline constexpr absl::string_view kVipAttribute = "vip";

absl::string_view PriorityName(PriorityClass priority);
// Unknown or empty text is normal.
PriorityClass ParsePriority(absl::string_view text);

// The class of an event: its priority attribute, raised to at least high for
// VIP customers.
PriorityClass PriorityFromAttributes(const google::protobuf::Map<std::string, std::string>& attrs);

// Sorted-set score: the class first, then FIFO by enqueue time. Exact in a
// double for any realistic epoch-ms (class * 1e13 + ms < 2^53).
double QueueScore(PriorityClass priority, int64_t enqueued_ms);

}  // namespace omnigate::agents
