#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace omnigate::channels {

// Keeps attachment bytes for a while so they can be fetched later by
// reference (omnigatectl attachment get REF). Thread-safe.
class AttachmentStore {
 public:
  virtual ~AttachmentStore() = default;

  // Stores `bytes` for `ttl` and returns their reference. The same bytes
  // give the same reference (a redelivered mail stores nothing new).
  virtual absl::StatusOr<std::string> Put(absl::string_view bytes, absl::Duration ttl) = 0;
};

// The reference of `bytes`: "att_" + lowercase hex SHA-256.
std::string AttachmentRef(absl::string_view bytes);

// The Redis key an attachment is kept under: "omnigate:attachment:<ref>".
// INVALID_ARGUMENT for a string that is not a reference.
absl::StatusOr<std::string> AttachmentKey(absl::string_view ref);

}  // namespace omnigate::channels
