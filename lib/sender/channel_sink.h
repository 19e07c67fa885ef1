#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/cx/cx_metrics.h"
#include "lib/dispatch/sink_client.h"
#include "lib/httpclient/http_transport.h"
#include "lib/outbound/rate_limiter.h"
#include "lib/queue/event_queue.h"
#include "lib/sender/delay_queue.h"
#include "lib/sender/reply_tokens.h"
#include "lib/sender/sender_connector.h"
#include "lib/sender/sender_metrics.h"
#include "lib/sender/sent_recorder.h"

namespace omnigate::sender {

struct ChannelSinkOptions {
  uint32_t partitions = 16;
  // Deadline of one provider call (cut to what the worker allows).
  absl::Duration send_timeout = absl::Seconds(15);
  // Calls in flight per connector; beyond it a reply waits its turn.
  int max_in_flight_per_connector = 64;
  // How long a connector whose credentials or account were refused waits.
  absl::Duration connector_pause = absl::Seconds(60);
  // A throttle that named no wait.
  absl::Duration default_throttle_wait = absl::Seconds(1);
  // Retry pace while Redis (the rate limiter) cannot be reached.
  absl::Duration redis_retry = absl::Milliseconds(500);
};

struct ChannelSinkDeps {
  const SenderConnectors* connectors = nullptr;
  httpclient::HttpTransport* transport = nullptr;
  outbound::RateLimiter* limiter = nullptr;
  conversations::OutboundStatusStore* statuses = nullptr;
  // Optional: records sent replies through group commit (many sends per
  // round trip) instead of `statuses`' two round trips per send.
  SentRecorder* recorder = nullptr;
  // Where FAILED status events are appended (the conversation's inbound
  // stream, through ingest's deduplicating enqueue).
  queue::EventQueue* events = nullptr;
  SenderMetrics* metrics = nullptr;
  const Clock* clock = nullptr;
  // Response times of conversations (first reply, first agent reply) and SLA
  // breaches, observed when the provider accepts a reply; optional.
  cx::CxMetrics* cx_metrics = nullptr;
  // LINE reply tokens: when set, a fresh unused token answers for free
  // instead of a push; optional (always push).
  ReplyTokens* reply_tokens = nullptr;
  // The first-response target of a priority class (cx.first_response_sla).
  std::function<absl::Duration(absl::string_view priority)> first_response_sla;
};

// Attribute of a reply (UTC ms) before which it is not sent.
inline constexpr absl::string_view kNotBeforeAttribute = "omnigate.not_before_ms";

// The sender's "sink": the partition worker hands it one reply per call and
// it sends the reply to the channel's API. The worker keeps per-conversation
// order, acknowledges only after a final answer and dead-letters; this class
// turns a provider's answer into what the worker should do:
//   sent        -> OK (the provider id is recorded for receipts and GetStatus)
//   throttled   -> the connector or recipient is paused for the time asked;
//                  retried then without spending an attempt
//   transient   -> UNAVAILABLE: backoff, counted attempts
//   connector   -> the connector is paused (bad token, blocked account):
//                  retried after the pause without spending attempts
//   permanent,
//   policy      -> status FAILED recorded and a FAILED status event appended
//                  to the conversation; FAILED_PRECONDITION: dead letter
// Sends wait for the shared rate limiter's slot first. Thread-safe.
class ChannelSink final : public dispatch::SinkClient {
 public:
  ChannelSink(ChannelSinkOptions options, ChannelSinkDeps deps);
  ~ChannelSink() override;

  void Deliver(std::shared_ptr<const omnigate::v1::DeliverRequest> request, absl::Duration timeout,
               Done done) override;

  // Finishes what waits for a slot or an answer's bookkeeping (shutdown).
  void Stop();

 private:
  struct Job;
  void Start(std::shared_ptr<Job> job);
  // The rate limiter's answer for `job` (any thread): send, wait or retry.
  void Reserved(std::shared_ptr<Job> job, absl::StatusOr<outbound::RateDecision> decision);
  void Call(std::shared_ptr<Job> job);
  // On the HTTP client's thread: classifies the answer; a sent reply is
  // recorded from here (no Redis wait), anything else goes to the finisher.
  void Answered(std::shared_ptr<Job> job, outbound::HttpResponse response);
  // On the finisher thread: what the answer asks beyond a plain record.
  void Finish(std::shared_ptr<Job> job, outbound::SendOutcome outcome);
  // The provider accepted the reply: record it, then tell the worker.
  void Sent(std::shared_ptr<Job> job, const outbound::SendOutcome& outcome);
  // Records the failure, appends the FAILED status event, then dead-letters.
  void FailForGood(std::shared_ptr<Job> job, const std::string& code, const std::string& message);
  void ObserveResponseTimes(const omnigate::v1::Event& reply,
                            const conversations::SentRecord& recorded) const;

  const ChannelSinkOptions options_;
  const ChannelSinkDeps deps_;
  UuidV7Generator ids_;
  DelayQueue slots_{"og-slots"};        // sends waiting for their booked rate-limit slot
  DelayQueue finisher_{"og-finisher"};  // answers' Redis bookkeeping, off the HTTP thread
};

// The FAILED status event the sender appends to a conversation when a reply
// failed for good, so the bot or agent sees it in the stream.
omnigate::v1::Event FailedStatusEvent(const omnigate::v1::Event& reply, const std::string& id,
                                      const std::string& code, const std::string& message,
                                      int64_t now_ms);

}  // namespace omnigate::sender
