#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::chatbot {

// Why the bot hands a conversation to a human. A closed set: it is a metric
// label and the SetMode reason.
enum class HandoffReason { kCustomerRequest, kUnanswered };
inline constexpr HandoffReason kAllHandoffReasons[] = {HandoffReason::kCustomerRequest,
                                                       HandoffReason::kUnanswered};

// "customer_request" / "unanswered".
absl::string_view HandoffReasonName(HandoffReason reason);

// True when the customer asks for a person ("can I talk to a human?",
// "mau bicara dengan admin"). Words and phrases match whole tokens only, so
// "agentic" or "orangutan" do not count. `tokens` as produced by Tokenize().
bool AsksForHuman(const std::vector<std::string>& tokens);

}  // namespace omnigate::chatbot
