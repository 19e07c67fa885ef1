#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// Inbound e-mail through a provider, chosen by the connector's `provider`:
//  - "sendgrid": Inbound Parse (multipart/form-data), parsed mode (text,
//    headers, charsets per field) or raw mode (the whole MIME message in
//    `email`). SendGrid signs nothing: set `basic_auth` on the connector and
//    in the Parse URL.
//  - "mailgun": routes forward() (urlencoded, or multipart with
//    attachments); `signature` = hex HMAC-SHA256(signing key, timestamp +
//    token), refused when the timestamp is more than 300 s from now.
// Threads by Message-ID / In-Reply-To / References: the conversation is
// "email:<our address>:<root message id>"; plain text is preferred, and the
// text above quoted history is kept as attribute "text_without_quote".
class EmailAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_EMAIL; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;

  static constexpr int64_t kMaxSkewSeconds = 300;
};

}  // namespace omnigate::channels
