#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::channels {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes (and '+' as space when `plus_as_space`).
// Malformed("form_bad_escape") for a truncated or non-hex escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_as_space);

// Parses a query string or an application/x-www-form-urlencoded body into
// name/value pairs in their order, repeated names kept. An empty input gives
// no pairs; "a" alone gives ("a", "").
absl::StatusOr<FormParams> ParseUrlEncoded(absl::string_view text);

// The first value of `name`, or nullptr.
const std::string* FindParam(const FormParams& params, absl::string_view name);

}  // namespace omnigate::channels
