#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/httpclient/curl_client_options.h"
#include "lib/httpclient/curl_handles.h"
#include "lib/httpclient/http_transport.h"

namespace omnigate::httpclient {

class CurlTransfer;

// HttpTransport on libcurl's multi interface: one thread drives every
// transfer with curl_multi_poll, connections are kept alive and reused per
// host (multiplexed over HTTP/2 when offered). At most max_in_flight
// transfers run at once; later requests wait in FIFO order, at most
// max_queued of them. A request's timeout counts from Send, so a request
// that waited it out in the queue fails with "queue timeout", unsent. Done
// callbacks run on the client thread: they must not block or throw, and must
// not call Stop().
class CurlHttpClient final : public HttpTransport {
 public:
  static absl::StatusOr<std::unique_ptr<CurlHttpClient>> Create(CurlClientOptions options);
  // Stop().
  ~CurlHttpClient() override;

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Thread-safe. After Stop(), done gets "shutting down" (on a thread of its
  // own, since the client thread is gone).
  void Send(outbound::HttpRequest request, absl::Duration timeout, Done done) override;

  // Completes every running and queued request with status 0 "shutting
  // down" and joins the client thread. Safe to call more than once.
  void Stop();

  // For metrics: transfers running, requests waiting for a slot.
  int in_flight() const { return in_flight_gauge_.load(std::memory_order_relaxed); }
  int queued() const { return queued_gauge_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    outbound::HttpRequest request;
    // Send time + timeout: time spent queued counts.
    absl::Time deadline;
    Done done;
  };

  CurlHttpClient(CurlClientOptions options, CurlMulti multi);
  void Run();
  // Starts queued requests while slots are free; answers refused ones.
  // Returns false once Stop() was asked.
  bool AdmitQueued();
  // True when nothing waits to be admitted: the thread may sleep in
  // curl_multi_poll (polling_ is then set).
  bool MaySleep();
  void Start(Pending pending);
  // Completes what curl finished; returns how many.
  int CompleteFinished();
  void Finish(std::unique_ptr<CurlTransfer> transfer, outbound::HttpResponse response);
  void ReleaseSlot();
  void FailEverything();
  CurlEasy TakeEasy();
  void PublishGauges();  // with mu_ held

  const CurlClientOptions options_;
  const CurlMulti multi_;

  std::mutex mu_;
  std::deque<Pending> waiting_;  // guarded by mu_
  std::vector<Done> refused_;    // over max_queued; guarded by mu_
  int running_ = 0;              // admitted, not yet finished; guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  // The client thread is (about to be) asleep in curl_multi_poll: only then
  // does Send wake it (a write to curl's wake-up pipe). A busy thread takes
  // new requests on its next pass, so a burst of sends costs one wake-up,
  // not one each. Guarded by mu_.
  bool polling_ = false;

  std::atomic<int> in_flight_gauge_{0};
  std::atomic<int> queued_gauge_{0};

  // Client thread only: transfers curl is running, handles kept for reuse.
  std::unordered_map<CurlTransfer*, std::unique_ptr<CurlTransfer>> active_;
  std::vector<CurlEasy> idle_easy_;

  std::mutex stop_mu_;  // serializes Stop() callers around the join
  std::thread thread_;
  // The client thread's id, so Stop() from a callback does not join itself.
  std::atomic<std::thread::id> loop_id_{};
};

}  // namespace omnigate::httpclient
