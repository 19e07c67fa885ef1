#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace omnigate::channels {

// Remembers one-time values (signing tokens) for a while, so a request
// signed with one can be accepted once only. Thread-safe.
class ReplayGuard {
 public:
  virtual ~ReplayGuard() = default;

  // OK when `key` was not seen within its ttl (it is now remembered for
  // `ttl`); ALREADY_EXISTS when it was; UNAVAILABLE when the store cannot
  // tell.
  virtual absl::Status Claim(absl::string_view key, absl::Duration ttl) = 0;
  // Forgets `key` (the request that claimed it was not stored).
  virtual absl::Status Release(absl::string_view key) = 0;
};

}  // namespace omnigate::channels
