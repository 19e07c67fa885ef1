#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// grpc.health.v1.Health/Check for service "" on 127.0.0.1:port, by hand:
// Debian ships no generated health client. 1 = SERVING, 2 = NOT_SERVING;
// an error when the server does not answer within `deadline`.
absl::StatusOr<int> HealthStatus(int port, absl::Duration deadline = absl::Seconds(1));

// Polls HealthStatus until it reports `status`; false after `timeout`.
bool WaitForHealth(int port, int status, absl::Duration timeout);

}  // namespace omnigate::testing
