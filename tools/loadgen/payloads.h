#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::loadgen {

// One webhook request as the channel would send it: body plus the headers
// that authenticate it.
struct WebhookRequest {
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string query;  // without '?'; empty for every supported channel today
};

// Builds unique, correctly signed single-message webhooks for one channel.
// Uniqueness: the message id embeds `run_id` and the sequence number, so a
// run never trips ingest's dedupe and reruns never collide.
struct WebhookSpec {
  omnigate::v1::Channel channel = omnigate::v1::CHANNEL_WHATSAPP;
  std::string secret;
  // Twilio signs the public URL configured on the connector.
  std::string public_url;
  // Approximate size of the text in each message (at least a few bytes).
  size_t text_bytes = 64;
  std::string run_id = "run";
  // Sender spread: the message of sequence i comes from customer i % senders.
  int senders = 1000;
};

// The channels BuildWebhook supports: all of them (e-mail as Mailgun's
// signed form; SendGrid authenticates by basic auth, not a signature).
bool SupportsWebhookChannel(omnigate::v1::Channel channel);

// The request for sequence number `seq`, signed at `unix_seconds` where the
// scheme carries a timestamp (web chat). INVALID_ARGUMENT for an unsupported
// channel.
absl::StatusOr<WebhookRequest> BuildWebhook(const WebhookSpec& spec, int64_t seq,
                                            int64_t unix_seconds);

// A canonical event as a backend would Publish it: unique external id, one of
// `conversations` conversation keys, a text of about `text_bytes`.
omnigate::v1::Event BuildEvent(absl::string_view run_id, int64_t seq, int conversations,
                               size_t text_bytes);

}  // namespace omnigate::loadgen
