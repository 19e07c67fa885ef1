#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "absl/time/time.h"

namespace omnigate::webchat {

// Long-polls of this replica waiting for a session's next message. A waiter
// fires exactly once: when its session is notified (`notified` true) or at
// its deadline (false). Callbacks run on the notifying thread or the
// sweeper thread and must be quick (post real work elsewhere).
// Thread-safe.
class SessionWaiters {
 public:
  using Wake = std::function<void(bool notified)>;

  SessionWaiters();
  ~SessionWaiters();  // fires every remaining waiter (not notified)

  // Returns an id for Remove().
  uint64_t Add(const std::string& session, absl::Time deadline, Wake wake);
  // Forgets a waiter that has not fired; false when it already fired.
  bool Remove(uint64_t id);
  // Fires every waiter of `session`.
  void Notify(const std::string& session);
  // Fires every waiter (a gap in notifications: all must look again).
  void NotifyAll();

  size_t size() const;

 private:
  struct Waiter {
    std::string session;
    absl::Time deadline;
    Wake wake;
  };
  void Sweep();
  std::vector<Wake> TakeIf(const std::function<bool(const Waiter&)>& pred);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool stop_ = false;                                       // guarded by mu_
  uint64_t next_id_ = 1;                                    // guarded by mu_
  std::map<uint64_t, Waiter> waiters_;                      // guarded by mu_
  std::unordered_multimap<std::string, uint64_t> by_name_;  // guarded by mu_
  std::thread sweeper_;
};

}  // namespace omnigate::webchat
