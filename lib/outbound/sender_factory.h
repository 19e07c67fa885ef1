#pragma once

#include <memory>

#include "absl/strings/string_view.h"
#include "lib/common/clock.h"
#include "lib/outbound/channel_sender.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::outbound {

// The sender for a connector's channel; `provider` picks the e-mail service
// ("sendgrid" or "mailgun"). nullptr for a channel or provider without one
// (CHANNEL_INTERNAL, an unknown e-mail provider). `clock` (signatures, rate
// limit resets) must outlive the sender.
std::unique_ptr<ChannelSender> SenderFor(omnigate::v1::Channel channel,
                                         absl::string_view provider = "",
                                         const Clock& clock = SystemClock::Get());

// The provider's public API root, used when a connector sets no
// outbound.api_base_url; "" for the web chat (each site has its own). Same as
// connectors::DefaultApiBaseUrl, which the config uses.
absl::string_view DefaultApiBaseUrl(omnigate::v1::Channel channel, absl::string_view provider = "");

}  // namespace omnigate::outbound
