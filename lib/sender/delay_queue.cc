#include "lib/sender/delay_queue.h"

#include <pthread.h>

#include <utility>
#include <vector>

#include "absl/time/clock.h"

namespace omnigate::sender {

DelayQueue::DelayQueue(const char* name) : thread_([this, name] { Run(name); }) {}

DelayQueue::~DelayQueue() { Stop(); }

void DelayQueue::RunAt(absl::Time due, std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      tasks_.emplace(due, std::move(task));
      cv_.notify_all();
      return;
    }
  }
  task();  // stopping: run it now rather than drop it
}

void DelayQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void DelayQueue::Run(const char* name) {
  pthread_setname_np(pthread_self(), name);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stop_) break;
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const absl::Time due = tasks_.begin()->first;
    const absl::Time now = absl::Now();
    if (due > now) {
      cv_.wait_for(lock, absl::ToChronoNanoseconds(due - now));
      continue;
    }
    auto task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    lock.lock();
  }
  std::vector<std::function<void()>> left;
  for (auto& [due, task] : tasks_) left.push_back(std::move(task));
  tasks_.clear();
  lock.unlock();
  for (auto& task : left) task();
}

}  // namespace omnigate::sender
