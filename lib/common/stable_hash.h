#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace omnigate {

// FNV-1a, 64 bit. Used where a hash must be identical in every process and
// every build (partitioning): std::hash and absl::Hash are not.
constexpr uint64_t StableHash64(absl::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : data) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace omnigate
