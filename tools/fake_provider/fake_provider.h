#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/http/http_server.h"
#include "tools/fake_provider/answers.h"
#include "tools/fake_provider/delayed_responder.h"
#include "tools/fake_provider/providers.h"
#include "tools/fake_provider/recorded_request.h"

namespace omnigate::fakeprovider {

// An HTTP server on loopback that answers like the channels' send APIs, for
// tests of the sender and the `make run` demo (omnigate-fakeprovider).
//
// Point a connector's outbound.api_base_url at api_base_url(provider), i.e.
// base_url() + "/" + ProviderName(provider) ("http://127.0.0.1:PORT/whatsapp",
// ".../telegram", ".../x", ...); the provider's own send path follows
// ("/whatsapp/{phone_number_id}/messages"). A bare base_url() works too: the
// provider is then guessed from the path (see RouteRequest).
//
// Every request is recorded and answered, in this order, by the first
// scripted answer queued for the longest matching path prefix, else the
// provider's success with a fresh id (default_answers.h). LINE pushes
// repeating an accepted X-Line-Retry-Key get LINE's 409, as the real API
// does. Thread-safe.
class FakeProvider {
 public:
  struct Options {
    // HOST:PORT; port 0 picks a free one.
    std::string address = "127.0.0.1:0";
    int threads = 2;
    // Called for every request after it is recorded, on a server thread
    // (the demo binary prints it); must not block.
    std::function<void(const RecordedRequest&)> on_request;
  };

  static absl::StatusOr<std::unique_ptr<FakeProvider>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<FakeProvider>> Start() { return Start(Options()); }
  // Answers delayed requests at once, then stops the server.
  ~FakeProvider();

  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  int port() const;
  // "http://127.0.0.1:PORT".
  std::string base_url() const;
  // base_url() + "/" + ProviderName(provider).
  std::string api_base_url(Provider provider) const;

  // Queues `answers` for requests whose path starts with `path_prefix`
  // (e.g. "/telegram" or api_base_url's path + "/bot123:ABC/sendMessage"),
  // one per request, before the default answer resumes. Appends to an
  // existing queue for the same prefix.
  void Script(absl::string_view path_prefix, std::vector<FakeAnswer> answers);
  void Script(Provider provider, std::vector<FakeAnswer> answers);
  void ClearScripts();
  // Delay of default (unscripted) answers; zero at start.
  void set_default_delay(absl::Duration delay);

  std::vector<RecordedRequest> requests() const;
  // Requests whose path starts with `path_prefix`.
  std::vector<RecordedRequest> requests_for(absl::string_view path_prefix) const;
  std::vector<RecordedRequest> requests_for(Provider provider) const;
  // Whether at least `n` requests arrived within `timeout`.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;
  void ClearRequests();

 private:
  class Router;
  explicit FakeProvider(Options options);
  void Handle(http::Request request, http::Responder respond);
  // The next scripted answer for `path`, if any.
  std::optional<FakeAnswer> TakeScripted(absl::string_view path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  http::Response AnswerFor(const RecordedRequest& request, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::deque<FakeAnswer>>> scripts_ ABSL_GUARDED_BY(mu_);
  absl::Duration default_delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  // LINE X-Line-Retry-Key -> x-line-request-id of the accepted push.
  absl::flat_hash_map<std::string, std::string> line_retry_keys_ ABSL_GUARDED_BY(mu_);

  DelayedResponder delayed_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace omnigate::fakeprovider
