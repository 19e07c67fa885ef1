#pragma once

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// Polls `done` until it holds or `timeout` passes; returns its last value.
// Tests wait for outcomes this way instead of sleeping a guessed time.
inline bool WaitFor(const std::function<bool()>& done, absl::Duration timeout,
                    absl::Duration poll = absl::Milliseconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(poll);
  }
  return done();
}

}  // namespace omnigate::testing
