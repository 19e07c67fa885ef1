#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// RFC 4648 §5 base64url without padding (what JWT-style tokens use, so a
// site's backend can produce it with its standard library).
std::string Base64UrlEncode(absl::string_view data);
// Accepts input with or without padding; nullopt on anything else.
std::optional<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace omnigate::webchat
