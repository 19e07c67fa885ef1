#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/common/headers.h"
#include "lib/common/uuid.h"
#include "lib/cx/cx_metrics.h"
#include "lib/ingest/ingest_metrics.h"
#include "lib/queue/backlog.h"
#include "lib/queue/event_queue.h"
#include "omnigate/v1/event.pb.h"
#include "omnigate/v1/ingest.pb.h"

namespace omnigate::ingest {

struct IngestOptions {
  uint32_t partitions = 16;
  size_t max_body_bytes = 1 << 20;
  // Events in one Publish request or one webhook.
  size_t max_events_per_request = 5000;
  // When set, requests with an event for an overloaded partition are refused
  // with RESOURCE_EXHAUSTED (503 + Retry-After to channels): nothing of them
  // is stored, so nothing acknowledged is ever trimmed away undelivered.
  const queue::BacklogGuard* backlog = nullptr;
  // Webhooks read while the HTTP loop lags more than this (the CPU cannot
  // keep up) are refused at once with 503 + Retry-After, before their
  // signature and body are checked: refusing costs far less than the work,
  // so goodput holds and queues stay short. Zero turns it off.
  absl::Duration max_loop_lag = absl::ZeroDuration();
  // Counts conversations opened and reopened by customer messages; optional.
  cx::CxMetrics* cx_metrics = nullptr;
};

// A configured connector and its adapter.
struct Connector {
  connectors::ConnectorSettings settings;
  std::unique_ptr<channels::ChannelAdapter> adapter;
};

// A channel request as received over HTTP or gRPC Receive.
struct WebhookCall {
  std::string connector;
  std::string method = "POST";
  std::string query;
  Headers headers;
  std::string body;
  // Request::loop_lag of the HTTP server (zero over gRPC).
  absl::Duration loop_lag;
};

// The answer, in HTTP terms (gRPC maps `status`).
struct WebhookAnswer {
  // OK, or the reason the request was refused.
  absl::Status status;
  int http_status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<omnigate::v1::EnqueueResult> results;
  // Authentic but deliberately not queued (kept in quarantine), answered 200.
  bool ignored = false;
};

using WebhookDone = std::function<void(WebhookAnswer)>;
using PublishDone = std::function<void(absl::StatusOr<std::vector<omnigate::v1::EnqueueResult>>)>;

// The ingest use case, independent of transport: connector lookup, size and
// authenticity checks, normalization, quarantine of malformed input, and
// enqueueing with dedupe. Answers only after storage confirmed every event.
// Thread-safe; never blocks (completion is a callback, run on a storage
// thread or inline).
class IngestPipeline {
 public:
  IngestPipeline(IngestOptions options, std::vector<Connector> connectors, queue::EventQueue* queue,
                 const Clock& clock, IngestMetrics* metrics);

  // A webhook (POST) or handshake (GET). `done` runs exactly once.
  void HandleWebhook(WebhookCall call, Transport transport, WebhookDone done);

  // Canonical events from a backend. Each event needs channel,
  // conversation_key and external_id or idempotency_key; id and
  // received_at_ms are assigned when empty. `done` runs exactly once.
  void Publish(std::vector<omnigate::v1::Event> events, PublishDone done);

  // Ready = storage healthy and not draining.
  bool ready() const { return !draining_.load() && queue_->healthy(); }
  // Readiness goes false at once; requests keep being served.
  void StartDraining() { draining_.store(true); }
  // Requests received and not yet answered.
  int64_t in_flight() const { return in_flight_.load(); }

 private:
  const Connector* FindConnector(const std::string& name) const;
  void HandlePost(const Connector& connector, WebhookCall call, absl::Time start, WebhookDone done);
  void HandleGet(const Connector& connector, const WebhookCall& call, absl::Time start,
                 WebhookDone done);
  void QuarantineAndAnswer(const Connector* connector, WebhookCall call, absl::Status reason,
                           int http_status, Outcome outcome, absl::Time start, WebhookDone done);
  void Finish(Transport transport, const std::string& connector, Outcome outcome, absl::Time start,
              WebhookAnswer answer, const WebhookDone& done);
  // Assigns ids and envelope fields, serializes, partitions and enqueues.
  void Store(std::vector<omnigate::v1::Event> events,
             std::function<void(absl::StatusOr<std::vector<omnigate::v1::EnqueueResult>>)> done);

  const IngestOptions options_;
  std::map<std::string, Connector> connectors_;
  queue::EventQueue* const queue_;
  const Clock& clock_;
  UuidV7Generator ids_;
  IngestMetrics* const metrics_;
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> in_flight_{0};
};

// The HTTP status for a pipeline or storage error.
int HttpStatusFor(const absl::Status& status);

}  // namespace omnigate::ingest
