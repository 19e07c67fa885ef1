#include "lib/agents/priority.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace omnigate::agents {

absl::string_view PriorityName(PriorityClass priority) {
  switch (priority) {
    case PriorityClass::kUrgent:
      return "urgent";
    case PriorityClass::kHigh:
      return "high";
    case PriorityClass::kNormal:
      return "normal";
    case PriorityClass::kLow:
      return "low";
  }
  return "normal";
}

PriorityClass ParsePriority(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower == "urgent") return PriorityClass::kUrgent;
  if (lower == "high") return PriorityClass::kHigh;
  if (lower == "low") return PriorityClass::kLow;
  return PriorityClass::kNormal;
}

PriorityClass PriorityFromAttributes(const google::protobuf::Map<std::string, std::string>& attrs) {
  PriorityClass priority = PriorityClass::kNormal;
  if (auto it = attrs.find(std::string(kPriorityAttribute)); it != attrs.end()) {
    priority = ParsePriority(it->second);
  }
  if (auto it = attrs.find(std::string(kVipAttribute));
      it != attrs.end() && absl::AsciiStrToLower(it->second) == "true") {
    priority = std::min(priority, PriorityClass::kHigh);
  }
  return priority;
}

double QueueScore(PriorityClass priority, int64_t enqueued_ms) {
  constexpr double kClassSpan = 1e13;  // > any epoch ms until year 2286
  return static_cast<double>(static_cast<int>(priority)) * kClassSpan +
         static_cast<double>(std::max<int64_t>(0, enqueued_ms));
}

}  // namespace omnigate::agents
