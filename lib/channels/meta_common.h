#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/channels/adapter.h"

namespace omnigate::channels {

// Shared by the Meta platforms (WhatsApp, Messenger, Instagram).

// Checks X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(app secret, raw
// body), compared in constant time. UNAUTHENTICATED with reason
// "signature_missing", "signature_malformed" or "signature_mismatch".
absl::Status VerifyMetaSignature(const InboundRequest& request, absl::string_view app_secret);

// Answers the subscription handshake GET ?hub.mode=subscribe&
// hub.verify_token=...&hub.challenge=...: the challenge echoed with 200 when
// the token matches; PERMISSION_DENIED (403) when it does not or no token is
// configured; INVALID_ARGUMENT when the parameters are missing.
absl::StatusOr<HandshakeReply> MetaHandshake(const InboundRequest& request,
                                             absl::string_view verify_token);

}  // namespace omnigate::channels
