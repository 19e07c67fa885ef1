#include "bench/sender/direct_sends.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "absl/time/clock.h"
#include "lib/httpclient/curl_http_client.h"

namespace omnigate::bench {
namespace {

rusage Usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru;
}

double CpuSeconds(const rusage& ru) {
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

// A closed loop over the request list: each answer sends the next request.
class Loop {
 public:
  Loop(httpclient::CurlHttpClient* client, std::vector<outbound::HttpRequest> requests,
       absl::Duration timeout)
      : client_(client), requests_(std::move(requests)), timeout_(timeout) {}

  void SendNext() {
    const size_t i = next_.fetch_add(1);
    if (i >= requests_.size()) return;
    client_->Send(std::move(requests_[i]), timeout_, [this](outbound::HttpResponse response) {
      (response.status / 100 == 2 ? ok_ : failed_).fetch_add(1);
      SendNext();
      if (done_.fetch_add(1) + 1 == requests_.size()) {
        std::lock_guard<std::mutex> lock(mu_);
        cv_.notify_all();
      }
    });
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_.load() == requests_.size(); });
  }

  int ok() const { return ok_.load(); }
  int failed() const { return failed_.load(); }

 private:
  httpclient::CurlHttpClient* const client_;
  std::vector<outbound::HttpRequest> requests_;
  const absl::Duration timeout_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> done_{0};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace

absl::StatusOr<DirectResult> RunDirectSends(std::vector<outbound::HttpRequest> requests,
                                            const httpclient::CurlClientOptions& options,
                                            absl::Duration timeout) {
  auto client = httpclient::CurlHttpClient::Create(options);
  if (!client.ok()) return client.status();
  const size_t window = std::min(requests.size(), static_cast<size_t>(options.max_in_flight));
  Loop loop(client->get(), std::move(requests), timeout);

  const rusage before = Usage();
  const absl::Time t0 = absl::Now();
  for (size_t i = 0; i < window; ++i) loop.SendNext();
  loop.Wait();
  DirectResult result;
  result.wall_s = absl::ToDoubleSeconds(absl::Now() - t0);
  const rusage after = Usage();
  result.cpu_s = CpuSeconds(after) - CpuSeconds(before);
  result.context_switches = after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw;
  result.answered_2xx = loop.ok();
  result.failed = loop.failed();
  (*client)->Stop();
  return result;
}

}  // namespace omnigate::bench
