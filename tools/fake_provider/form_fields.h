#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace omnigate::fakeprovider {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// An application/x-www-form-urlencoded body or a query string, decoded
// ('+' is a space, %XX a byte). Lenient: a bad escape is kept as written,
// since the fake records what it got rather than judging it.
FormFields ParseForm(absl::string_view text);

// The first value of `name`, or "" when absent.
std::string FormValue(const FormFields& fields, absl::string_view name);

}  // namespace omnigate::fakeprovider
