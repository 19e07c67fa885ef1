#include "lib/webchat/visitor_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"
#include "lib/webchat/base64url.h"
#include "lib/webchat/json_out.h"

namespace omnigate::webchat {
namespace {

constexpr size_t kMaxTokenBytes = 2048;
constexpr size_t kMaxNameBytes = 100;
constexpr size_t kMaxEmailBytes = 200;

absl::Status Refuse(absl::string_view reason) {
  return Unauthenticated(reason, "visitor token refused");
}

std::string MacOf(absl::string_view payload, absl::string_view secret) {
  return HexEncode(crypto::HmacSha256(secret, payload));
}

}  // namespace

bool IsSafeId(absl::string_view id, size_t max_size) {
  if (id.empty() || id.size() > max_size) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::string SignVisitorToken(const VisitorClaims& claims, absl::string_view secret) {
  JsonOut json;
  json.BeginObject().Field("site", claims.site).Field("sub", claims.visitor_id);
  if (!claims.name.empty()) json.Field("name", claims.name);
  if (!claims.email.empty()) json.Field("email", claims.email);
  json.IntField("exp", claims.expires_at_s);
  if (claims.anonymous) json.BoolField("anon", true);
  json.EndObject();
  const std::string payload = Base64UrlEncode(json.Take());
  return absl::StrCat(payload, ".", MacOf(payload, secret));
}

absl::StatusOr<VisitorClaims> VerifyVisitorToken(absl::string_view token, absl::string_view secret,
                                                 absl::string_view site, int64_t now_s,
                                                 int64_t max_lifetime_s) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Refuse("token_malformed");
  const size_t dot = token.find('.');
  if (dot == absl::string_view::npos) return Refuse("token_malformed");
  const absl::string_view payload = token.substr(0, dot);
  const absl::string_view mac = token.substr(dot + 1);
  // The MAC first: nothing of an unsigned payload is even parsed.
  const std::optional<std::string> given = HexDecode(mac);
  if (!given || given->size() != 32) return Refuse("token_malformed");
  if (!crypto::ConstantTimeEquals(*given, crypto::HmacSha256(secret, payload))) {
    return Refuse("token_signature_mismatch");
  }
  const std::optional<std::string> text = Base64UrlDecode(payload);
  if (!text) return Refuse("token_malformed");
  auto doc = json::ParseStrictObject(*text);
  if (!doc.ok()) return Refuse("token_malformed");
  VisitorClaims claims;
  if (!json::RequireString(**doc, "site", &claims.site).ok() ||
      !json::RequireString(**doc, "sub", &claims.visitor_id).ok() ||
      !json::GetString(**doc, "name", &claims.name).ok() ||
      !json::GetString(**doc, "email", &claims.email).ok() ||
      !json::GetInt64(**doc, "exp", &claims.expires_at_s).ok() ||
      !json::GetBool(**doc, "anon", &claims.anonymous).ok()) {
    return Refuse("token_malformed");
  }
  if (!IsSafeId(claims.visitor_id) || claims.name.size() > kMaxNameBytes ||
      claims.email.size() > kMaxEmailBytes) {
    return Refuse("token_malformed");
  }
  if (claims.site != site) return Refuse("token_wrong_site");
  if (claims.expires_at_s <= now_s) return Refuse("token_expired");
  if (claims.expires_at_s - now_s > max_lifetime_s) return Refuse("token_lifetime_too_long");
  return claims;
}

}  // namespace omnigate::webchat
