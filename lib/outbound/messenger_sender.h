#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// Messenger Send API, also used for Instagram (Messenger API for Instagram):
// POST {api_base_url}/{account or "me"}/messages?access_token={page token}.
// With an Instagram Login base URL (graph.instagram.com) the token goes in a
// Bearer header instead. messaging_type RESPONSE, or MESSAGE_TAG +
// HUMAN_AGENT when message.human_agent. Text, one attachment by URL (no
// caption: Messenger attachments carry no text), quick replies (up to 13,
// title 20).
class MessengerSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxMessengerText = 2000;
  static constexpr size_t kMaxInstagramText = 1000;
  static constexpr size_t kMaxQuickReplies = 13;
  static constexpr size_t kMaxQuickReplyTitle = 20;

  explicit MessengerSender(omnigate::v1::Channel channel) : channel_(channel) {}

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;

 private:
  bool instagram() const { return channel_ == omnigate::v1::CHANNEL_INSTAGRAM; }

  omnigate::v1::Channel channel_;
};

}  // namespace omnigate::outbound
