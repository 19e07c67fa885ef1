#include "lib/cx/cx_metrics.h"

#include "lib/connectors/connector.h"

namespace omnigate::cx {
namespace {

// Seconds to a day: a chatbot answers in seconds, a queue may take hours.
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400};
  return *buckets;
}

std::string Channel(omnigate::v1::Channel channel) {
  return std::string(connectors::ChannelName(channel));
}

double Seconds(absl::Duration d) {
  return d < absl::ZeroDuration() ? 0.0 : absl::ToDoubleSeconds(d);
}

}  // namespace

absl::string_view PriorityLabel(absl::string_view priority) {
  if (priority == "urgent" || priority == "high" || priority == "low") return priority;
  return "normal";
}

CxMetrics::CxMetrics(prometheus::Registry& registry)
    : opened_(prometheus::BuildCounter()
                  .Name("omnigate_cx_conversations_opened_total")
                  .Help("Conversation cycles opened by a customer message (first ever, or after "
                        "a resolve), by channel.")
                  .Register(registry)),
      reopened_(prometheus::BuildCounter()
                    .Name("omnigate_cx_reopened_total")
                    .Help("Conversations the customer wrote in again after they were resolved, "
                          "by channel.")
                    .Register(registry)),
      first_response_(prometheus::BuildHistogram()
                          .Name("omnigate_cx_first_response_seconds")
                          .Help("Customer message opening a conversation to the first reply the "
                                "provider accepted (bot or agent), by channel and priority.")
                          .Register(registry)),
      agent_first_response_(prometheus::BuildHistogram()
                                .Name("omnigate_cx_agent_first_response_seconds")
                                .Help("Handoff to the first agent reply the provider accepted, "
                                      "by channel and priority.")
                                .Register(registry)),
      queue_wait_(prometheus::BuildHistogram()
                      .Name("omnigate_cx_queue_wait_seconds")
                      .Help("Handoff to an agent assigned, by channel and priority.")
                      .Register(registry)),
      resolution_(prometheus::BuildHistogram()
                      .Name("omnigate_cx_resolution_seconds")
                      .Help("Conversation opened to resolved, by channel and resolved_by.")
                      .Register(registry)),
      resolved_(prometheus::BuildCounter()
                    .Name("omnigate_cx_conversations_resolved_total")
                    .Help("Conversations resolved, by channel and resolved_by (bot|agent); bot "
                          "containment = bot / all.")
                    .Register(registry)),
      sla_breaches_(prometheus::BuildCounter()
                        .Name("omnigate_cx_sla_breaches_total")
                        .Help("First replies later than the priority's cx.first_response_sla "
                              "target, by priority.")
                        .Register(registry)),
      csat_(prometheus::BuildHistogram()
                .Name("omnigate_cx_csat_score")
                .Help("Customer satisfaction ratings (1-5), by channel.")
                .Register(registry)),
      surveys_(prometheus::BuildCounter()
                   .Name("omnigate_cx_csat_surveys_total")
                   .Help("CSAT questions sent to customers after a resolve, by channel.")
                   .Register(registry)) {
  // Breaches exist from the start, so rates and alerts see zeros, not gaps.
  for (const char* priority : {"urgent", "high", "normal", "low"})
    sla_breaches_.Add({{"priority", priority}});
}

void CxMetrics::Opened(omnigate::v1::Channel channel, bool reopened) {
  opened_.Add({{"channel", Channel(channel)}}).Increment();
  if (reopened) Reopened(channel);
}

void CxMetrics::Reopened(omnigate::v1::Channel channel) {
  reopened_.Add({{"channel", Channel(channel)}}).Increment();
}

void CxMetrics::FirstResponse(omnigate::v1::Channel channel, absl::string_view priority,
                              absl::Duration elapsed, bool sla_breached) {
  const std::string p(PriorityLabel(priority));
  first_response_.Add({{"channel", Channel(channel)}, {"priority", p}}, DurationBuckets())
      .Observe(Seconds(elapsed));
  if (sla_breached) sla_breaches_.Add({{"priority", p}}).Increment();
}

void CxMetrics::AgentFirstResponse(omnigate::v1::Channel channel, absl::string_view priority,
                                   absl::Duration elapsed) {
  agent_first_response_
      .Add({{"channel", Channel(channel)}, {"priority", std::string(PriorityLabel(priority))}},
           DurationBuckets())
      .Observe(Seconds(elapsed));
}

void CxMetrics::QueueWait(omnigate::v1::Channel channel, absl::string_view priority,
                          absl::Duration elapsed) {
  queue_wait_
      .Add({{"channel", Channel(channel)}, {"priority", std::string(PriorityLabel(priority))}},
           DurationBuckets())
      .Observe(Seconds(elapsed));
}

void CxMetrics::Resolved(omnigate::v1::Channel channel, absl::string_view resolved_by,
                         std::optional<absl::Duration> since_opened) {
  const std::string by = resolved_by == "bot" ? "bot" : "agent";
  resolved_.Add({{"channel", Channel(channel)}, {"resolved_by", by}}).Increment();
  if (!since_opened.has_value()) return;
  resolution_.Add({{"channel", Channel(channel)}, {"resolved_by", by}}, DurationBuckets())
      .Observe(Seconds(*since_opened));
}

void CxMetrics::SurveySent(omnigate::v1::Channel channel) {
  surveys_.Add({{"channel", Channel(channel)}}).Increment();
}

void CxMetrics::Rating(omnigate::v1::Channel channel, int score) {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{1, 2, 3, 4, 5};
  csat_.Add({{"channel", Channel(channel)}}, *buckets).Observe(score);
}

}  // namespace omnigate::cx
