#pragma once

#include "lib/http/http_types.h"
#include "lib/ingest/ingest_pipeline.h"

namespace omnigate::ingest {

// The ingest HTTP surface:
//   POST /webhooks/{connector}   channel webhooks
//   GET  /webhooks/{connector}   subscription handshakes (Meta hub.challenge)
//   GET  /healthz                liveness: the process serves requests
//   GET  /readyz                 readiness: Redis reachable and not draining
// Everything else is 404. Thread-safe.
class WebhookHttpHandler final : public http::Handler {
 public:
  // `pipeline` must outlive the handler.
  explicit WebhookHttpHandler(IngestPipeline* pipeline) : pipeline_(pipeline) {}
  void Handle(http::Request request, http::Responder respond) override;

 private:
  IngestPipeline* const pipeline_;
};

}  // namespace omnigate::ingest
