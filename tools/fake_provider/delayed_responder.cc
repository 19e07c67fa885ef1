#include "tools/fake_provider/delayed_responder.h"

#include <vector>

#include "absl/time/clock.h"

namespace omnigate::fakeprovider {

DelayedResponder::DelayedResponder() : thread_([this] { Run(); }) {}

DelayedResponder::~DelayedResponder() { Stop(); }

void DelayedResponder::Schedule(absl::Time due, http::Responder respond, http::Response response) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      pending_.emplace(due, Pending(std::move(respond), std::move(response)));
      changed_.Signal();
      return;
    }
  }
  respond(std::move(response));
}

void DelayedResponder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

void DelayedResponder::Run() {
  while (true) {
    std::vector<Pending> due;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && (pending_.empty() || pending_.begin()->first > absl::Now())) {
        const absl::Time next = pending_.empty() ? absl::InfiniteFuture() : pending_.begin()->first;
        changed_.WaitWithDeadline(&mu_, next);
      }
      stop = stopping_;
      const absl::Time now = absl::Now();
      while (!pending_.empty() && (stop || pending_.begin()->first <= now)) {
        due.push_back(std::move(pending_.begin()->second));
        pending_.erase(pending_.begin());
      }
    }
    // Outside the lock: a responder only posts to the server's I/O thread.
    for (auto& [respond, response] : due) respond(std::move(response));
    if (stop) return;
  }
}

}  // namespace omnigate::fakeprovider
