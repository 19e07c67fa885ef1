#include "lib/outbound/sender_factory.h"

#include "lib/connectors/outbound_defaults.h"
#include "lib/outbound/line_sender.h"
#include "lib/outbound/mailgun_sender.h"
#include "lib/outbound/messenger_sender.h"
#include "lib/outbound/sendgrid_sender.h"
#include "lib/outbound/telegram_sender.h"
#include "lib/outbound/twilio_sender.h"
#include "lib/outbound/viber_sender.h"
#include "lib/outbound/webchat_sender.h"
#include "lib/outbound/whatsapp_sender.h"
#include "lib/outbound/x_sender.h"

namespace omnigate::outbound {

std::unique_ptr<ChannelSender> SenderFor(omnigate::v1::Channel channel, absl::string_view provider,
                                         const Clock& clock) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      return std::make_unique<WhatsAppSender>();
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM:
      return std::make_unique<MessengerSender>(channel);
    case omnigate::v1::CHANNEL_TELEGRAM:
      return std::make_unique<TelegramSender>();
    case omnigate::v1::CHANNEL_LINE:
      return std::make_unique<LineSender>();
    case omnigate::v1::CHANNEL_TWILIO:
      return std::make_unique<TwilioSender>();
    case omnigate::v1::CHANNEL_VIBER:
      return std::make_unique<ViberSender>();
    case omnigate::v1::CHANNEL_X:
      return std::make_unique<XSender>(clock);
    case omnigate::v1::CHANNEL_EMAIL:
      if (provider == "sendgrid") return std::make_unique<SendGridSender>(clock);
      if (provider == "mailgun") return std::make_unique<MailgunSender>();
      return nullptr;
    case omnigate::v1::CHANNEL_WEBCHAT:
      return std::make_unique<WebchatSender>(clock);
    default:
      return nullptr;
  }
}

absl::string_view DefaultApiBaseUrl(omnigate::v1::Channel channel, absl::string_view provider) {
  return connectors::DefaultApiBaseUrl(channel, provider);
}

}  // namespace omnigate::outbound
