#pragma once

#include <chrono>
#include <cstdint>

namespace omnigate::loadgen {

// Open-loop schedule: request i is due at start + i / rate, whatever happened
// to earlier requests. Latency is measured from the due time, not from when
// the request actually left, so a stalled server is charged for the requests
// that queued behind the stall (no coordinated omission).
class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  // rate > 0 requests per second.
  Pacer(double rate, Clock::time_point start) : rate_(rate), start_(start) {}

  // When request `index` (0-based) is due.
  Clock::time_point DueTime(int64_t index) const {
    return start_ + std::chrono::nanoseconds(static_cast<int64_t>(index * 1e9 / rate_));
  }
  // How many requests are due at `now` (indices [0, result) are due).
  int64_t DueCount(Clock::time_point now) const {
    if (now < start_) return 0;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    return static_cast<int64_t>(elapsed * rate_) + 1;
  }
  double rate() const { return rate_; }

 private:
  double rate_;
  Clock::time_point start_;
};

}  // namespace omnigate::loadgen
