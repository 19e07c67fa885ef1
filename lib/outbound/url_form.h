#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::outbound {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// `base` + `path`, with exactly one '/' between them.
std::string JoinUrl(absl::string_view base, absl::string_view path);

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ is escaped,
// so the result is safe in a path segment or a query value.
std::string PercentEncode(absl::string_view text);

// application/x-www-form-urlencoded, fields in order (space as '+').
std::string FormEncode(const FormFields& fields);

// "Basic " + base64(user ":" password).
std::string BasicAuth(absl::string_view user, absl::string_view password);

}  // namespace omnigate::outbound
