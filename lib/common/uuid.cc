#include "lib/common/uuid.h"

#include <mutex>
#include <random>

namespace omnigate {
namespace {

// Per-thread state: no lock on the hot path. Monotonicity is per thread, which
// is all UUIDv7 promises; ids of different threads still sort by millisecond.
struct ThreadState {
  std::mt19937_64 rng{std::random_device{}()};
  int64_t last_ms = -1;
  uint16_t counter = 0;
};

}  // namespace

UuidV7Generator::UuidV7Generator(const Clock& clock) : clock_(clock) {}

std::string UuidV7Generator::Next() {
  thread_local ThreadState state;
  int64_t ms = clock_.NowMs();
  if (ms <= state.last_ms) {
    // Same (or earlier: clock stepped back) millisecond: bump the counter and,
    // once it wraps, borrow the next millisecond so order is kept.
    ms = state.last_ms;
    if (++state.counter > 0x0fff) {
      state.counter = 0;
      ms = ++state.last_ms;
    }
  } else {
    state.last_ms = ms;
    state.counter = static_cast<uint16_t>(state.rng() & 0x03ff);  // random start, room to grow
  }
  const uint64_t rand = state.rng();
  uint8_t b[16];
  for (int i = 0; i < 6; ++i)
    b[i] = static_cast<uint8_t>(static_cast<uint64_t>(ms) >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((state.counter >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(state.counter & 0xff);
  b[8] = static_cast<uint8_t>(0x80 | ((rand >> 56) & 0x3f));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(rand >> (8 * (15 - i)));
  return FormatUuid(b);
}

std::string FormatUuid(const uint8_t bytes[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

}  // namespace omnigate
