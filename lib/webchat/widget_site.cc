#include "lib/webchat/widget_site.h"

#include <algorithm>

#include "lib/common/reject.h"

namespace omnigate::webchat {
namespace {

// Site backends may sign tokens for at most this long.
constexpr int64_t kMaxSignedTokenLifetimeS = 30 * 24 * 3600;

}  // namespace

absl::StatusOr<VisitorClaims> WidgetSite::Verify(absl::string_view token, int64_t now_s) const {
  // Anonymous sessions may be configured to live longer than site tokens.
  const int64_t max_lifetime_s =
      std::max(kMaxSignedTokenLifetimeS, absl::ToInt64Seconds(widget.session_ttl));
  auto claims = VerifyVisitorToken(token, settings.secret, site, now_s, max_lifetime_s);
  if (!claims.ok()) return claims.status();
  if (claims->anonymous && !widget.allow_anonymous) {
    return Unauthenticated("anonymous_not_allowed", "this connector needs a token from the site");
  }
  return claims;
}

}  // namespace omnigate::webchat
