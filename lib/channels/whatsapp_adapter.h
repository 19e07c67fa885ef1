#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// WhatsApp Cloud API webhooks (object "whatsapp_business_account"):
// every message and status of every change of every entry, signed with the
// Meta app secret (X-Hub-Signature-256). Conversations are keyed
// "whatsapp:<phone_number_id>:<customer>", the customer being the wa_id or,
// for users known only by a business-scoped user id, that id.
class WhatsAppAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_WHATSAPP; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
  absl::StatusOr<HandshakeReply> Handshake(const InboundRequest& request) const override;
};

}  // namespace omnigate::channels
