#include "lib/channels/meta_common.h"

#include "lib/channels/form_encoding.h"
#include "lib/channels/signature.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {

absl::Status VerifyMetaSignature(const InboundRequest& request, absl::string_view app_secret) {
  return VerifyMacHeader(request, "x-hub-signature-256", "sha256=", MacEncoding::kHex,
                         [&] { return crypto::HmacSha256(app_secret, request.body); });
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
