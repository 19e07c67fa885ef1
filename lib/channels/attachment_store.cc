#include "lib/channels/attachment_store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {

std::string AttachmentRef(absl::string_view bytes) {
  return absl::StrCat("att_", HexEncode(crypto::Sha256(bytes)));
}

absl::StatusOr<std::string> AttachmentKey(absl::string_view ref) {
  // Only our own references: a key outside omnigate:attachment: can never
  // be named.
  bool hex = absl::StartsWith(ref, "att_") && ref.size() == 4 + 64;
  for (size_t i = 4; hex && i < ref.size(); ++i) {
    hex =
        absl::ascii_isdigit(static_cast<unsigned char>(ref[i])) || (ref[i] >= 'a' && ref[i] <= 'f');
  }
  if (!hex) return absl::InvalidArgumentError("not an attachment reference (att_<64 hex digits>)");
  return absl::StrCat("omnigate:attachment:", ref);
}

}  // namespace omnigate::channels
