#include "lib/outbound/message_checks.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"

namespace omnigate::outbound {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

absl::Status CheckUtf8(absl::string_view channel, absl::string_view what, absl::string_view text) {
  if (IsValidUtf8(text)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(channel, " ", what, " is not valid UTF-8"));
}

absl::Status CheckAllUtf8(absl::string_view channel, absl::string_view what,
                          std::initializer_list<absl::string_view> texts) {
  for (absl::string_view text : texts) {
    if (!IsValidUtf8(text)) {
      return absl::InvalidArgumentError(absl::StrCat(channel, " ", what, " is not valid UTF-8"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckBasics(const OutboundMessage& message, absl::string_view channel,
                         bool templates_allowed) {
  if (message.recipient.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(channel, " message has no recipient"));
  }
  if (message.whatsapp_template && !templates_allowed) {
    return absl::InvalidArgumentError(
        absl::StrCat(channel, " has no WhatsApp templates; send text instead"));
  }
  if (message.text.empty() && message.media.empty() && !message.whatsapp_template) {
    return absl::InvalidArgumentError(absl::StrCat(channel, " message has nothing to send"));
  }
  if (!message.options.empty() && message.text.empty() && message.media.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(channel, " buttons need a text to go with"));
  }
  absl::Status status = CheckUtf8(channel, "text", message.text);
  if (status.ok()) status = CheckUtf8(channel, "subject", message.subject);
  if (status.ok()) {
    status =
        CheckAllUtf8(channel, "ids",
                     {message.recipient, message.outbound_id, message.reply_to_external_id,
                      message.in_reply_to, message.line_reply_token, message.conversation_key});
  }
  if (status.ok() && message.whatsapp_template) {
    const WhatsAppTemplate& t = *message.whatsapp_template;
    status = CheckAllUtf8(channel, "template", {t.name, t.language});
    for (const std::string& p : t.body_parameters) {
      if (status.ok()) status = CheckUtf8(channel, "template parameter", p);
    }
  }
  for (const auto& option : message.options) {
    if (!status.ok()) break;
    if (option.id.empty() || option.title.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(channel, " button needs an id and a title"));
    }
    status = CheckAllUtf8(channel, "button", {option.id, option.title});
  }
  for (const auto& media : message.media) {
    if (!status.ok()) break;
    if (media.url.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(channel, " media item has no url"));
    }
    status = CheckAllUtf8(
        channel, "media item",
        {media.url, media.caption, media.file_name, media.mime_type, media.thumbnail_url});
  }
  return status;
}

absl::Status RequireSetting(absl::string_view channel, absl::string_view name,
                            absl::string_view value) {
  if (!value.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(channel, " connector needs outbound.", name));
}

size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (const char c : text) count += IsContinuation(c) ? 0 : 1;
  return count;
}

std::string TruncateCodePoints(absl::string_view text, size_t max) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuation(text[i])) continue;
    if (seen == max) return std::string(text.substr(0, i));
    ++seen;
  }
  return std::string(text);
}

absl::Status CheckLength(absl::string_view channel, absl::string_view what, absl::string_view text,
                         size_t max) {
  const size_t length = CodePoints(text);
  if (length <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(channel, " ", what, " has ", length, " characters; the limit is ", max));
}

absl::Status CheckCount(absl::string_view channel, absl::string_view what, size_t count,
                        size_t max) {
  if (count <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(channel, " accepts at most ", max, " ", what, "; got ", count));
}

std::string WithNumberedOptions(absl::string_view text, const std::vector<ReplyOption>& options) {
  std::string out(text);
  for (size_t i = 0; i < options.size(); ++i) {
    absl::StrAppend(&out, i == 0 && !out.empty() ? "\n\n" : (i == 0 ? "" : "\n"), i + 1, ". ",
                    options[i].title);
  }
  return out;
}

std::string WithMediaLinks(absl::string_view text, const std::vector<MediaAttachment>& media) {
  std::string out(text);
  for (size_t i = 0; i < media.size(); ++i) {
    absl::StrAppend(&out, i == 0 && !out.empty() ? "\n\n" : (i == 0 ? "" : "\n"));
    if (!media[i].caption.empty()) absl::StrAppend(&out, media[i].caption, ": ");
    absl::StrAppend(&out, media[i].url);
  }
  return out;
}

}  // namespace omnigate::outbound
