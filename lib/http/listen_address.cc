#include "lib/http/listen_address.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace omnigate::http {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("address '", address, "' has no ':port'"));
  }
  HostPort out;
  absl::string_view host = address.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' has an unclosed '['"));
    }
    host = host.substr(1, host.size() - 2);
  }
  out.host = host.empty() ? "0.0.0.0" : std::string(host);
  uint32_t port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("address '", address, "' has a bad port"));
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace omnigate::http
