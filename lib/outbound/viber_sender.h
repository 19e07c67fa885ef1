#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// Viber REST bot API: POST {api_base_url}/pa/send_message, header
// X-Viber-Auth-Token, JSON. sender.name from settings.from (28 characters),
// tracking_data = outbound id. Text (7,000), picture with caption, video and
// file (need size_bytes), a reply keyboard (up to 24 buttons). Always HTTP
// 200: the outcome is in "status"; message_token is kept as a decimal string.
class ViberSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxText = 7000;
  static constexpr size_t kMaxSenderName = 28;
  static constexpr size_t kMaxButtons = 24;
  static constexpr size_t kMaxTrackingData = 4000;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;
};

}  // namespace omnigate::outbound
