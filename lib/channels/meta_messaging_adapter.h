#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// Messenger (object "page") and Instagram (object "instagram") webhooks,
// which share the Messenger Platform format: entry[].messaging[] (and
// standby[] when another app owns the thread, and changes[] in dashboard
// test sends) of message, postback, reaction, read, delivery and message
// edit items; others are kept as unsupported. Signed with the Meta app
// secret (X-Hub-Signature-256). Echoes of the business's own sends are
// marked is_echo with role BUSINESS. Conversations are keyed
// "<channel>:<page or IG account id>:<customer id>".
class MetaMessagingAdapter final : public ConnectorAdapter {
 public:
  // `settings.channel` is CHANNEL_MESSENGER or CHANNEL_INSTAGRAM.
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return settings_.channel; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
  absl::StatusOr<HandshakeReply> Handshake(const InboundRequest& request) const override;
};

}  // namespace omnigate::channels
