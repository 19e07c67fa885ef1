#pragma once

#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/http/http_types.h"

namespace omnigate::fakeprovider {

// Answers requests later from its own thread, so a slow fake answer never
// holds one of the HTTP server's I/O threads.
class DelayedResponder {
 public:
  DelayedResponder();
  // Stop()s.
  ~DelayedResponder();

  DelayedResponder(const DelayedResponder&) = delete;
  DelayedResponder& operator=(const DelayedResponder&) = delete;

  // Calls `respond(response)` at `due`; at once after Stop().
  void Schedule(absl::Time due, http::Responder respond, http::Response response);

  // Answers everything still pending now (a fake shutting down should not
  // leave clients waiting out their delays) and joins the thread.
  void Stop();

 private:
  using Pending = std::pair<http::Responder, http::Response>;
  void Run();

  absl::Mutex mu_;
  absl::CondVar changed_;
  std::multimap<absl::Time, Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace omnigate::fakeprovider
