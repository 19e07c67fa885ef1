#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "tools/loadgen/driver.h"
#include "tools/loadgen/histogram.h"

namespace omnigate::loadgen {

struct RunOptions {
  // Closed loop: this many requests in flight, each completion sends the
  // next. Open loop (rate > 0): the most requests allowed in flight; a due
  // request beyond it is counted as dropped (the client gave up), which
  // keeps an overloaded run from growing memory without bound.
  int concurrency = 16;
  // Requests per second; 0 = closed loop.
  double rate = 0;
  // Bounds: stop sending after `count` requests (0 = no bound) or after
  // `duration`, whichever comes first. In-flight requests are then awaited
  // (at most `drain_timeout`).
  int64_t count = 0;
  absl::Duration duration = absl::Seconds(10);
  absl::Duration drain_timeout = absl::Seconds(10);
  // A live line on stderr once a second (rate, errors, p50/p99).
  bool progress = false;
  std::string label = "load";
};

// Latency and outcome counts, shared by the completion threads.
class RunStats {
 public:
  // `latency_ns` from the request's due time (open loop) or send time
  // (closed loop); `service_ns` from when it was handed to the driver.
  void Record(int64_t latency_ns, int64_t service_ns, Outcome outcome);
  void CountDropped();
  // Totals so far, and the interval since the last call (for progress).
  struct Snapshot {
    int64_t ok = 0;
    int64_t shed = 0;
    int64_t errors = 0;  // errors and drops
    LatencyHistogram interval;
  };
  Snapshot TakeInterval();
  LatencyHistogram total() const;
  LatencyHistogram shed_latency() const;
  LatencyHistogram shed_service_latency() const;
  int64_t ok() const;
  int64_t shed() const;
  int64_t errors() const;
  int64_t dropped() const;

 private:
  mutable std::mutex mu_;
  LatencyHistogram total_;         // accepted requests
  LatencyHistogram shed_latency_;  // refused for load: how fast the refusal came
  // The same from the send, without the time an open loop that fell behind
  // its schedule spent before sending: how fast the server refused.
  LatencyHistogram shed_service_latency_;
  LatencyHistogram interval_;
  int64_t ok_ = 0;
  int64_t shed_ = 0;
  int64_t errors_ = 0;
  int64_t dropped_ = 0;
};

struct RunResult {
  int64_t sent = 0;
  int64_t ok = 0;
  int64_t shed = 0;     // refused by the server for load
  int64_t errors = 0;   // other failures
  int64_t dropped = 0;  // open loop: not sent, the client's in-flight cap was full
  // From the first send to the last completion.
  double seconds = 0;
  LatencyHistogram latency;       // accepted requests
  LatencyHistogram shed_latency;  // refused requests
  LatencyHistogram shed_service_latency;
};

// Drives `driver` under `options` and waits for the end.
RunResult RunLoad(Driver* driver, const RunOptions& options);

}  // namespace omnigate::loadgen
