#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels::email {

// Receipts for mail the business sent, from the providers' event webhooks
// (JSON), as opposed to inbound mail (forms). Each becomes a Status event
// whose target_external_id is exactly the id the send adapter recorded from
// the provider's send answer, so ingest can link it to the reply:
//  - SendGrid Event Webhook: a JSON array of events; `sg_message_id` is the
//    send answer's X-Message-Id followed by a per-recipient suffix
//    ("<x-message-id>.filter…" or ".recvd-…"), cut by SendGridMessageId().
//  - Mailgun webhooks: one JSON object, `signature` {timestamp, token,
//    signature} plus `event-data`; message.headers.message-id is the send
//    answer's `id` without its angle brackets (stripped on both sides).
// The reply's conversation comes back in the custom argument
// "conversation_key" (SendGrid custom_args, Mailgun v: variables) that
// lib/outbound/{sendgrid,mailgun}_sender.cc set: ingest stores a receipt in
// its conversation's partition, where the sender recorded the provider id.

// Whether `body` is an event webhook (a JSON object or array) rather than an
// inbound mail (multipart or urlencoded form).
bool IsEventWebhook(absl::string_view body);

// SendGrid's X-Message-Id within an Event Webhook sg_message_id.
std::string SendGridMessageId(absl::string_view sg_message_id);

// Mailgun's signature fields inside a JSON webhook; empty when absent.
struct MailgunSignature {
  std::string timestamp;
  std::string token;
  std::string signature;
};
MailgunSignature MailgunJsonSignature(absl::string_view body);

// Appends one event per SendGrid event in `body`.
absl::Status AppendSendGridEvents(absl::string_view body, const std::string& connector,
                                  int64_t received_at_ms, std::vector<omnigate::v1::Event>* out);

// Appends the event of a Mailgun webhook `body`.
absl::Status AppendMailgunEvent(absl::string_view body, const std::string& connector,
                                int64_t received_at_ms, std::vector<omnigate::v1::Event>* out);

}  // namespace omnigate::channels::email
