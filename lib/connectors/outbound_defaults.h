#pragma once

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

// Per-channel defaults of a connector's `outbound:` block. They live here, not
// in lib/outbound, so the config can fill them without depending on senders.
namespace omnigate::connectors {

// The provider's public API root; `provider` picks the e-mail service
// ("sendgrid" or "mailgun"). "" for the web chat (each site has its own) and
// for channels or providers without one.
absl::string_view DefaultApiBaseUrl(omnigate::v1::Channel channel, absl::string_view provider = "");

// Connector-wide send rate (messages per second) the provider documents, or a
// conservative guess where it documents none. 0 for channels without a sender.
double DefaultRatePerSecond(omnigate::v1::Channel channel);

// Sends per second to one recipient where the provider documents a
// per-recipient limit; 0 = none.
double DefaultRecipientRatePerSecond(omnigate::v1::Channel channel);

}  // namespace omnigate::connectors
