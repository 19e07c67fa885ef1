#pragma once

#include "absl/status/statusor.h"

namespace omnigate::testing {

// grpc.health.v1.Health/Check for service "" on 127.0.0.1:port, by hand:
// Debian ships no generated health client. 1 = SERVING, 2 = NOT_SERVING;
// an error when the server cannot be reached within a second.
absl::StatusOr<int> HealthStatus(int port);

}  // namespace omnigate::testing
