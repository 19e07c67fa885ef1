#include "lib/loadgen/loopback.h"

#include <arpa/inet.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace omnigate::loadgen {

absl::StatusOr<HostPort> ParseLoopbackTarget(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("expected HOST:PORT, got '", address, "'"));
  }
  HostPort out;
  absl::string_view host = address.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  out.host = std::string(host);
  if (!absl::SimpleAtoi(address.substr(colon + 1), &out.port) || out.port <= 0 ||
      out.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in '", address, "'"));
  }
  bool loopback = out.host == "localhost";
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, out.host.c_str(), &v4) == 1) {
    loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, out.host.c_str(), &v6) == 1) {
    loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  }
  if (!loopback) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing non-loopback target '", address,
                     "': omnigate-loadgen only loads servers on this machine"));
  }
  if (out.host == "localhost") out.host = "127.0.0.1";
  return out;
}

}  // namespace omnigate::loadgen
