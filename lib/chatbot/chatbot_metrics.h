#pragma once

#include <array>

#include "absl/status/status.h"
#include "lib/chatbot/handoff.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::chatbot {

// What happened to one delivered event. A closed set (metric label).
// kClarified: the bot asked which of two entries the customer meant.
// kRated: the customer's CSAT rating; kResolved: the customer confirmed the
// bot solved it; kSurveyed: the CSAT question sent after a resolve.
enum class Outcome {
  kAnswered,
  kUnanswered,
  kHandoff,
  kIgnored,
  kDuplicate,
  kClarified,
  kRated,
  kResolved,
  kSurveyed
};
inline constexpr int kOutcomeCount = 9;
absl::string_view OutcomeName(Outcome outcome);

// The bot's metric families; every labelled child is created here, once, so
// hot paths only increment references.
class ChatbotMetrics {
 public:
  explicit ChatbotMetrics(prometheus::Registry& registry);

  void CountEvent(Outcome outcome) { events_[static_cast<int>(outcome)]->Increment(); }
  void CountHandoff(HandoffReason reason) { handoffs_[static_cast<int>(reason)]->Increment(); }
  void CountDeliverError(absl::StatusCode code);
  void ObserveDeliverSeconds(double seconds) { deliver_seconds_->Observe(seconds); }

 private:
  std::array<prometheus::Counter*, kOutcomeCount> events_{};
  std::array<prometheus::Counter*, 2> handoffs_{};
  // Indexed by canonical code (1..16); code 0 is never an error.
  std::array<prometheus::Counter*, 17> deliver_errors_{};
  prometheus::Histogram* deliver_seconds_ = nullptr;
};

}  // namespace omnigate::chatbot
