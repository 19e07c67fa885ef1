#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// X (Twitter) Account Activity API webhooks for direct messages:
// direct_message_events (message_create with text, media attachment and
// quick reply responses; `users` gives names) and
// direct_message_mark_read_events; typing indicators are not queued; other
// activity kinds are kept as unsupported. Signed with the consumer secret
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
