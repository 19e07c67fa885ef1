#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// Viber bot callbacks: message (text, picture, video, file, sticker,
// contact, url, location), delivered, seen, failed, subscribed,
// unsubscribed, conversation_started; the "webhook" set-up callback is
// answered with nothing queued; other events are kept as unsupported.
// X-Viber-Content-Signature is hex HMAC-SHA256 of the body with the bot's
// auth token; when that header is absent the same MAC is taken from the
// "sig" query parameter, as Viber's official SDK accepts. message_token exceeds 2^53 and is kept as
// a decimal string. Callbacks do not name the bot: the connector's `account_id` (the bot URI) keys
// conversations "viber:<bot>:<user id>".
class ViberAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_VIBER; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
};

}  // namespace omnigate::channels
