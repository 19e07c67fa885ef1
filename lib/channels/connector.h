#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels {

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
};

// "whatsapp" -> CHANNEL_WHATSAPP, ...; CHANNEL_UNSPECIFIED when unknown.
omnigate::v1::Channel ChannelFromName(absl::string_view name);
// CHANNEL_WHATSAPP -> "whatsapp"; the inverse of ChannelFromName.
absl::string_view ChannelName(omnigate::v1::Channel channel);

}  // namespace omnigate::channels
