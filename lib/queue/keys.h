#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// Redis key layout. Every key starts with "omnigate:". Keys of one partition
// share the hash tag "{<partition>}" so a partition's stream and dedupe keys
// live in one Redis Cluster slot and one script can touch them all.
namespace omnigate::queue {

// Stream of partition p: entries carry the serialized omnigate.v1.Event in
// field "event".
inline std::string StreamKey(uint32_t partition) {
  return absl::StrCat("omnigate:stream:{", partition, "}");
}

// Idempotency marker of an event; its value is the stream entry id.
inline std::string DedupeKey(uint32_t partition, absl::string_view idempotency_key) {
  return absl::StrCat("omnigate:dedupe:{", partition, "}:", idempotency_key);
}

// Raw requests that could not be normalized, with the reason.
inline constexpr absl::string_view kQuarantineKey = "omnigate:quarantine";

// Field of a stream entry that holds the serialized event.
inline constexpr absl::string_view kEventField = "event";

}  // namespace omnigate::queue
