#include "lib/outbound/http_request.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace omnigate::outbound {

std::string HttpRequest::ForLog() const {
  std::string line = absl::StrCat(method, " ", url);
  for (const std::string& secret : secrets) {
    if (!secret.empty()) absl::StrReplaceAll({{secret, "REDACTED"}}, &line);
  }
  return line;
}

std::optional<absl::string_view> FindHeader(const HeaderList& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return absl::string_view(value);
  }
  return std::nullopt;
}

}  // namespace omnigate::outbound
