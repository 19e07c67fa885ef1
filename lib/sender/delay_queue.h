#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace omnigate::sender {

// Runs tasks at their due time on one thread of its own (a send waiting for
// the rate limiter's booked slot). Tasks must be short. Stop() runs what is
// still waiting at once, so nothing handed over is lost. Thread-safe.
class DelayQueue {
 public:
  // `name`: the thread's name (at most 15 characters), for per-thread CPU.
  explicit DelayQueue(const char* name = "og-delay");
  ~DelayQueue();
  DelayQueue(const DelayQueue&) = delete;
  DelayQueue& operator=(const DelayQueue&) = delete;

  void RunAt(absl::Time due, std::function<void()> task);
  void Stop();

 private:
  void Run(const char* name);

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<absl::Time, std::function<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                                       // guarded by mu_
  std::thread thread_;
};

}  // namespace omnigate::sender
