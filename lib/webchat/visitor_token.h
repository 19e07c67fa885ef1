#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// Who a widget visitor is. Signed into a visitor token:
//   base64url(JSON claims) "." hex(HMAC-SHA256(connector secret, base64url part))
// with claims {"site", "sub", "name", "email", "exp", "anon"}. A site's
// backend signs one for a known customer; omnigate signs one for an anonymous
// visitor when the connector allows it. The token is the only credential the
// browser holds: it names one visitor of one site until it expires and
// reveals nothing of the secret.
struct VisitorClaims {
  std::string site;
  // The visitor id (letters, digits and . _ @ -; at most 128).
  std::string visitor_id;
  std::string name;
  std::string email;
  int64_t expires_at_s = 0;
  // Issued by omnigate to a visitor nobody vouched for.
  bool anonymous = false;
};

// The signed token for `claims`.
std::string SignVisitorToken(const VisitorClaims& claims, absl::string_view secret);

// The claims of a valid token for `site` at `now_s`. UNAUTHENTICATED with a
// short reason ("token_malformed", "token_signature_mismatch",
// "token_expired", "token_wrong_site") otherwise. Tokens valid for longer
// than `max_lifetime_s` are refused too ("token_lifetime_too_long"): a leaked
// token must not live forever.
absl::StatusOr<VisitorClaims> VerifyVisitorToken(absl::string_view token, absl::string_view secret,
                                                 absl::string_view site, int64_t now_s,
                                                 int64_t max_lifetime_s);

// True for ids the widget may use as a visitor id or message id.
bool IsSafeId(absl::string_view id, size_t max_size = 128);

}  // namespace omnigate::webchat
