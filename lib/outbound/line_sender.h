#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// LINE Messaging API, Bearer channel access token, JSON. While the inbound
// reply token is usable: POST {api_base_url}/v2/bot/message/reply (free, no
// retry key allowed). Otherwise POST .../push {"to"} with X-Line-Retry-Key =
// the outbound id as a UUID, so retries are executed once (409 = already
// accepted). Up to 5 message objects: media (image; video with a thumbnail;
// audio with a duration) then its caption as a text message; quick reply
// items (up to 13, label 20) on the last one.
class LineSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxText = 5000;
  static constexpr size_t kMaxMessages = 5;
  static constexpr size_t kMaxQuickReplies = 13;
  static constexpr size_t kMaxLabel = 20;
  static constexpr size_t kMaxPostbackData = 300;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;

  // `id` itself when it already is a UUID (lowercased), else a UUID derived
  // from its SHA-256 (stable, so every retry carries the same key).
  static std::string RetryKey(absl::string_view id);
};

}  // namespace omnigate::outbound
