#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace omnigate {

// Rejections of outside input carry a machine-readable reason next to the
// human-readable message, e.g. "json_trailing_data" or
// "missing_required_field:MessageSid". The reason is stored with quarantined
// requests; its family (the part before ':') is the bounded metric label.

// Builds a status with `code`, message "<reason>: <detail>" and the reason
// attached as a payload.
absl::Status Reject(absl::StatusCode code, absl::string_view reason, absl::string_view detail = {});

// Shorthands for the common codes.
inline absl::Status Malformed(absl::string_view reason, absl::string_view detail = {}) {
  return Reject(absl::StatusCode::kInvalidArgument, reason, detail);
}
inline absl::Status Unauthenticated(absl::string_view reason, absl::string_view detail = {}) {
  return Reject(absl::StatusCode::kUnauthenticated, reason, detail);
}

// The reason attached by Reject(); otherwise a reason derived from the code
// ("invalid_argument", "unavailable", ...). Empty for OK.
std::string RejectReason(const absl::Status& status);

// The bounded family of a reason: everything before the first ':'.
absl::string_view ReasonFamily(absl::string_view reason);

}  // namespace omnigate
