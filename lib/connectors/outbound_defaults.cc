#include "lib/connectors/outbound_defaults.h"

namespace omnigate::connectors {

absl::string_view DefaultApiBaseUrl(omnigate::v1::Channel channel, absl::string_view provider) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM:
      return "https://graph.facebook.com/v21.0";
    case omnigate::v1::CHANNEL_TELEGRAM:
      return "https://api.telegram.org";
    case omnigate::v1::CHANNEL_LINE:
      return "https://api.line.me";
    case omnigate::v1::CHANNEL_TWILIO:
      return "https://api.twilio.com";
    case omnigate::v1::CHANNEL_VIBER:
      return "https://chatapi.viber.com";
    case omnigate::v1::CHANNEL_X:
      return "https://api.x.com";
    case omnigate::v1::CHANNEL_EMAIL:
      if (provider == "sendgrid") return "https://api.sendgrid.com";
      if (provider == "mailgun") return "https://api.mailgun.net";
      return "";
    default:
      return "";
  }
}

// Numbers from reference/outbound-apis.md, sections 0.2 and 10.1.
double DefaultRatePerSecond(omnigate::v1::Channel channel) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      return 80;  // per business number; upgraded numbers get 1,000, coexistence 20
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM:
      return 300;  // per Page / IG account for text; audio and video are 10/s
    case omnigate::v1::CHANNEL_TELEGRAM:
      return 30;  // per bot, bulk
    case omnigate::v1::CHANNEL_LINE:
      return 2000;  // per channel for the push/reply endpoints
    case omnigate::v1::CHANNEL_TWILIO:
      return 1;  // US long code: 1 segment/s; short codes do 100+
    case omnigate::v1::CHANNEL_VIBER:
      // Viber documents no per-bot send rate: a conservative guess.
      return 50;
    case omnigate::v1::CHANNEL_X:
      // 200 per 15 min per user (0.22/s), kept a little under. The 1,000 per
      // 24 h cap is lower on average and is left to the 429 back-off.
      return 0.2;
    case omnigate::v1::CHANNEL_EMAIL:
      // SendGrid and Mailgun publish no number; their 429s steer the rest.
      return 100;
    case omnigate::v1::CHANNEL_WEBCHAT:
      return 1000;  // the site's own backend
    default:
      return 0;
  }
}

double DefaultRecipientRatePerSecond(omnigate::v1::Channel channel) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      return 1.0 / 6;  // pair limit: about one message per 6 s per recipient
    case omnigate::v1::CHANNEL_TELEGRAM:
      return 1;  // about one message per second per chat
    default:
      return 0;
  }
}

}  // namespace omnigate::connectors
