#pragma once

#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// Mailgun: POST {api_base_url}/v3/{account = domain}/messages, HTTP Basic
// api:key, form encoded (no file parts: media go as links). from, to, a
// threaded subject, text, h:In-Reply-To, h:References, our own
// h:Message-Id <outbound_id@domain> and v:outbound_id so webhooks can be
// matched. Send options (h:, v:) are limited to 16 KB in total. Provider id:
// "id" without angle brackets, as Mailgun's webhooks show it.
class MailgunSender final : public ChannelSender {
 public:
  static constexpr size_t kMaxOptionBytes = 16 * 1024;

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;
};

}  // namespace omnigate::outbound
