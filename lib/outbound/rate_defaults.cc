#include "lib/outbound/rate_defaults.h"

#include <algorithm>
#include <cmath>

#include "lib/connectors/outbound_defaults.h"

namespace omnigate::outbound {
namespace {

// A tenth of a second's worth: a multi-part reply leaves at once, yet no
// one-second window sees more than 1.1 times the provider's rate.
int ConnectorBurst(double rate_per_s) {
  return std::max(1, static_cast<int>(std::floor(rate_per_s / 10)));
}

// Reference section 0.2.
int RecipientBurst(omnigate::v1::Channel channel) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      // Pair limit ~1 per 6 s; "bursts up to 45 in 6 s borrow future quota"
      // [bsp, unconfirmed]. We borrow far less: a reply of a few parts.
      return 10;
    case omnigate::v1::CHANNEL_TELEGRAM:
      // "We may allow short bursts" over 1/s per chat, no number [doc: FAQ].
      return 3;
    default:
      // Messenger/IG limit "too many messages to a single thread" without a
      // number; Viber caps 100 per user per hour without a reply: both are
      // left to the provider's throttle answers.
      return 1;
  }
}

}  // namespace

RateDefaults DefaultRates(omnigate::v1::Channel channel) {
  return RatesFor(channel, connectors::DefaultRatePerSecond(channel),
                  connectors::DefaultRecipientRatePerSecond(channel));
}

RateDefaults RatesFor(omnigate::v1::Channel channel, double connector_rate_per_s,
                      double recipient_rate_per_s) {
  RateDefaults out;
  out.connector_rate_per_s = connector_rate_per_s;
  out.connector_burst = ConnectorBurst(connector_rate_per_s);
  out.recipient_rate_per_s = recipient_rate_per_s;
  out.recipient_burst = recipient_rate_per_s > 0 ? RecipientBurst(channel) : 1;
  return out;
}

}  // namespace omnigate::outbound
