#include "lib/redis/cluster_slot.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace omnigate::redis {
namespace {

// One entry per byte value: the CRC of that byte, so hashing costs one table
// lookup per byte instead of eight shifts.
constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    uint16_t crc = static_cast<uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

}  // namespace

uint16_t Crc16(absl::string_view data) {
  uint16_t crc = 0;
  for (const char c : data) {
    const uint8_t index = static_cast<uint8_t>((crc >> 8) ^ static_cast<uint8_t>(c));
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[index]);
  }
  return crc;
}

absl::string_view HashedPart(absl::string_view key) {
  if (const size_t open = key.find('{'); open != absl::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != absl::string_view::npos && close > open + 1) {
      return key.substr(open + 1, close - open - 1);
    }
  }
  return key;
}

int KeySlot(absl::string_view key) { return Crc16(HashedPart(key)) % kClusterSlots; }

std::string ReplicaMarkKey(absl::string_view key) {
  return absl::StrCat("omnigate:replica-mark:{", HashedPart(key), "}");
}

}  // namespace omnigate::redis
