#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate {

// Lowercase hexadecimal of `data`.
std::string HexEncode(absl::string_view data);
// Decodes hex of either case; nullopt on odd length or a non-hex digit.
std::optional<std::string> HexDecode(absl::string_view hex);

// Standard base64 (RFC 4648 §4) with padding.
std::string Base64Encode(absl::string_view data);
// Strict standard base64 with padding; nullopt on anything else.
std::optional<std::string> Base64Decode(absl::string_view b64);

// True if `data` is well-formed UTF-8 (no overlongs, surrogates or >U+10FFFF).
bool IsValidUtf8(absl::string_view data);

}  // namespace omnigate
