#include "tools/loadgen/runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <thread>

#include "tools/loadgen/pacer.h"

namespace omnigate::loadgen {
namespace {

using SteadyClock = std::chrono::steady_clock;

// On the SteadyNowNs() scale: nanoseconds since the steady clock's epoch.
int64_t SteadyNs(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t NanosSince(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - t0).count();
}

// Completion bookkeeping common to both loops.
struct Shared {
  Driver* driver;
  RunOptions options;
  RunStats stats;
  SteadyClock::time_point start;
  SteadyClock::time_point deadline;
  std::atomic<int64_t> next_seq{0};
  std::atomic<int64_t> in_flight{0};
  std::mutex mu;
  std::condition_variable cv;
  int active_slots = 0;  // closed loop: slots still sending
  SteadyClock::time_point last_completion;

  bool Budget(int64_t seq) const {
    if (options.count > 0 && seq >= options.count) return false;
    return SteadyClock::now() < deadline;
  }
  void Completed() {
    std::lock_guard<std::mutex> lock(mu);
    last_completion = SteadyClock::now();
    if (in_flight.fetch_sub(1) == 1) cv.notify_all();
  }
};

// One closed-loop slot: sends, waits for the answer, sends again.
void SlotSend(std::shared_ptr<Shared> shared) {
  const int64_t seq = shared->next_seq.fetch_add(1);
  if (!shared->Budget(seq)) {
    std::lock_guard<std::mutex> lock(shared->mu);
    if (--shared->active_slots == 0) shared->cv.notify_all();
    return;
  }
  shared->in_flight.fetch_add(1);
  const SteadyClock::time_point t0 = SteadyClock::now();
  shared->driver->Send(seq, SteadyNs(t0), [shared, t0](Outcome outcome) {
    const int64_t latency = NanosSince(t0);
    shared->stats.Record(latency, latency, outcome);
    shared->Completed();
    SlotSend(shared);
  });
}

void PrintProgress(Shared* shared, double elapsed_s, int64_t* last_total) {
  RunStats::Snapshot s = shared->stats.TakeInterval();
  const int64_t total = s.ok + s.shed + s.errors;
  fprintf(stderr,
          "\r%-12s %6.1fs  done %9lld  rate %9.0f/s  shed %6lld  errors %6lld  p50 %7.3f ms  "
          "p99 %7.3f ms",
          shared->options.label.c_str(), elapsed_s, static_cast<long long>(total),
          static_cast<double>(total - *last_total), static_cast<long long>(s.shed),
          static_cast<long long>(s.errors), s.interval.Percentile(0.5) / 1e6,
          s.interval.Percentile(0.99) / 1e6);
  fflush(stderr);
  *last_total = total;
}

}  // namespace

void RunStats::Record(int64_t latency_ns, int64_t service_ns, Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (outcome) {
    case Outcome::kOk:
      ++ok_;
      total_.Record(latency_ns);
      interval_.Record(latency_ns);
      break;
    case Outcome::kShed:
      ++shed_;
      shed_latency_.Record(latency_ns);
      shed_service_latency_.Record(service_ns);
      break;
    case Outcome::kError:
      ++errors_;
      break;
  }
}

void RunStats::CountDropped() {
  std::lock_guard<std::mutex> lock(mu_);
  ++dropped_;
}

RunStats::Snapshot RunStats::TakeInterval() {
  std::lock_guard<std::mutex> lock(mu_);
  Snapshot s;
  s.ok = ok_;
  s.shed = shed_;
  s.errors = errors_ + dropped_;
  s.interval = interval_;
  interval_ = LatencyHistogram();
  return s;
}

LatencyHistogram RunStats::total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

LatencyHistogram RunStats::shed_service_latency() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shed_service_latency_;
}

LatencyHistogram RunStats::shed_latency() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shed_latency_;
}
int64_t RunStats::ok() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ok_;
}
int64_t RunStats::shed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shed_;
}
int64_t RunStats::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}
int64_t RunStats::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

RunResult RunLoad(Driver* driver, const RunOptions& options) {
  auto shared = std::make_shared<Shared>();
  shared->driver = driver;
  shared->options = options;
  shared->start = SteadyClock::now();
  shared->last_completion = shared->start;
  shared->deadline = shared->start + absl::ToChronoNanoseconds(options.duration);

  std::atomic<bool> stop_progress{false};
  std::thread progress;
  if (options.progress) {
    progress = std::thread([&] {
      int64_t last_total = 0;
      auto next = shared->start + std::chrono::seconds(1);
      while (!stop_progress.load()) {
        std::this_thread::sleep_until(
            std::min(next, SteadyClock::now() + std::chrono::milliseconds(50)));
        if (SteadyClock::now() < next) continue;
        PrintProgress(shared.get(),
                      std::chrono::duration<double>(SteadyClock::now() - shared->start).count(),
                      &last_total);
        next += std::chrono::seconds(1);
      }
    });
  }

  int64_t sent = 0;
  if (options.rate <= 0) {
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->active_slots = std::max(1, options.concurrency);
    }
    for (int i = 0; i < std::max(1, options.concurrency); ++i) SlotSend(shared);
    std::unique_lock<std::mutex> lock(shared->mu);
    shared->cv.wait(lock, [&] { return shared->active_slots == 0; });
  } else {
    const Pacer pacer(options.rate, shared->start);
    int64_t issued = 0;
    while (shared->Budget(issued)) {
      const int64_t due = pacer.DueCount(SteadyClock::now());
      for (; issued < due && shared->Budget(issued); ++issued) {
        if (shared->in_flight.load() >= std::max(1, options.concurrency)) {
          shared->stats.CountDropped();
          continue;
        }
        shared->in_flight.fetch_add(1);
        const SteadyClock::time_point due_time = pacer.DueTime(issued);
        const SteadyClock::time_point sent = SteadyClock::now();
        driver->Send(issued, SteadyNs(due_time), [shared, due_time, sent](Outcome outcome) {
          shared->stats.Record(NanosSince(due_time), NanosSince(sent), outcome);
          shared->Completed();
        });
      }
      std::this_thread::sleep_until(pacer.DueTime(issued));
    }
    shared->next_seq.store(issued);
  }
  sent = shared->next_seq.load();
  {
    std::unique_lock<std::mutex> lock(shared->mu);
    shared->cv.wait_for(lock, absl::ToChronoNanoseconds(options.drain_timeout),
                        [&] { return shared->in_flight.load() == 0; });
  }
  stop_progress.store(true);
  if (progress.joinable()) {
    progress.join();
    fprintf(stderr, "\n");
  }

  RunResult result;
  // Closed loop: each slot took one sequence number past the budget.
  result.sent = options.rate <= 0 ? sent - std::max(1, options.concurrency) : sent;
  result.ok = shared->stats.ok();
  result.shed = shared->stats.shed();
  result.errors = shared->stats.errors();
  result.dropped = shared->stats.dropped();
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    result.seconds = std::chrono::duration<double>(shared->last_completion - shared->start).count();
  }
  result.latency = shared->stats.total();
  result.shed_latency = shared->stats.shed_latency();
  result.shed_service_latency = shared->stats.shed_service_latency();
  return result;
}

}  // namespace omnigate::loadgen
