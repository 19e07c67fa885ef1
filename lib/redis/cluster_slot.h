#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace omnigate::redis {

// Redis Cluster splits the key space into this many hash slots.
inline constexpr int kClusterSlots = 16384;

// CRC16/XMODEM (polynomial 0x1021, initial value 0): the checksum Redis
// Cluster hashes keys with. Crc16("123456789") == 0x31C3.
uint16_t Crc16(absl::string_view data);

// The hash slot of `key` (0..16383). A hash tag decides it when present: the
// part between the first '{' and the first '}' after it, if not empty, so
// keys sharing a tag ("omnigate:stream:{7}", "omnigate:lock:{7}") share a
// slot and can go into one script or transaction.
int KeySlot(absl::string_view key);

// The part of `key` its slot is hashed from: the hash tag when there is one,
// else the whole key.
absl::string_view HashedPart(absl::string_view key);

// A key in the same slot as `key` for omnigate's own bookkeeping (the
// replicated-acknowledgement mark): "omnigate:replica-mark:{<hashed part>}".
std::string ReplicaMarkKey(absl::string_view key);

}  // namespace omnigate::redis
