#include "tools/fake_provider/fake_provider.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/fake_provider/default_answers.h"

namespace omnigate::fakeprovider {

// The server's view of the fake: kept apart so FakeProvider's public API
// does not carry http::Handler.
class FakeProvider::Router : public http::Handler {
 public:
  explicit Router(FakeProvider* fake) : fake_(fake) {}
  void Handle(http::Request request, http::Responder respond) override {
    fake_->Handle(std::move(request), std::move(respond));
  }

 private:
  FakeProvider* fake_;
};

absl::StatusOr<std::unique_ptr<FakeProvider>> FakeProvider::Start(Options options) {
  std::unique_ptr<FakeProvider> fake(new FakeProvider(std::move(options)));
  http::ServerOptions server_options;
  server_options.address = fake->options_.address;
  server_options.threads = fake->options_.threads;
  server_options.max_body_bytes = 32 << 20;  // e-mail with attachments
  auto server = http::HttpServer::Start(server_options, fake->router_.get());
  if (!server.ok()) return server.status();
  fake->server_ = *std::move(server);
  return fake;
}

FakeProvider::FakeProvider(Options options)
    : options_(std::move(options)), router_(std::make_unique<Router>(this)) {}

FakeProvider::~FakeProvider() {
  // Delayed answers first, so the server's drain does not wait them out.
  delayed_.Stop();
  if (server_) server_->Shutdown(absl::Seconds(1));
}

int FakeProvider::port() const { return server_->port(); }

std::string FakeProvider::base_url() const { return absl::StrCat("http://127.0.0.1:", port()); }

std::string FakeProvider::api_base_url(Provider provider) const {
  return absl::StrCat(base_url(), "/", ProviderName(provider));
}

void FakeProvider::Script(absl::string_view path_prefix, std::vector<FakeAnswer> answers) {
  absl::MutexLock lock(&mu_);
  for (auto& [prefix, queue] : scripts_) {
    if (prefix == path_prefix) {
      for (FakeAnswer& answer : answers) queue.push_back(std::move(answer));
      return;
    }
  }
  scripts_.emplace_back(std::string(path_prefix),
                        std::deque<FakeAnswer>(std::make_move_iterator(answers.begin()),
                                               std::make_move_iterator(answers.end())));
}

void FakeProvider::Script(Provider provider, std::vector<FakeAnswer> answers) {
  Script(absl::StrCat("/", ProviderName(provider)), std::move(answers));
}

void FakeProvider::ClearScripts() {
  absl::MutexLock lock(&mu_);
  scripts_.clear();
}

void FakeProvider::set_default_delay(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  default_delay_ = delay;
}

std::vector<RecordedRequest> FakeProvider::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeProvider::requests_for(absl::string_view path_prefix) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> out;
  for (const RecordedRequest& r : requests_) {
    if (absl::StartsWith(r.path, path_prefix)) out.push_back(r);
  }
  return out;
}

std::vector<RecordedRequest> FakeProvider::requests_for(Provider provider) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> out;
  for (const RecordedRequest& r : requests_) {
    if (r.provider == provider) out.push_back(r);
  }
  return out;
}

bool FakeProvider::WaitForRequests(size_t n, absl::Duration timeout) const {
  struct Arg {
    const std::vector<RecordedRequest>* requests;
    size_t n;
  };
  absl::MutexLock lock(&mu_);
  Arg arg{&requests_, n};
  return mu_.AwaitWithTimeout(absl::Condition(
                                  +[](Arg* a) { return a->requests->size() >= a->n; }, &arg),
                              timeout);
}

void FakeProvider::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

std::optional<FakeAnswer> FakeProvider::TakeScripted(absl::string_view path) {
  std::deque<FakeAnswer>* best = nullptr;
  size_t best_length = 0;
  for (auto& [prefix, queue] : scripts_) {
    if (queue.empty() || !absl::StartsWith(path, prefix)) continue;
    if (best == nullptr || prefix.size() > best_length) {
      best = &queue;
      best_length = prefix.size();
    }
  }
  if (best == nullptr) return std::nullopt;
  FakeAnswer answer = std::move(best->front());
  best->pop_front();
  return answer;
}

http::Response FakeProvider::AnswerFor(const RecordedRequest& request, absl::Time now) {
  // LINE runs a push with a known retry key only once (5.6): 409 after that.
  const bool line_push = request.provider == Provider::kLine && request.method == "POST" &&
                         request.provider_path == "/v2/bot/message/push";
  const auto retry_key = line_push ? request.header("x-line-retry-key") : std::nullopt;
  if (retry_key) {
    const auto accepted = line_retry_keys_.find(*retry_key);
    if (accepted != line_retry_keys_.end()) {
      http::Response response;
      response.status = 409;
      response.body = R"({"message":"The retry key is already accepted"})";
      response.headers.emplace_back("x-line-accepted-request-id", accepted->second);
      return response;
    }
  }
  http::Response response = DefaultAnswer(request, next_seq_++, now);
  if (retry_key && response.status == 200) {
    for (const auto& [name, value] : response.headers) {
      if (name == "x-line-request-id") line_retry_keys_.emplace(*retry_key, value);
    }
  }
  return response;
}

void FakeProvider::Handle(http::Request request, http::Responder respond) {
  RecordedRequest recorded;
  recorded.arrived = absl::Now();
  recorded.method = std::move(request.method);
  recorded.path = std::move(request.path);
  recorded.query = std::move(request.query);
  recorded.headers = std::move(request.headers);
  recorded.body = std::move(request.body);
  Route route = RouteRequest(recorded.path, recorded.headers, recorded.body);
  recorded.provider = route.provider;
  recorded.provider_path = std::move(route.provider_path);

  http::Response response;
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    std::optional<FakeAnswer> scripted = TakeScripted(recorded.path);
    if (scripted && !scripted->provider_success) {
      response = ToResponse(*scripted, recorded.arrived);
    } else {
      response = AnswerFor(recorded, recorded.arrived);
    }
    delay = scripted ? scripted->delay : default_delay_;
    recorded.answered_status = response.status;
    requests_.push_back(recorded);
  }
  if (options_.on_request) options_.on_request(recorded);
  if (delay > absl::ZeroDuration()) {
    delayed_.Schedule(recorded.arrived + delay, std::move(respond), std::move(response));
  } else {
    respond(std::move(response));
  }
}

}  // namespace omnigate::fakeprovider
