#include "lib/outbound/email_compose.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/message_checks.h"

namespace omnigate::outbound {
namespace {

absl::Status NoLineBreaks(absl::string_view channel, absl::string_view what,
                          absl::string_view value) {
  if (value.find_first_of("\r\n") == absl::string_view::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(channel, " ", what, " contains a line break"));
}

}  // namespace

std::string WithAngles(absl::string_view id) {
  id = absl::StripAsciiWhitespace(id);
  if (absl::StartsWith(id, "<") && absl::EndsWith(id, ">")) return std::string(id);
  return absl::StrCat("<", id, ">");
}

std::pair<std::string, std::string> SplitAddress(absl::string_view from) {
  from = absl::StripAsciiWhitespace(from);
  const size_t open = from.rfind('<');
  if (open == absl::string_view::npos || !absl::EndsWith(from, ">")) return {"", std::string(from)};
  absl::string_view name = absl::StripAsciiWhitespace(from.substr(0, open));
  name = absl::StripSuffix(absl::StripPrefix(name, "\""), "\"");
  return {std::string(name), std::string(from.substr(open + 1, from.size() - open - 2))};
}

absl::StatusOr<EmailParts> ComposeEmail(const OutboundMessage& message, absl::string_view channel) {
  OG_RETURN_IF_ERROR(CheckBasics(message, channel));
  const std::string& to = message.recipient;
  if (!absl::StrContains(to, "@") || to.find_first_of(" ,;<>\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(channel, " recipient must be one plain e-mail address"));
  }
  OG_RETURN_IF_ERROR(NoLineBreaks(channel, "subject", message.subject));
  OG_RETURN_IF_ERROR(NoLineBreaks(channel, "In-Reply-To", message.in_reply_to));
  EmailParts parts;
  absl::string_view parent = absl::StripAsciiWhitespace(message.in_reply_to);
  std::vector<std::string> references;
  for (const std::string& id : message.references) {
    OG_RETURN_IF_ERROR(NoLineBreaks(channel, "References", id));
    if (!absl::StripAsciiWhitespace(id).empty()) references.push_back(WithAngles(id));
  }
  if (!parent.empty()) {
    parts.in_reply_to = WithAngles(parent);
    if (references.empty() || references.back() != parts.in_reply_to) {
      references.push_back(parts.in_reply_to);
    }
  }
  parts.references = absl::StrJoin(references, " ");

  absl::string_view subject = absl::StripAsciiWhitespace(message.subject);
  if (subject.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(channel, " message needs a subject"));
  }
  const bool replying = !parts.in_reply_to.empty();
  const bool has_re = subject.size() >= 3 && absl::EqualsIgnoreCase(subject.substr(0, 3), "re:");
  parts.subject = replying && !has_re ? absl::StrCat("Re: ", subject) : std::string(subject);
  parts.text = WithNumberedOptions(WithMediaLinks(message.text, message.media), message.options);
  return parts;
}

}  // namespace omnigate::outbound
