#include "lib/channels/signature.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {

absl::Status VerifyMacHeader(const InboundRequest& request, absl::string_view header,
                             absl::string_view prefix, MacEncoding encoding,
                             absl::FunctionRef<std::string()> expected_mac) {
  std::optional<absl::string_view> value;
  if (request.headers != nullptr) value = request.headers->Get(header);
  if (!value || value->empty()) {
    return Unauthenticated("signature_missing", absl::StrCat(header, " header is absent"));
  }
  absl::string_view text = absl::StripAsciiWhitespace(*value);
  if (!absl::StartsWithIgnoreCase(text, prefix)) {
    return Unauthenticated("signature_malformed",
                           absl::StrCat(header, " must start with ", prefix));
  }
  text.remove_prefix(prefix.size());
  std::optional<std::string> given =
      encoding == MacEncoding::kHex ? HexDecode(text) : Base64Decode(text);
  // Only the canonical base64 of a MAC: the unused bits of its last character
  // must be zero, so one MAC has one spelling (no malleable signatures).
  if (given && encoding == MacEncoding::kBase64 && Base64Encode(*given) != text) given.reset();
  const std::string expected = expected_mac();
  if (!given || given->size() != expected.size()) {
    return Unauthenticated(
        "signature_malformed",
        absl::StrCat(header, " is not a ", encoding == MacEncoding::kHex ? "hex" : "base64",
                     " MAC of ", expected.size(), " bytes"));
  }
  if (!crypto::ConstantTimeEquals(*given, expected)) {
    return Unauthenticated("signature_mismatch",
                           absl::StrCat(header, " does not match the request"));
  }
  return absl::OkStatus();
}

int64_t ReceiptTimeMs(const InboundRequest& request, const Clock& clock) {
  return request.received_at_ms > 0 ? request.received_at_ms : clock.NowMs();
}

}  // namespace omnigate::channels
