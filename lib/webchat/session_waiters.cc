#include "lib/webchat/session_waiters.h"

#include <vector>

#include "absl/time/clock.h"

namespace omnigate::webchat {

SessionWaiters::SessionWaiters() : sweeper_([this] { Sweep(); }) {}

SessionWaiters::~SessionWaiters() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  sweeper_.join();
  for (Wake& wake : TakeIf([](const Waiter&) { return true; })) wake(false);
}

uint64_t SessionWaiters::Add(const std::string& session, absl::Time deadline, Wake wake) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  waiters_.emplace(id, Waiter{session, deadline, std::move(wake)});
  by_name_.emplace(session, id);
  changed_.notify_all();
  return id;
}

bool SessionWaiters::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return false;
  auto [first, last] = by_name_.equal_range(it->second.session);
  for (auto n = first; n != last; ++n) {
    if (n->second == id) {
      by_name_.erase(n);
      break;
    }
  }
  waiters_.erase(it);
  return true;
}

std::vector<SessionWaiters::Wake> SessionWaiters::TakeIf(
    const std::function<bool(const Waiter&)>& pred) {
  std::vector<Wake> fired;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!pred(it->second)) {
      ++it;
      continue;
    }
    auto [first, last] = by_name_.equal_range(it->second.session);
    for (auto n = first; n != last; ++n) {
      if (n->second == it->first) {
        by_name_.erase(n);
        break;
      }
    }
    fired.push_back(std::move(it->second.wake));
    it = waiters_.erase(it);
  }
  return fired;
}

void SessionWaiters::Notify(const std::string& session) {
  std::vector<Wake> fired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [first, last] = by_name_.equal_range(session);
    for (auto n = first; n != last; ++n) {
      auto it = waiters_.find(n->second);
      if (it == waiters_.end()) continue;
      fired.push_back(std::move(it->second.wake));
      waiters_.erase(it);
    }
    by_name_.erase(first, last);
  }
  for (Wake& wake : fired) wake(true);
}

void SessionWaiters::NotifyAll() {
  for (Wake& wake : TakeIf([](const Waiter&) { return true; })) wake(true);
}

size_t SessionWaiters::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

void SessionWaiters::Sweep() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Deadlines are coarse (seconds): a quarter-second tick is plenty.
      changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop_; });
      if (stop_) return;
    }
    const absl::Time now = absl::Now();
    for (Wake& wake : TakeIf([now](const Waiter& w) { return w.deadline <= now; })) wake(false);
  }
}

}  // namespace omnigate::webchat
