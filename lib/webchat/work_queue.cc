#include "lib/webchat/work_queue.h"

namespace omnigate::webchat {

WorkQueue::WorkQueue(int threads, size_t max_pending) : max_pending_(max_pending) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkQueue::~WorkQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool WorkQueue::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || pending_.size() >= max_pending_) return false;
    pending_.push_back(std::move(work));
  }
  ready_.notify_one();
  return true;
}

void WorkQueue::Loop() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping and drained
      work = std::move(pending_.front());
      pending_.pop_front();
    }
    work();
  }
}

}  // namespace omnigate::webchat
