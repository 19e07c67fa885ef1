#include "lib/channels/meta_common.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "lib/channels/form_encoding.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {

absl::Status VerifyMetaSignature(const InboundRequest& request, absl::string_view app_secret) {
  std::optional<absl::string_view> header;
  if (request.headers != nullptr) header = request.headers->Get("x-hub-signature-256");
  if (!header || header->empty()) {
    return Unauthenticated("signature_missing", "X-Hub-Signature-256 header is absent");
  }
  constexpr absl::string_view kPrefix = "sha256=";
  absl::string_view value = absl::StripAsciiWhitespace(*header);
  if (!absl::StartsWithIgnoreCase(value, kPrefix) || value.size() != kPrefix.size() + 64) {
    return Unauthenticated("signature_malformed", "expected sha256=<64 hex digits>");
  }
  const std::optional<std::string> given = HexDecode(value.substr(kPrefix.size()));
  if (!given) return Unauthenticated("signature_malformed", "signature is not hex");
  const std::string expected = crypto::HmacSha256(app_secret, request.body);
  if (!crypto::ConstantTimeEquals(*given, expected)) {
    return Unauthenticated("signature_mismatch", "X-Hub-Signature-256 does not match the body");
  }
  return absl::OkStatus();
}

absl::StatusOr<HandshakeReply> MetaHandshake(const InboundRequest& request,
                                             absl::string_view verify_token) {
  auto params = ParseUrlEncoded(request.query);
  if (!params.ok()) return params.status();
  const std::string* mode = FindParam(*params, "hub.mode");
  const std::string* token = FindParam(*params, "hub.verify_token");
  const std::string* challenge = FindParam(*params, "hub.challenge");
  if (mode == nullptr || token == nullptr || challenge == nullptr || *mode != "subscribe") {
    return Malformed("handshake_bad_params",
                     "expected hub.mode=subscribe, hub.verify_token and hub.challenge");
  }
  // No configured token means no handshake can succeed: never accept "".
  if (verify_token.empty() || !crypto::ConstantTimeEquals(*token, verify_token)) {
    return Reject(absl::StatusCode::kPermissionDenied, "handshake_token_mismatch",
                  "hub.verify_token does not match the connector's verify_token");
  }
  HandshakeReply reply;
  reply.body = *challenge;
  return reply;
}

}  // namespace omnigate::channels
