#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::connectors {

// The `outbound:` block of a connector: how replies are sent on it. The
// config fills api_base_url and the rates with per-channel defaults
// (outbound_defaults.h) when they are absent.
struct OutboundSettings {
  // Provider API root; send paths are appended to it. Tests point it at a fake.
  std::string api_base_url;
  // Bearer / bot / channel access token, API key, or Twilio auth token.
  std::string token;
  // WhatsApp phone_number_id, Page or IG id, Twilio Account SID, Mailgun domain.
  std::string account;
  // Twilio sender (number or MessagingServiceSid), e-mail From, Viber sender name.
  std::string from;
  // Twilio only: where Twilio posts delivery status (StatusCallback).
  std::string status_callback_url;
  // Connector-wide send rate, messages per second.
  double rate_per_s = 0;
  // Sends per second to one recipient; 0 = no per-recipient limit.
  double recipient_rate_per_s = 0;
};

// One configured channel account: the `connectors[]` entry of the config.
// Secrets arrive here already expanded from the environment.
struct ConnectorSettings {
  // URL name: POST /webhooks/{name}.
  std::string name;
  omnigate::v1::Channel channel = omnigate::v1::CHANNEL_UNSPECIFIED;
  // The channel's signing secret (Meta app secret, LINE channel secret, ...).
  std::string secret;
  // Meta GET handshake token.
  std::string verify_token;
  // Public URL the channel calls, for signatures that cover it (Twilio).
  std::string public_url;
  // E-mail only: "sendgrid" or "mailgun".
  std::string provider;
  // "user:password" when requests must carry HTTP basic auth.
  std::string basic_auth;
  // Channel account id when the payload does not name it (Telegram bot id,
  // Viber bot name, web chat site): used in conversation keys.
  std::string account_id;
  // E-mail only: attachments up to this size are stored in Redis (fetched
  // with `omnigatectl attachment get REF`); larger ones are kept as
  // metadata with a reason. 0 stores none.
  uint64_t attachment_max_bytes = 5 << 20;
  // How long stored attachments are kept.
  int64_t attachment_ttl_seconds = 7 * 24 * 3600;
  // How omnigate-sender replies on this connector.
  OutboundSettings outbound;
};

// "whatsapp" -> CHANNEL_WHATSAPP, ...; CHANNEL_UNSPECIFIED when unknown.
omnigate::v1::Channel ChannelFromName(absl::string_view name);
// CHANNEL_WHATSAPP -> "whatsapp"; the inverse of ChannelFromName.
absl::string_view ChannelName(omnigate::v1::Channel channel);

}  // namespace omnigate::connectors
