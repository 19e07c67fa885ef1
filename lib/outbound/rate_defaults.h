#pragma once

#include "omnigate/v1/event.pb.h"

namespace omnigate::outbound {

// The send limits of one connector: a connector-wide rate and, where the
// provider has one, a rate per recipient. A burst is how many sends may go
// back to back before the rate spaces them (at least 1).
struct RateDefaults {
  double connector_rate_per_s = 0;  // 0 = no limit
  int connector_burst = 1;
  double recipient_rate_per_s = 0;  // 0 = no limit
  int recipient_burst = 1;
};

// Per-channel limits: the rates are connectors::DefaultRatePerSecond and
// DefaultRecipientRatePerSecond (the config fills the same numbers); the
// bursts are ours (reference/outbound-apis.md has none but WhatsApp's pair
// burst). All zero for channels without a sender.
RateDefaults DefaultRates(omnigate::v1::Channel channel);

// A connector's limits at configured rates (0 = no limit): the bursts follow
// the rates as in DefaultRates.
RateDefaults RatesFor(omnigate::v1::Channel channel, double connector_rate_per_s,
                      double recipient_rate_per_s);

}  // namespace omnigate::outbound
