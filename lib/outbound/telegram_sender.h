#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// Telegram Bot API: POST {api_base_url}/bot{token}/sendMessage (sendPhoto,
// sendVideo, sendAudio, sendVoice, sendDocument, sendSticker for one media
// item by URL with caption), JSON. Buttons as an inline keyboard
// (callback_data = option id, 1-64 bytes); reply_parameters from a
// "<chat>:<message>" reply_to id. Provider id: "<chat_id>:<message_id>".
class TelegramSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxText = 4096;
  static constexpr size_t kMaxCaption = 1024;
  static constexpr size_t kMaxCallbackDataBytes = 64;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;
};

}  // namespace omnigate::outbound
