#pragma once

#include "lib/common/clock.h"
#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// The omnigate web chat: a JSON POST to api_base_url itself, signed like the
// inbound webhooks (X-Webchat-Signature: t=<unix s>,v1=<hex HMAC-SHA256(
// secret, t "." body)>). The body mirrors the inbound batch: schema_version,
// site_id, delivery_id and one "message.created" event with the session (from
// the "webchat:<site>:<session>" conversation key), text, attachments by URL,
// native quick replies and the author role. Provider id: the outbound id.
class WebchatSender final : public ChannelSender {
 public:
  explicit WebchatSender(const Clock& clock) : clock_(clock) {}

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;

 private:
  const Clock& clock_;
};

}  // namespace omnigate::outbound
