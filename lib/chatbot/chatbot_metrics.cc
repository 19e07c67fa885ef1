#include "lib/chatbot/chatbot_metrics.h"

#include "absl/strings/ascii.h"

namespace omnigate::chatbot {

absl::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAnswered:
      return "answered";
    case Outcome::kUnanswered:
      return "unanswered";
    case Outcome::kHandoff:
      return "handoff";
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kClarified:
      return "clarified";
    case Outcome::kRated:
      return "rated";
    case Outcome::kResolved:
      return "resolved";
    case Outcome::kSurveyed:
      return "surveyed";
  }
  return "ignored";
}

ChatbotMetrics::ChatbotMetrics(prometheus::Registry& registry) {
  auto& events = prometheus::BuildCounter()
                     .Name("omnigate_chatbot_events_total")
                     .Help("Events delivered to the chatbot, by what the bot did with them.")
                     .Register(registry);
  for (int i = 0; i < kOutcomeCount; ++i)
    events_[i] = &events.Add({{"outcome", std::string(OutcomeName(static_cast<Outcome>(i)))}});

  auto& handoffs = prometheus::BuildCounter()
                       .Name("omnigate_chatbot_handoffs_total")
                       .Help("Conversations the chatbot handed to a human agent, by reason.")
                       .Register(registry);
  for (HandoffReason r : kAllHandoffReasons)
    handoffs_[static_cast<int>(r)] = &handoffs.Add({{"reason", std::string(HandoffReasonName(r))}});

  auto& errors = prometheus::BuildCounter()
                     .Name("omnigate_chatbot_deliver_errors_total")
                     .Help("Sink.Deliver calls the chatbot failed, by gRPC status code.")
                     .Register(registry);
  for (int code = 1; code < static_cast<int>(deliver_errors_.size()); ++code) {
    deliver_errors_[code] = &errors.Add({{"code", absl::AsciiStrToLower(absl::StatusCodeToString(
                                                      static_cast<absl::StatusCode>(code)))}});
  }

  auto& seconds = prometheus::BuildHistogram()
                      .Name("omnigate_chatbot_deliver_seconds")
                      .Help("Time to handle one Sink.Deliver call.")
                      .Register(registry);
  deliver_seconds_ = &seconds.Add(
      {}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1, 0.25, 0.5, 1, 2.5, 5});
}

void ChatbotMetrics::CountDeliverError(absl::StatusCode code) {
  const int i = static_cast<int>(code);
  deliver_errors_[i > 0 && i < static_cast<int>(deliver_errors_.size()) ? i : 2]->Increment();
}

}  // namespace omnigate::chatbot
