#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"
#include "lib/common/stable_hash.h"

namespace omnigate::queue {

// The partition of a conversation: stable across processes and builds, so
// every ingest replica puts a conversation's events in the same stream.
inline uint32_t PartitionOf(absl::string_view conversation_key, uint32_t partitions) {
  return static_cast<uint32_t>(StableHash64(conversation_key) % partitions);
}

}  // namespace omnigate::queue
