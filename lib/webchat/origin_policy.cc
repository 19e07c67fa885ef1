#include "lib/webchat/origin_policy.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace omnigate::webchat {

bool OriginPolicy::Allows(const Headers& headers) const {
  const std::optional<absl::string_view> origin = headers.Get("origin");
  if (!origin) return true;
  for (const std::string& allowed : allowed_) {
    if (*origin == allowed) return true;
  }
  // Our own pages: the origin names the host the request was sent to.
  const std::optional<absl::string_view> host = headers.Get("host");
  if (host && !host->empty()) {
    return *origin == absl::StrCat("http://", *host) || *origin == absl::StrCat("https://", *host);
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> OriginPolicy::CorsHeaders(const Headers& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::optional<absl::string_view> origin = headers.Get("origin");
  if (!origin) return out;
  out.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  out.emplace_back("Vary", "Origin");
  out.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  out.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  out.emplace_back("Access-Control-Max-Age", "600");
  return out;
}

}  // namespace omnigate::webchat
