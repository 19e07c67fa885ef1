#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// Twilio Programmable Messaging webhooks (SMS, MMS and WhatsApp), form
// encoded: inbound messages (Body, NumMedia with MediaUrlN /
// MediaContentTypeN, WhatsApp locations and buttons) and status callbacks
// (MessageStatus with ErrorCode). X-Twilio-Signature is base64 HMAC-SHA1,
// keyed by the auth token, of the connector's `public_url` (plus the query
// string Twilio called with) followed by every POST parameter name and value
// sorted by name. Twilio sends no timestamp: receipt time is used.
// Conversations are keyed "twilio_<sms|whatsapp>:<business number>:<customer>".
class TwilioAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_TWILIO; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
};

}  // namespace omnigate::channels
