#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/strings/string_view.h"

namespace omnigate::webchat {

// Per-key token buckets in this process (visitor ids, client IPs): `rate`
// tokens per minute, bursts up to one minute's worth. In-process on purpose:
// a refusal costs no Redis round trip and happens before anything is stored;
// with N ingest replicas behind a balancer a key gets at most N times the
// rate, which is still a hard bound for abuse. Thread-safe; memory bounded
// by `max_keys` (full buckets are forgotten first).
class TokenBuckets {
 public:
  explicit TokenBuckets(double per_minute, size_t max_keys = 100000)
      : per_minute_(per_minute), max_keys_(max_keys) {}

  // Takes one token for `key` at `now_ms`; false when the bucket is empty.
  bool TryTake(absl::string_view key, int64_t now_ms);
  // Milliseconds until `key` has a token again (0 when it has one).
  int64_t RetryAfterMs(absl::string_view key, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  Bucket& Refill(absl::string_view key, int64_t now_ms);
  void ForgetFullBuckets(int64_t now_ms);

  const double per_minute_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace omnigate::webchat
