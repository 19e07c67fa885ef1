#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// X (Twitter) Account Activity API webhooks for direct messages:
// direct_message_events (message_create with text, media attachment and
// quick reply responses; `users` gives names; the business's own sends are
// echoes, named by `apps` via source_app_id; t.co links are expanded from
// entities.urls by code-point indices, the text as sent kept in
// attributes.raw_text), direct_message_mark_read_events (read statuses),
// direct_message_indicate_typing_events (KIND_TYPING lifecycle events) and
// user_event (revoke: KIND_UNSUBSCRIBED of the account); other activity kinds
// are kept as unsupported. Signed with the consumer secret
// (x-twitter-webhooks-signature: "sha256=" + base64 HMAC-SHA256 of the
// body). The CRC check (GET ?crc_token=) is answered with the response
// token. Conversations are keyed "x_twitter:<account>:<lower id>-<higher id>".
class XAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_X; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
  absl::StatusOr<HandshakeReply> Handshake(const InboundRequest& request) const override;
};

}  // namespace omnigate::channels
