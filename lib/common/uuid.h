#pragma once

#include <cstdint>
#include <string>

#include "lib/common/clock.h"

namespace omnigate {

// Generates UUIDv7 strings (RFC 9562): 48-bit Unix milliseconds, then random
// bits, so ids sort by creation time. Within one millisecond a 12-bit counter
// keeps ids from one generator strictly increasing. Thread-safe.
class UuidV7Generator {
 public:
  explicit UuidV7Generator(const Clock& clock);
  // Canonical lowercase form: 8-4-4-4-12 hex digits.
  std::string Next();

 private:
  const Clock& clock_;
};

// Formats the 16 bytes of a UUID in canonical form.
std::string FormatUuid(const uint8_t bytes[16]);

}  // namespace omnigate
