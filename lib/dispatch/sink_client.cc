#include "lib/dispatch/sink_client.h"

#include <algorithm>
#include <utility>

namespace omnigate::dispatch {

grpc::ChannelArguments GrpcSinkClient::ChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetMaxSendMessageSize(64 << 20);
  return args;
}

GrpcSinkClient::GrpcSinkClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)), stub_(omnigate::v1::Sink::NewStub(channel_)) {}

void GrpcSinkClient::Deliver(std::shared_ptr<const omnigate::v1::DeliverRequest> request,
                             absl::Duration timeout, Done done) {
  // Everything the call needs lives until its completion runs.
  struct Call {
    grpc::ClientContext context;
    std::shared_ptr<const omnigate::v1::DeliverRequest> request;
    omnigate::v1::DeliverResponse response;
    Done done;
  };
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->done = std::move(done);
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  // Fail fast while the sink is down instead of queueing in the channel.
  call->context.set_wait_for_ready(false);
  stub_->async()->Deliver(
      &call->context, call->request.get(), &call->response,
      [call](grpc::Status status) { call->done(std::move(status), RetryHint{}); });
}

bool InFlightLimiter::TryAcquire() {
  int current = in_flight_.load();
  while (current < limit_) {
    if (in_flight_.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

void InFlightLimiter::Release() {
  const int free = limit_ - (in_flight_.fetch_sub(1) - 1);
  if (has_waiters_.load() && free >= wake_batch_) WakeAll();
}

void InFlightLimiter::NotifyWhenFree(Waiter* waiter) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(waiters_.begin(), waiters_.end(), waiter) == waiters_.end())
      waiters_.push_back(waiter);
    has_waiters_.store(true);
  }
  // Permits freed between the refusal and the registration woke nobody.
  if (limit_ - in_flight_.load() >= wake_batch_) WakeAll();
}

void InFlightLimiter::Forget(Waiter* waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
  has_waiters_.store(!waiters_.empty());
}

void InFlightLimiter::WakeAll() {
  // Waking under the lock keeps Forget() a guarantee: once it returned, the
  // waiter is never called again. PermitFreed() only takes the worker's own
  // lock, which is never held while calling the limiter.
  std::lock_guard<std::mutex> lock(mu_);
  for (Waiter* w : waiters_) w->PermitFreed();
  waiters_.clear();
  has_waiters_.store(false);
}

}  // namespace omnigate::dispatch
