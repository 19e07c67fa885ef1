#pragma once

#include "lib/common/clock.h"
#include "lib/outbound/channel_sender.h"

namespace omnigate::outbound {

// SendGrid v3: POST {api_base_url}/v3/mail/send, Bearer API key, JSON with
// one personalization, from (settings.from, "Name <addr>" allowed), a
// threaded subject, text/plain content, In-Reply-To / References headers,
// custom_args.outbound_id for event webhooks. Success is 202 with an empty
// body: the id is the X-Message-Id header.
class SendGridSender final : public ChannelSender {
 public:
  explicit SendGridSender(const Clock& clock) : clock_(clock) {}

  absl::StatusOr<HttpRequest> Build(const OutboundMessage& message) const override;
  SendOutcome Classify(const OutboundMessage& message, const HttpResponse& response) const override;

 private:
  const Clock& clock_;
};

}  // namespace omnigate::outbound
