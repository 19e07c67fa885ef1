#pragma once

#include "lib/common/clock.h"
#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// X API v2 direct messages: POST {api_base_url}/2/dm_conversations/with/
// {participant}/messages, Bearer user token, {"text"}. Text only (media
// needs a prior upload by the same user); buttons as numbered text.
// Provider id: data.dm_event_id. 429 waits until x-rate-limit-reset.
class XSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxText = 10000;

  explicit XSender(const Clock& clock) : clock_(clock) {}

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;

 private:
  const Clock& clock_;
};

}  // namespace omnigate::outbound
