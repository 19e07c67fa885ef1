#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// Twilio Messages: POST {api_base_url}/2010-04-01/Accounts/{account}/
// Messages.json, form encoded, HTTP Basic account:token. To, From (or
// MessagingServiceSid for an "MG..." sender), Body (1,600 characters) with
// buttons as numbered text, MediaUrl per item (up to 10), StatusCallback
// with ?out=<outbound id> when configured. Provider id: sid.
class TwilioSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxBody = 1600;
  static constexpr size_t kMaxMedia = 10;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;
};

}  // namespace omnigate::outbound
