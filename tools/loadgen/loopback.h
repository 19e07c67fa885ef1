#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/http/listen_address.h"

namespace omnigate::loadgen {

using HostPort = http::HostPort;

// Parses HOST:PORT ([::1]:PORT for IPv6) and refuses anything that is not a
// loopback address (127.0.0.0/8, ::1, localhost): the load generator must
// never be pointed at someone else's server. INVALID_ARGUMENT otherwise.
absl::StatusOr<HostPort> ParseLoopbackTarget(absl::string_view address);

}  // namespace omnigate::loadgen
