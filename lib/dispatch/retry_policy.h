#pragma once

#include <grpcpp/support/status_code_enum.h>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"

namespace omnigate::dispatch {

// What the dispatcher does after a failed Sink.Deliver, by status code.
enum class FailureAction {
  kRetry,       // transient: back off and try again (bounded attempts)
  kDeadLetter,  // the sink refuses these events: dead-letter them now
};

// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and ABORTED are retried
// (so are CANCELLED, UNKNOWN and INTERNAL: a crashing sink produces them);
// INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, PERMISSION_DENIED,
// UNIMPLEMENTED and every other code dead-letter at once.
FailureAction ActionFor(grpc::StatusCode code);

// Bounded exponential backoff with jitter: attempt n (1-based) waits a
// uniformly random time in [d/2, d], d = min(max, initial * 2^(n-1)). The
// lower half keeps retries from collapsing to zero; the jitter spreads
// retries of many conversations so a recovering sink is not stampeded.
class BackoffPolicy {
 public:
  BackoffPolicy(absl::Duration initial, absl::Duration max) : initial_(initial), max_(max) {}
  absl::Duration Delay(int attempt, absl::BitGenRef rng) const;
  // The upper bound of Delay(attempt).
  absl::Duration Ceiling(int attempt) const;

 private:
  const absl::Duration initial_;
  const absl::Duration max_;
};

// Stable lowercase name of a status code for metric labels ("unavailable").
const char* CodeName(grpc::StatusCode code);

}  // namespace omnigate::dispatch
