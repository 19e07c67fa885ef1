#include "tools/loadgen/loopback.h"

#include <arpa/inet.h>

#include "absl/strings/str_cat.h"

namespace omnigate::loadgen {

absl::StatusOr<HostPort> ParseLoopbackTarget(absl::string_view address) {
  auto parsed = http::ParseHostPort(address);
  if (!parsed.ok()) return parsed.status();
  HostPort out = *std::move(parsed);
  if (out.port == 0) return absl::InvalidArgumentError(absl::StrCat("bad port in '", address, "'"));
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
