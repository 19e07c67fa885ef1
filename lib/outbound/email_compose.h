#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/outbound/outbound_message.h"

namespace omnigate::outbound {

// What both e-mail providers send, worked out once: a threaded subject
// ("Re: " when answering), In-Reply-To / References with angle brackets (the
// parent's References, then the parent), and a plain-text body with media as
// links and buttons as numbered lines.
struct EmailParts {
  std::string subject;
  std::string in_reply_to;  // "" when not a reply
  std::string references;   // space separated, "" when not a reply
  std::string text;
};

// INVALID_ARGUMENT for a missing subject, a recipient that is not one plain
// address, or CR/LF in anything that becomes a header (header injection).
absl::StatusOr<EmailParts> ComposeEmail(const OutboundMessage& message, absl::string_view channel);

// "<id>" for "id" or "<id>".
std::string WithAngles(absl::string_view id);
// "Name <addr>" -> {"Name", "addr"}; "addr" -> {"", "addr"}.
std::pair<std::string, std::string> SplitAddress(absl::string_view from);

}  // namespace omnigate::outbound
