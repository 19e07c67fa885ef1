#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// The omnigate web chat widget protocol (docs/channels.md, "Web chat"): a JSON batch
// {schema_version, site_id, delivery_id, sent_at, events[]} of
// message.created, message.edited (an Edit of a client_message_id),
// message.read (a READ status per server_message_id the site's replies
// carried), session.started, session.ended and rating.submitted events;
// other types are kept as unsupported. Signed by the site's backend:
// X-Webchat-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// t + "." + body)>, refused when t is more than 300 s from now (replay).
// Messages are deduped by the widget's client_message_id, which it reuses on
// every retry. Conversations are keyed "webchat:<site>:<session id>".
class WebchatAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_WEBCHAT; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;

  // How far the signature time may be from ours.
  static constexpr int64_t kMaxSkewSeconds = 300;
};

}  // namespace omnigate::channels
