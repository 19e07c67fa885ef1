#include "lib/channels/adapter.h"

#include "absl/strings/str_cat.h"
#include "lib/channels/email_adapter.h"
#include "lib/channels/line_adapter.h"
#include "lib/channels/meta_messaging_adapter.h"
#include "lib/channels/telegram_adapter.h"
#include "lib/channels/twilio_adapter.h"
#include "lib/channels/viber_adapter.h"
#include "lib/channels/webchat_adapter.h"
#include "lib/channels/whatsapp_adapter.h"
#include "lib/channels/x_adapter.h"
#include "lib/common/log.h"

namespace omnigate::channels {

absl::StatusOr<HandshakeReply> ChannelAdapter::Handshake(const InboundRequest&) const {
  return absl::NotFoundError("this channel has no GET handshake");
}

absl::StatusOr<std::unique_ptr<ChannelAdapter>> CreateAdapter(
    const connectors::ConnectorSettings& settings, const Clock& clock) {
  return CreateAdapter(settings, clock, AdapterServices{});
}

absl::StatusOr<std::unique_ptr<ChannelAdapter>> CreateAdapter(
    const connectors::ConnectorSettings& settings, const Clock& clock,
    const AdapterServices& services) {
  switch (settings.channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': whatsapp needs 'secret' (the Meta app secret)"));
      }
      return std::make_unique<WhatsAppAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_TELEGRAM:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("connector '", settings.name,
                         "': telegram needs 'secret' (the secret_token given to setWebhook)"));
      }
      return std::make_unique<TelegramAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_LINE:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': line needs 'secret' (the channel secret)"));
      }
      return std::make_unique<LineAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': ", connectors::ChannelName(settings.channel),
            " needs 'secret' (the Meta app secret)"));
      }
      return std::make_unique<MetaMessagingAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_VIBER:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': viber needs 'secret' (the bot's auth token)"));
      }
      return std::make_unique<ViberAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_TWILIO:
      if (settings.secret.empty() || settings.public_url.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name,
            "': twilio needs 'secret' (the auth token) and 'public_url' (the webhook URL as "
            "configured in Twilio; its signature covers it)"));
      }
      return std::make_unique<TwilioAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_X:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': x needs 'secret' (the consumer secret)"));
      }
      return std::make_unique<XAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_WEBCHAT:
      if (settings.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", settings.name, "': webchat needs 'secret' (the site's signing secret)"));
      }
      return std::make_unique<WebchatAdapter>(settings, clock);
    case omnigate::v1::CHANNEL_EMAIL:
      if (settings.provider == "mailgun" && !settings.secret.empty()) {
        // Said once at start-up: operators (and tests) can tell replays of a
        // token within the window are refused, or only stale timestamps.
        OG_LOG(INFO) << "connector=" << settings.name << " mailgun token replay check: "
                     << (services.replay_guard != nullptr ? "on" : "off (timestamp window only)");
        return std::make_unique<EmailAdapter>(settings, clock, services);
      }
      // SendGrid signs nothing: fail closed unless requests carry basic auth.
      if (settings.provider == "sendgrid" && !settings.basic_auth.empty()) {
        return std::make_unique<EmailAdapter>(settings, clock, services);
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "connector '", settings.name,
          "': email needs provider 'mailgun' with 'secret' (the webhook signing key) or provider "
          "'sendgrid' with 'basic_auth' (user:password, also put in the Inbound Parse URL)"));
    default:
      return absl::InvalidArgumentError(absl::StrCat("connector '", settings.name, "': channel '",
                                                     connectors::ChannelName(settings.channel),
                                                     "' is not supported yet"));
  }
}

}  // namespace omnigate::channels
