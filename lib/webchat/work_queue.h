#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace omnigate::webchat {

// A few threads for blocking work (Redis reads and appends) so the HTTP
// threads never wait on I/O. Bounded: Post refuses work beyond `max_pending`
// (the caller answers 503) instead of queueing without limit. The destructor
// runs what was posted, then joins.
class WorkQueue {
 public:
  WorkQueue(int threads, size_t max_pending);
  ~WorkQueue();

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // False when full (the work is dropped).
  bool Post(std::function<void()> work);

 private:
  void Loop();

  const size_t max_pending_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> pending_;  // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace omnigate::webchat
