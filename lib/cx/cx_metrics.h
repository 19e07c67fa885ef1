#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "omnigate/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace omnigate::cx {

// The customer-experience families (deploy/metrics.md, "Customer
// experience"). Each service observes the moments it decides, once per
// conversation cycle: the script that records a moment on the conversation
// state answers whether it was new, and only then is it observed, so a
// redelivered event or a retried call counts nothing twice.
// Labels are bounded: channel, priority, resolved_by. Thread-safe.
class CxMetrics {
 public:
  explicit CxMetrics(prometheus::Registry& registry);

  // Ingest: a customer message opened a conversation cycle (reopened: the
  // cycle before it had been resolved).
  void Opened(omnigate::v1::Channel channel, bool reopened);
  // Chatbot: a message after the CSAT question that was not a rating
  // reopened the conversation.
  void Reopened(omnigate::v1::Channel channel);
  // Sender: the provider accepted the cycle's first reply / first agent reply.
  void FirstResponse(omnigate::v1::Channel channel, absl::string_view priority,
                     absl::Duration elapsed, bool sla_breached);
  void AgentFirstResponse(omnigate::v1::Channel channel, absl::string_view priority,
                          absl::Duration elapsed);
  // Dispatcher (Conversations): handoff → agent assigned; opened → resolved.
  void QueueWait(omnigate::v1::Channel channel, absl::string_view priority, absl::Duration elapsed);
  // `since_opened` unknown (a cycle opened before timelines were kept):
  // counted, not timed.
  void Resolved(omnigate::v1::Channel channel, absl::string_view resolved_by,
                std::optional<absl::Duration> since_opened);
  // Chatbot: a CSAT question sent; a rating received.
  void SurveySent(omnigate::v1::Channel channel);
  void Rating(omnigate::v1::Channel channel, int score);

 private:
  prometheus::Family<prometheus::Counter>& opened_;
  prometheus::Family<prometheus::Counter>& reopened_;
  prometheus::Family<prometheus::Histogram>& first_response_;
  prometheus::Family<prometheus::Histogram>& agent_first_response_;
  prometheus::Family<prometheus::Histogram>& queue_wait_;
  prometheus::Family<prometheus::Histogram>& resolution_;
  prometheus::Family<prometheus::Counter>& resolved_;
  prometheus::Family<prometheus::Counter>& sla_breaches_;
  prometheus::Family<prometheus::Histogram>& csat_;
  prometheus::Family<prometheus::Counter>& surveys_;
};

// A priority label value: one of urgent, high, normal, low (else normal).
absl::string_view PriorityLabel(absl::string_view priority);

}  // namespace omnigate::cx
