#include "lib/httpclient/curl_http_client.h"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/httpclient/curl_global.h"
#include "lib/httpclient/curl_transfer.h"

namespace omnigate::httpclient {
namespace {

// Upper bound of one curl_multi_poll; curl wakes earlier for its own timers
// and curl_multi_wakeup wakes it for new work.
constexpr int kPollMillis = 1000;

outbound::HttpResponse NoAnswer(std::string reason) {
  outbound::HttpResponse response;
  response.transport_error = std::move(reason);
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(CurlClientOptions options) {
  if (options.max_in_flight < 1 || options.max_queued < 0 || options.max_connections_per_host < 1 ||
      options.max_response_bytes == 0) {
    return absl::InvalidArgumentError(
        "curl client: max_in_flight, max_connections_per_host and max_response_bytes must be "
        "positive, max_queued not negative");
  }
  if (absl::Status s = EnsureCurlGlobalInit(); !s.ok()) return s;
  CurlMulti multi(curl_multi_init());
  if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
  CURLMcode rc = curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                                   static_cast<long>(options.max_connections_per_host));
  if (rc == CURLM_OK) {
    rc = curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING,
                           options.http2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
  }
  // curl's default keeps 4 idle connections per running transfer, so a quiet
  // spell would close connections a burst needs again; keep as many as can
  // be busy at once.
  if (rc == CURLM_OK) {
    rc = curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS,
                           static_cast<long>(options.max_in_flight));
  }
  if (rc != CURLM_OK) {
    return absl::InternalError(absl::StrCat("curl_multi_setopt: ", curl_multi_strerror(rc)));
  }
  std::unique_ptr<CurlHttpClient> client(new CurlHttpClient(std::move(options), std::move(multi)));
  client->thread_ = std::thread([raw = client.get()] { raw->Run(); });
  return client;
}

CurlHttpClient::CurlHttpClient(CurlClientOptions options, CurlMulti multi)
    : options_(std::move(options)), multi_(std::move(multi)) {}

CurlHttpClient::~CurlHttpClient() { Stop(); }

void CurlHttpClient::Send(outbound::HttpRequest request, absl::Duration timeout, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      const size_t admitted = waiting_.size() + static_cast<size_t>(running_);
      if (admitted >=
          static_cast<size_t>(options_.max_in_flight) + static_cast<size_t>(options_.max_queued)) {
        refused_.push_back(std::move(done));
      } else {
        // InfiniteFuture when the timeout is infinite.
        waiting_.push_back(Pending{std::move(request), absl::Now() + timeout, std::move(done)});
        PublishGauges();
      }
      if (polling_) {
        polling_ = false;  // one wake-up is enough
        curl_multi_wakeup(multi_.get());
      }
      return;
    }
  }
  // The client thread is gone or going: answer from a thread of our own, as
  // the contract never runs done inside Send.
  std::thread([done = std::move(done)] { done(NoAnswer("shutting down")); }).detach();
}

void CurlHttpClient::Stop() {
  if (std::this_thread::get_id() == loop_id_.load()) {
    // From a done callback: joining ourselves would deadlock. The loop ends
    // after this callback; the destructor joins.
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    return;
  }
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_.get());
  if (thread_.joinable()) thread_.join();
}

void CurlHttpClient::Run() {
  loop_id_.store(std::this_thread::get_id());
  pthread_setname_np(pthread_self(), "og-curl");  // per-thread CPU in benchmarks
  while (AdmitQueued()) {
    int still_running = 0;
    CURLMcode rc = curl_multi_perform(multi_.get(), &still_running);
    if (rc != CURLM_OK) OG_LOG(ERROR) << "curl_multi_perform: " << curl_multi_strerror(rc);
    // Slots freed: start waiting requests before sleeping.
    if (CompleteFinished() > 0 || !MaySleep()) continue;
    rc = curl_multi_poll(multi_.get(), nullptr, 0, kPollMillis, nullptr);
    if (rc != CURLM_OK) OG_LOG(ERROR) << "curl_multi_poll: " << curl_multi_strerror(rc);
    std::lock_guard<std::mutex> lock(mu_);
    polling_ = false;
  }
  FailEverything();
}

