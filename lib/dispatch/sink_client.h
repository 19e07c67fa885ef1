#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "omnigate/v1/sink.grpc.pb.h"

namespace omnigate::dispatch {

// What a failed delivery asks of the worker beyond its status code.
struct RetryHint {
  // Wait at least this long before the next attempt (a provider's
  // Retry-After, a rate limit's next slot).
  absl::Duration after = absl::ZeroDuration();
  // False when the failure is not the events' doing (a throttle, a paused
  // connector): it does not count towards max_attempts.
  bool counts = true;
};

// The downstream seam: one delivery of a batch of events (a Sink.Deliver
// call for the dispatcher; provider sends for the sender). Tests substitute
// fakes.
class SinkClient {
 public:
  using Done = std::function<void(grpc::Status, RetryHint)>;
  virtual ~SinkClient() = default;
  // Starts the call and returns at once; `done` runs exactly once, on any
  // thread, with the call's status (DEADLINE_EXCEEDED after `timeout`) and,
  // on failure, how to retry.
  virtual void Deliver(std::shared_ptr<const omnigate::v1::DeliverRequest> request,
                       absl::Duration timeout, Done done) = 0;
};

// Sink.Deliver over a gRPC channel (callback API: no thread per call).
class GrpcSinkClient final : public SinkClient {
 public:
  // `channel` from grpcutil::MakeChannel(address, security, ChannelArguments()).
  explicit GrpcSinkClient(std::shared_ptr<grpc::Channel> channel);
  // Reconnect quickly after a sink restarts; keep idle connections alive.
  static grpc::ChannelArguments ChannelArguments();
  void Deliver(std::shared_ptr<const omnigate::v1::DeliverRequest> request, absl::Duration timeout,
               Done done) override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<omnigate::v1::Sink::Stub> stub_;
};

// Caps the Deliver calls in flight to one sink over all partitions, so a
// slow sink holds a bounded amount of work (and memory). A worker refused a
// permit asks to be woken when permits free (no polling). Thread-safe.
class InFlightLimiter {
 public:
  // Woken once after permits were released.
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // Called without the limiter's lock; must not block.
    virtual void PermitFreed() = 0;
  };

  explicit InFlightLimiter(int limit) : limit_(limit), wake_batch_(std::max(1, limit / 8)) {}
  bool TryAcquire();
  void Release();
  // Wakes `waiter` once, at the Release() that leaves limit/8 permits (at
  // least one) free, or at once when they are free already. Registering
  // again before that is a no-op.
  void NotifyWhenFree(Waiter* waiter);
  // Forgets `waiter` (before it is destroyed).
  void Forget(Waiter* waiter);
  int in_flight() const { return in_flight_.load(); }

 private:
  void WakeAll();

  const int limit_;
  // Waiters are woken once this many permits are free, not at each one:
  // calls complete in bursts, and waking every starved worker per permit
  // made them take one each and sleep again (a context-switch storm). Every
  // release checks, and the last call in flight frees them all, so waiters
  // are always woken.
  const int wake_batch_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> has_waiters_{false};
  std::mutex mu_;
  std::vector<Waiter*> waiters_;  // guarded by mu_
};

}  // namespace omnigate::dispatch
