#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace omnigate::http {

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;
};

// Parses "host:port", "[v6]:port" or ":port" (all interfaces).
// INVALID_ARGUMENT naming the problem otherwise.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

}  // namespace omnigate::http
