#include "lib/outbound/outbound_message.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/connectors/outbound_defaults.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::Event;

std::string RecipientOf(const Event& event) {
  const auto& to = event.recipient();
  if (event.channel() == omnigate::v1::CHANNEL_EMAIL && !to.email().empty()) return to.email();
  if (!to.id().empty()) return to.id();
  if (!to.phone().empty()) return to.phone();
  return to.email();
}

std::string Attribute(const Event& event, const std::string& key) {
  const auto it = event.attributes().find(key);
  return it == event.attributes().end() ? std::string() : it->second;
}

}  // namespace

SenderSettings SenderSettingsFor(const connectors::ConnectorSettings& connector) {
  const connectors::OutboundSettings& out = connector.outbound;
  SenderSettings settings;
  settings.api_base_url =
      out.api_base_url.empty()
          ? std::string(connectors::DefaultApiBaseUrl(connector.channel, connector.provider))
          : out.api_base_url;
  settings.token = out.token;
  settings.account = out.account;
  settings.from = out.from;
  settings.secret = connector.secret;
  settings.status_callback_url = out.status_callback_url;
  return settings;
}

absl::StatusOr<OutboundMessage> FromEvent(const Event& event, const SenderSettings& settings) {
  OutboundMessage message;
  message.channel = event.channel();
  message.settings = settings;
  message.outbound_id = event.id();
  message.conversation_key = event.conversation_key();
  message.recipient = RecipientOf(event);
  message.reply_to_external_id = event.reply_to_external_id();
  message.locale = event.locale();
  message.human_agent = false;  // the sender decides (ChannelSink: agent replies)
  message.subject = Attribute(event, "subject");
  for (absl::string_view id :
       absl::StrSplit(Attribute(event, "references"), ' ', absl::SkipEmpty())) {
    message.references.emplace_back(id);
  }
  if (event.channel() == omnigate::v1::CHANNEL_EMAIL) {
    message.in_reply_to = event.reply_to_external_id();
  }
  message.line_reply_token = Attribute(event, "reply_token");

  switch (event.payload_case()) {
    case Event::kText:
      message.text = event.text().body();
      for (const auto& option : event.text().options()) {
        message.options.push_back({option.id(), option.title()});
      }
      break;
    case Event::kTemplate: {
      WhatsAppTemplate& t = message.whatsapp_template.emplace();
      t.name = event.template_().name();
      t.language = event.template_().language();
      t.body_parameters.assign(event.template_().parameters().begin(),
                               event.template_().parameters().end());
      break;
    }
    case Event::kMedia:
      message.text = event.media().caption();
      for (const auto& item : event.media().items()) {
        MediaAttachment& media = message.media.emplace_back();
        media.kind = item.kind();
        media.url = item.url();
        media.caption = item.caption();
        media.file_name = item.file_name();
        media.mime_type = item.mime_type();
        media.size_bytes = item.size_bytes();
        media.duration_ms = item.duration_ms();
      }
      break;
    case Event::kInteractive:
      // An outbound interactive offers one option; its description is the prompt.
      message.text = event.interactive().description().empty() ? event.interactive().title()
                                                               : event.interactive().description();
      message.options.push_back({event.interactive().id(), event.interactive().title()});
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "event ", event.id(), " carries payload ", static_cast<int>(event.payload_case()),
          ", which is not a sendable message (text, media, interactive or template)"));
  }
  return message;
}

}  // namespace omnigate::outbound
