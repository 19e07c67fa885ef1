#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/connectors/connector.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::outbound {

// The `outbound:` block of a connector (DESIGN.md "Config") plus the signing
// secret the web chat reuses.
struct SenderSettings {
  // Provider API root, e.g. https://graph.facebook.com/v21.0; send paths are
  // appended to it.
  std::string api_base_url;
  // Bearer / bot / channel access token, API key, or Twilio auth token.
  std::string token;
  // WhatsApp phone_number_id, Page or IG id, Twilio Account SID, Mailgun domain.
  std::string account;
  // Twilio sender (number or MessagingServiceSid "MG..."), e-mail From
  // ("Name <addr>" or addr), Viber sender.name.
  std::string from;
  // Web chat signing secret (the connector's `secret`).
  std::string secret;
  // Twilio only: the ingest status webhook; the outbound id is appended as ?out=.
  std::string status_callback_url;
};

// The settings a sender needs from a configured connector: its `outbound:`
// block and, for the web chat, its signing secret. An empty api_base_url
// falls back to the channel's default (settings not built by the config).
SenderSettings SenderSettingsFor(const connectors::ConnectorSettings& connector);

struct MediaAttachment {
  omnigate::v1::MediaItem::Kind kind = omnigate::v1::MediaItem::KIND_UNSPECIFIED;
  std::string url;
  std::string caption;
  std::string file_name;
  std::string mime_type;
  // Preview image (LINE video preview, Viber thumbnail); optional.
  std::string thumbnail_url;
  uint64_t size_bytes = 0;   // Viber video/file need it
  uint32_t duration_ms = 0;  // LINE audio needs it
};

// A button or quick reply: `id` comes back as the payload, `title` is shown.
struct ReplyOption {
  std::string id;
  std::string title;
};

struct WhatsAppTemplate {
  std::string name;
  std::string language;  // "en_US"
  std::vector<std::string> body_parameters;
};

// Everything a ChannelSender needs for one provider call. Built from a queued
// Event with FromEvent(), then completed by the sender service with what only
// it knows (window state, reply token freshness, templates).
struct OutboundMessage {
  omnigate::v1::Channel channel = omnigate::v1::CHANNEL_UNSPECIFIED;
  SenderSettings settings;
  // The gateway's id of this reply (Event.id); reused on every retry.
  std::string outbound_id;
  std::string conversation_key;
  // Channel user id, phone (Twilio "+1..." or "whatsapp:+1...") or e-mail address.
  std::string recipient;
  std::string text;
  std::vector<MediaAttachment> media;
  std::vector<ReplyOption> options;
  std::optional<WhatsAppTemplate> whatsapp_template;
  // The customer's message this one answers (channel external id).
  std::string reply_to_external_id;
  std::string locale;
  // Title of the WhatsApp list button when options do not fit reply buttons.
  std::string list_button_title = "Options";

  // E-mail: subject of the thread and the parent's ids (with or without <>).
  std::string subject;
  std::string in_reply_to;
  std::vector<std::string> references;

  // LINE: the inbound event's reply token and whether it is still fresh
  // (single use, about one minute); otherwise the message is pushed.
  std::string line_reply_token;
  bool line_reply_token_usable = false;

  // Messenger/Instagram: a human agent answering outside the 24 h window
  // (MESSAGE_TAG HUMAN_AGENT, allowed for 7 days); else messaging_type RESPONSE.
  bool human_agent = false;
};

// Converts what a queued reply Event carries: id, channel, conversation key,
// recipient (e-mail address / phone preferred where the channel needs them),
// text, media, an interactive option, locale, reply_to; attributes "subject",
// "references" (space separated) and "reply_token" (LINE, not marked usable).
// INVALID_ARGUMENT for payloads that are not sendable messages.
absl::StatusOr<OutboundMessage> FromEvent(const omnigate::v1::Event& event,
                                          const SenderSettings& settings);

}  // namespace omnigate::outbound