bool CurlHttpClient::AdmitQueued() {
  std::vector<Pending> starting;
  std::vector<Done> refused;
  bool stopping = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    refused.swap(refused_);
    stopping = stopping_;
    while (!stopping && running_ < options_.max_in_flight && !waiting_.empty()) {
      starting.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
      ++running_;
    }
    PublishGauges();
  }
  for (Done& done : refused) done(NoAnswer("queue full"));
  for (Pending& pending : starting) Start(std::move(pending));
  return !stopping;
}

bool CurlHttpClient::MaySleep() {
  std::lock_guard<std::mutex> lock(mu_);
  const bool admissible = !waiting_.empty() && running_ < options_.max_in_flight;
  if (admissible || !refused_.empty() || stopping_) return false;
  polling_ = true;
  return true;
}

void CurlHttpClient::Start(Pending pending) {
  const absl::Duration left = pending.deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    // Never sent, so the caller may retry without risking a duplicate.
    ReleaseSlot();
    pending.done(NoAnswer("queue timeout"));
    return;
  }
  auto transfer =
      std::make_unique<CurlTransfer>(std::move(pending.request), left, std::move(pending.done));
  if (absl::Status s = transfer->Prepare(TakeEasy(), options_); !s.ok()) {
    OG_LOG(WARNING) << "http request not sent: " << transfer->ForLog() << ": " << s.message();
    Finish(std::move(transfer), NoAnswer("invalid request"));
    return;
  }
  if (CURLMcode rc = curl_multi_add_handle(multi_.get(), transfer->easy()); rc != CURLM_OK) {
    Finish(std::move(transfer), NoAnswer(absl::StrCat("curl: ", curl_multi_strerror(rc))));
    return;
  }
  CurlTransfer* key = transfer.get();
  active_.emplace(key, std::move(transfer));
}

int CurlHttpClient::CompleteFinished() {
  int finished = 0;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    // `message` is invalid after the next multi call: copy what is needed.
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;
    char* self = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &self);
    auto it = active_.find(reinterpret_cast<CurlTransfer*>(self));
    if (it == active_.end()) continue;  // not ours: cannot happen
    std::unique_ptr<CurlTransfer> transfer = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(multi_.get(), easy);
    outbound::HttpResponse response = transfer->TakeResponse(result);
    if (!response.transport_error.empty()) {
      OG_LOG(DEBUG) << "http transfer failed: " << transfer->ForLog() << ": "
                    << response.transport_error << " status=" << response.status << " ("
                    << transfer->ErrorDetail() << ")";
    }
    Finish(std::move(transfer), std::move(response));
    ++finished;
  }
  return finished;
}

void CurlHttpClient::Finish(std::unique_ptr<CurlTransfer> transfer,
                            outbound::HttpResponse response) {
  ReleaseSlot();
  // Reusing handles saves their setup; connections are pooled by the multi
  // handle either way.
  if (CurlEasy easy = transfer->ReleaseEasy();
      easy != nullptr && idle_easy_.size() < static_cast<size_t>(options_.max_in_flight)) {
    curl_easy_reset(easy.get());
    idle_easy_.push_back(std::move(easy));
  }
  transfer->Complete(std::move(response));
}

void CurlHttpClient::ReleaseSlot() {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  PublishGauges();
}

void CurlHttpClient::FailEverything() {
  while (!active_.empty()) {
    auto it = active_.begin();
    std::unique_ptr<CurlTransfer> transfer = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(multi_.get(), transfer->easy());
    Finish(std::move(transfer), NoAnswer("shutting down"));
  }
  std::deque<Pending> waiting;
  std::vector<Done> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting.swap(waiting_);
    refused.swap(refused_);
    PublishGauges();
  }
  for (Pending& pending : waiting) pending.done(NoAnswer("shutting down"));
  for (Done& done : refused) done(NoAnswer("queue full"));
  idle_easy_.clear();
}

CurlEasy CurlHttpClient::TakeEasy() {
  if (idle_easy_.empty()) return CurlEasy(curl_easy_init());
  CurlEasy easy = std::move(idle_easy_.back());
  idle_easy_.pop_back();
  return easy;
}

void CurlHttpClient::PublishGauges() {
  in_flight_gauge_.store(running_, std::memory_order_relaxed);
  queued_gauge_.store(static_cast<int>(waiting_.size()), std::memory_order_relaxed);
}

}  // namespace omnigate::httpclient
