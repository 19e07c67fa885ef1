#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// WhatsApp Cloud API: POST {api_base_url}/{account}/messages, Bearer token.
// Text (preview_url off), one media item by link with caption, reply buttons
// (up to 3, title 20) or a list (up to 10 rows, title 24), templates with
// body parameters, reply context; the outbound id rides in
// biz_opaque_callback_data so status webhooks can be matched.
class WhatsAppSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxText = 4096;
  static constexpr size_t kMaxCaption = 1024;  // also interactive body
  static constexpr size_t kMaxButtons = 3;
  static constexpr size_t kMaxButtonTitle = 20;
  static constexpr size_t kMaxListRows = 10;
  static constexpr size_t kMaxRowTitle = 24;
  static constexpr size_t kMaxCallbackData = 512;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;
};

}  // namespace omnigate::outbound
