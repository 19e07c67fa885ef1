#pragma once

#include <utility>
#include <vector>

#include "lib/channels/adapter.h"
#include "lib/channels/email_attachments.h"
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
//    token), refused when the timestamp is more than 300 s from now, and
//    (with a ReplayGuard) when its token was used before within that window
//    ("signature_replayed": key omnigate:mgtoken:<token>).
// Attachments (SendGrid attachmentN with attachment-info, Mailgun
// attachment-N, raw MIME parts) become media items: file name, MIME type,
// size, SHA-256, and (stored in the AttachmentStore when at most the
// connector's attachment_max_bytes) a reference in media_id; the mail's
// text is then the caption.
// Event webhooks (a JSON body: SendGrid Event Webhook, Mailgun webhooks)
// become receipts of the business's replies (email_receipts.h), checked
// like the connector's mail (basic_auth; Mailgun's signature object).
// Threads by Message-ID / In-Reply-To / References: the conversation is
// "email:<our address>:<root message id>"; plain text is preferred, and the
// text above quoted history is kept as attribute "text_without_quote".
class EmailAdapter final : public ConnectorAdapter {
 public:
  // What `services` points to (all optional) must outlive the adapter.
  EmailAdapter(connectors::ConnectorSettings settings, const Clock& clock,
               AdapterServices services = {})
      : ConnectorAdapter(std::move(settings), clock), services_(services) {}

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_EMAIL; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  void ForgetAuthentication(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;

  static constexpr int64_t kMaxSkewSeconds = 300;
  // Mailgun tokens are 50 characters; anything far longer is not one.
  static constexpr size_t kMaxTokenBytes = 256;

 private:
  void KeepAttachments(const std::vector<email::Attachment>& attachments,
                       omnigate::v1::Event* event) const;

  const AdapterServices services_;
};

}  // namespace omnigate::channels
