#include "lib/common/headers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace omnigate {

void Headers::Add(absl::string_view name, absl::string_view value) {
  entries_.emplace_back(absl::AsciiStrToLower(name), std::string(value));
}

std::optional<absl::string_view> Headers::Get(absl::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (absl::EqualsIgnoreCase(n, name)) return absl::string_view(v);
  }
  return std::nullopt;
}

}  // namespace omnigate
