#include "lib/httpclient/curl_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/outbound/http_request.h"
#include "tests/support/wait.h"

namespace omnigate::httpclient {
namespace {

using ::omnigate::outbound::FindHeader;
using ::omnigate::outbound::HttpRequest;
using ::omnigate::outbound::HttpResponse;
using ::omnigate::testing::WaitFor;
using ::testing::Optional;

// Every test is bounded by this: a hang fails instead of blocking CI.
constexpr absl::Duration kWait = absl::Seconds(10);

// Records each request and answers it at once with `reply`, or holds it
// until the test answers (a slow or silent provider).
class TestHandler : public http::Handler {
 public:
  using Reply = std::function<http::Response(const http::Request&)>;

  void Handle(http::Request request, http::Responder respond) override {
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(request);
    max_active_ = std::max(max_active_, ++active_);
    if (hold_) {
      held_.emplace_back(std::move(request), std::move(respond));
      return;
    }
    http::Response response = reply_(request);
    --active_;
    lock.unlock();
    respond(std::move(response));
  }

  void SetReply(Reply reply) {
    std::lock_guard<std::mutex> lock(mu_);
    reply_ = std::move(reply);
  }
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  // Answers the requests held so far.
  void AnswerHeld() {
    std::vector<std::pair<http::Request, http::Responder>> held;
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
      active_ -= static_cast<int>(held.size());
      reply = reply_;
    }
    for (auto& [request, respond] : held) respond(reply(request));
  }
  int held() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(held_.size());
  }
  int max_active() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_active_;
  }
  std::vector<http::Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  Reply reply_ = [](const http::Request&) { return http::Response{}; };
  bool hold_ = false;
  std::vector<std::pair<http::Request, http::Responder>> held_;
  std::vector<http::Request> requests_;
  int active_ = 0;
  int max_active_ = 0;
};

// The outcomes of a batch of sends: each callback must run exactly once.
// Callbacks share the state, so a late one after a failed assertion cannot
// touch a destroyed object.
class Outcomes {
 public:
  struct Outcome {
    HttpResponse response;
    std::thread::id thread;
    absl::Time at;
    int calls = 0;
  };

  explicit Outcomes(int count) : state_(std::make_shared<State>()) {
    state_->outcomes.resize(count);
  }

  HttpTransport::Done Slot(int index) {
    return [state = state_, index](HttpResponse response) {
      std::lock_guard<std::mutex> lock(state->mu);
      Outcome& outcome = state->outcomes[index];
      if (outcome.calls++ == 0) ++state->done;
      outcome.response = std::move(response);
      outcome.thread = std::this_thread::get_id();
      outcome.at = absl::Now();
      state->changed.notify_all();
    };
  }

  bool WaitDone(int count, absl::Duration timeout = kWait) {
    std::unique_lock<std::mutex> lock(state_->mu);
    return state_->changed.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                                    [&] { return state_->done >= count; });
  }
  bool WaitAll(absl::Duration timeout = kWait) {
    return WaitDone(static_cast<int>(state_->outcomes.size()), timeout);
  }
  int done() {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->done;
  }
  Outcome Get(int index) {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->outcomes[index];
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable changed;
    std::vector<Outcome> outcomes;
    int done = 0;
  };
  std::shared_ptr<State> state_;
};

// A loopback port bound but not listening: connecting to it is refused, and
// no other process can take it while the test runs.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A one-connection server writing a fixed reply, for framings the project's
// server never sends (interim 1xx blocks).
class CannedServer {
 public:
  explicit CannedServer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listen_fd_ < 0 ||
        bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listen_fd_, 1) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    // Unblocks accept() if no client ever came.
    if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;
  int port() const { return port_; }

 private:
  void Serve() {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    timeval read_timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof(read_timeout));
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
    (void)!write(fd, reply_.data(), reply_.size());
    close(fd);
  }

  std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void StartServer() {
    http::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.threads = 2;
    auto server = http::HttpServer::Start(options, &handler_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void StartClient(CurlClientOptions options = {}) {
    auto client = CurlHttpClient::Create(std::move(options));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }
  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), path);
  }
  HttpRequest Get(absl::string_view path) const {
    HttpRequest request;
    request.method = "GET";
    request.url = Url(path);
    return request;
  }
  void TearDown() override {
    // The client first, so held requests are not answered to a live client.
    if (client_ != nullptr) client_->Stop();
    handler_.Hold(false);
    handler_.AnswerHeld();
  }

  // Declared before the server: it must outlive it.
  TestHandler handler_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<CurlHttpClient> client_;
};

TEST_F(CurlHttpClientTest, PostArrivesExactlyAndTheAnswerComesBack) {
  StartServer();
  StartClient();
  handler_.SetReply([](const http::Request&) {
    http::Response response;
    response.status = 201;
    response.content_type = "application/json";
    response.body = R"({"id":"m1"})";
    response.headers = {{"X-Request-Id", "abc"}, {"Retry-After", "7"}};
    return response;
  });
  HttpRequest request;
  request.method = "POST";
  request.url = Url("/v1/messages?lang=en");
  request.content_type = "application/json; charset=utf-8";
  request.headers = {{"Authorization", "Bearer tok"}, {"X-Custom", "one two"}};
  // Big enough that curl would otherwise ask for 100-continue, with a NUL.
  request.body = absl::StrCat(R"({"text":")", std::string(3000, 'x'), std::string(1, '\0'), "\"}");
  Outcomes outcomes(1);
  client_->Send(request, absl::Seconds(5), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitAll());

  const std::vector<http::Request> seen = handler_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/v1/messages");
  EXPECT_EQ(seen[0].query, "lang=en");
  EXPECT_EQ(seen[0].body, request.body);
  EXPECT_THAT(seen[0].headers.Get("content-type"),
              Optional(absl::string_view("application/json; charset=utf-8")));
  EXPECT_THAT(seen[0].headers.Get("authorization"), Optional(absl::string_view("Bearer tok")));
  EXPECT_THAT(seen[0].headers.Get("x-custom"), Optional(absl::string_view("one two")));
  EXPECT_THAT(seen[0].headers.Get("user-agent"), Optional(absl::string_view("omnigate-sender")));
  EXPECT_EQ(seen[0].headers.Get("expect"), std::nullopt);

  const Outcomes::Outcome outcome = outcomes.Get(0);
  EXPECT_EQ(outcome.calls, 1);
  EXPECT_NE(outcome.thread, std::this_thread::get_id());
  EXPECT_EQ(outcome.response.status, 201);
  EXPECT_EQ(outcome.response.transport_error, "");
  EXPECT_EQ(outcome.response.body, R"({"id":"m1"})");
  EXPECT_THAT(FindHeader(outcome.response.headers, "x-request-id"),
              Optional(absl::string_view("abc")));
  EXPECT_THAT(FindHeader(outcome.response.headers, "Retry-After"),
              Optional(absl::string_view("7")));
  EXPECT_THAT(FindHeader(outcome.response.headers, "Content-Type"),
              Optional(absl::string_view("application/json")));
}

TEST_F(CurlHttpClientTest, MethodsAndBodiesArriveAsSent) {
  StartServer();
  StartClient();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET", ""}, {"PUT", "put-body"}, {"PATCH", "patch-body"}, {"DELETE", ""}};
  Outcomes outcomes(static_cast<int>(cases.size()));
  for (size_t i = 0; i < cases.size(); ++i) {
    HttpRequest request;
    request.method = cases[i].first;
    request.url = Url(absl::StrCat("/m", i));
    request.body = cases[i].second;
    request.content_type = request.body.empty() ? "" : "text/plain";
    // One at a time, so the server sees them in order.
    client_->Send(request, absl::Seconds(5), outcomes.Slot(static_cast<int>(i)));
    ASSERT_TRUE(outcomes.WaitDone(static_cast<int>(i) + 1));
  }
  const std::vector<http::Request> seen = handler_.requests();
  ASSERT_EQ(seen.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(seen[i].method, cases[i].first);
    EXPECT_EQ(seen[i].body, cases[i].second) << cases[i].first;
    EXPECT_EQ(outcomes.Get(static_cast<int>(i)).response.status, 200) << cases[i].first;
  }
  // No body, no Content-Type (curl's form default is dropped).
  EXPECT_EQ(seen[0].headers.Get("content-type"), std::nullopt);
}

TEST_F(CurlHttpClientTest, ErrorStatusesAreAnswersNotTransportErrors) {
  StartServer();
  StartClient();
  handler_.SetReply([](const http::Request& request) {
    http::Response response;
    response.status = std::stoi(request.path.substr(1));
    response.body = absl::StrCat("{\"error\":", response.status, "}");
    return response;
  });
  const std::vector<int> statuses = {400, 401, 404, 429, 500, 503};
  Outcomes outcomes(static_cast<int>(statuses.size()));
  for (size_t i = 0; i < statuses.size(); ++i) {
    client_->Send(Get(absl::StrCat("/", statuses[i])), absl::Seconds(5),
                  outcomes.Slot(static_cast<int>(i)));
  }
  ASSERT_TRUE(outcomes.WaitAll());
  for (size_t i = 0; i < statuses.size(); ++i) {
    const HttpResponse response = outcomes.Get(static_cast<int>(i)).response;
    EXPECT_EQ(response.status, statuses[i]);
    EXPECT_EQ(response.transport_error, "");
    EXPECT_EQ(response.body, absl::StrCat("{\"error\":", statuses[i], "}"));
  }
}

TEST_F(CurlHttpClientTest, RefusedConnectionIsStatusZeroWithAReason) {
  StartClient();
  ClosedPort closed;
  ASSERT_GT(closed.port(), 0);
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", closed.port(), "/x");
  Outcomes outcomes(1);
  client_->Send(request, absl::Seconds(5), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitAll());
  const HttpResponse response = outcomes.Get(0).response;
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport_error, "connect refused");
}

TEST_F(CurlHttpClientTest, SilentServerTimesOutNearTheTimeout) {
  StartServer();
  StartClient();
  handler_.Hold(true);
  Outcomes outcomes(1);
  const absl::Time start = absl::Now();
  client_->Send(Get("/slow"), absl::Milliseconds(300), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitAll());
  const Outcomes::Outcome outcome = outcomes.Get(0);
  EXPECT_EQ(outcome.response.status, 0);
  EXPECT_EQ(outcome.response.transport_error, "timeout");
  EXPECT_GE(outcome.at - start, absl::Milliseconds(290));
  EXPECT_LT(outcome.at - start, absl::Milliseconds(2500));
  EXPECT_EQ(handler_.held(), 1);
}

TEST_F(CurlHttpClientTest, ConcurrencyNeverExceedsMaxInFlight) {
  StartServer();
  CurlClientOptions options;
  options.max_in_flight = 8;
  StartClient(options);
  handler_.Hold(true);
  constexpr int kRequests = 500;
  Outcomes outcomes(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    client_->Send(Get(absl::StrCat("/c", i)), absl::Seconds(30), outcomes.Slot(i));
  }
  // While nothing is answered: exactly 8 reach the server, the rest wait.
  ASSERT_TRUE(WaitFor([&] { return handler_.held() == 8; }, kWait));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(handler_.held(), 8);
  EXPECT_EQ(client_->in_flight(), 8);
  EXPECT_EQ(client_->queued(), kRequests - 8);
  // Then answer in small batches until everything is through.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (outcomes.done() < kRequests && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
    handler_.AnswerHeld();
  }
  ASSERT_TRUE(outcomes.WaitAll(absl::Seconds(1)));
  for (int i = 0; i < kRequests; ++i) {
    const Outcomes::Outcome outcome = outcomes.Get(i);
    ASSERT_EQ(outcome.calls, 1) << i;
    ASSERT_EQ(outcome.response.status, 200) << i;
  }
  EXPECT_EQ(handler_.max_active(), 8);
  EXPECT_EQ(handler_.requests().size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(client_->in_flight(), 0);
  EXPECT_EQ(client_->queued(), 0);
  // The 8 slots keep their connections.
  EXPECT_LE(server_->stats().connections_accepted, 8u);
}

TEST_F(CurlHttpClientTest, SequentialRequestsReuseTheConnection) {
  StartServer();
  StartClient();
  constexpr int kRequests = 200;
  Outcomes outcomes(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.url = Url("/seq");
    request.body = absl::StrCat("n=", i);
    client_->Send(request, absl::Seconds(5), outcomes.Slot(i));
    ASSERT_TRUE(outcomes.WaitDone(i + 1)) << i;
    ASSERT_EQ(outcomes.Get(i).response.status, 200) << i;
  }
  EXPECT_EQ(server_->stats().requests, static_cast<uint64_t>(kRequests));
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
}

TEST_F(CurlHttpClientTest, LargeResponseIsCutAtTheCapAndKeepsItsStatus) {
  StartServer();
  CurlClientOptions options;
  options.max_response_bytes = 1000;
  StartClient(options);
  std::string big;
  for (int i = 0; big.size() < 200000; ++i) absl::StrAppend(&big, i, ",");
  handler_.SetReply([&big](const http::Request& request) {
    http::Response response;
    response.status = 200;
    response.body = request.path == "/big" ? big : std::string(1000, 'e');
    return response;
  });
  Outcomes outcomes(3);
  client_->Send(Get("/big"), absl::Seconds(5), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitDone(1));
  client_->Send(Get("/exact"), absl::Seconds(5), outcomes.Slot(1));
  client_->Send(Get("/big"), absl::Seconds(5), outcomes.Slot(2));
  ASSERT_TRUE(outcomes.WaitAll());

  const HttpResponse cut = outcomes.Get(0).response;
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.body, big.substr(0, 1000));
  EXPECT_EQ(cut.transport_error, "body truncated");
  // Exactly at the cap is not truncated.
  const HttpResponse exact = outcomes.Get(1).response;
  EXPECT_EQ(exact.status, 200);
  EXPECT_EQ(exact.body.size(), 1000u);
  EXPECT_EQ(exact.transport_error, "");
  // The client stays usable after cutting a transfer short.
  EXPECT_EQ(outcomes.Get(2).response.body.size(), 1000u);
}

TEST_F(CurlHttpClientTest, OnlyTheFinalResponseBlockIsKept) {
  CannedServer server(
      "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  ASSERT_GT(server.port(), 0);
  StartClient();
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", server.port(), "/hints");
  request.body = "x";
  Outcomes outcomes(1);
  client_->Send(request, absl::Seconds(5), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitAll());
  const HttpResponse response = outcomes.Get(0).response;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(FindHeader(response.headers, "Link"), std::nullopt);
  EXPECT_THAT(FindHeader(response.headers, "X-Final"), Optional(absl::string_view("yes")));
}

TEST_F(CurlHttpClientTest, StopCompletesRunningAndQueuedRequestsAtOnce) {
  StartServer();
  CurlClientOptions options;
  options.max_in_flight = 2;
  StartClient(options);
  handler_.Hold(true);
  Outcomes outcomes(5);
  for (int i = 0; i < 5; ++i) client_->Send(Get("/stuck"), absl::Seconds(60), outcomes.Slot(i));
  ASSERT_TRUE(WaitFor([&] { return handler_.held() == 2; }, kWait));
  const absl::Time start = absl::Now();
  client_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  // Stop returns after every callback ran.
  EXPECT_EQ(outcomes.done(), 5);
  for (int i = 0; i < 5; ++i) {
    const Outcomes::Outcome outcome = outcomes.Get(i);
    EXPECT_EQ(outcome.calls, 1);
    EXPECT_EQ(outcome.response.status, 0);
    EXPECT_EQ(outcome.response.transport_error, "shutting down");
  }
  EXPECT_EQ(client_->in_flight(), 0);
  EXPECT_EQ(client_->queued(), 0);
  client_->Stop();  // again: nothing happens
}

TEST_F(CurlHttpClientTest, StopFromACallbackDoesNotDeadlock) {
  StartServer();
  CurlClientOptions options;
  options.max_in_flight = 1;
  StartClient(options);
  Outcomes outcomes(2);
  HttpTransport::Done record_first = outcomes.Slot(0);
  CurlHttpClient* client = client_.get();
  client_->Send(Get("/a"), absl::Seconds(5), [&, client](HttpResponse response) {
    client->Stop();
    record_first(std::move(response));
  });
  client_->Send(Get("/b"), absl::Seconds(5), outcomes.Slot(1));
  ASSERT_TRUE(outcomes.WaitAll());
  EXPECT_EQ(outcomes.Get(0).response.status, 200);
  // Queued behind the stopping callback; it may have started before.
  const HttpResponse second = outcomes.Get(1).response;
  EXPECT_TRUE(second.status == 200 || second.transport_error == "shutting down")
      << second.status << " " << second.transport_error;
  // The destructor joins the (finished) client thread; run it aside so a
  // deadlock fails the test instead of hanging it.
  auto destroyed = std::make_shared<absl::Notification>();
  std::thread([client = std::move(client_), destroyed]() mutable {
    client.reset();
    destroyed->Notify();
  }).detach();
  EXPECT_TRUE(destroyed->WaitForNotificationWithTimeout(kWait));
}

TEST_F(CurlHttpClientTest, SendAfterStopAnswersShuttingDownOnAnotherThread) {
  StartServer();
  StartClient();
  client_->Stop();
  Outcomes outcomes(1);
  client_->Send(Get("/late"), absl::Seconds(5), outcomes.Slot(0));
  ASSERT_TRUE(outcomes.WaitAll());
  const Outcomes::Outcome outcome = outcomes.Get(0);
  EXPECT_EQ(outcome.response.transport_error, "shutting down");
  EXPECT_NE(outcome.thread, std::this_thread::get_id());
  EXPECT_TRUE(handler_.requests().empty());
}

TEST_F(CurlHttpClientTest, FullQueueRefusesAtOnceAndKeepsTheRest) {
  StartServer();
  CurlClientOptions options;
  options.max_in_flight = 1;
  options.max_queued = 2;
  StartClient(options);
  handler_.Hold(true);
  Outcomes outcomes(5);
  client_->Send(Get("/0"), absl::Seconds(30), outcomes.Slot(0));
  ASSERT_TRUE(WaitFor([&] { return handler_.held() == 1; }, kWait));
  for (int i = 1; i < 5; ++i) {
    client_->Send(Get(absl::StrCat("/", i)), absl::Seconds(30), outcomes.Slot(i));
  }
  // The two beyond the queue are refused without waiting for the others.
  ASSERT_TRUE(outcomes.WaitDone(2));
  for (int i = 3; i < 5; ++i) {
    const Outcomes::Outcome outcome = outcomes.Get(i);
    EXPECT_EQ(outcome.calls, 1);
    EXPECT_EQ(outcome.response.status, 0);
    EXPECT_EQ(outcome.response.transport_error, "queue full");
    EXPECT_NE(outcome.thread, std::this_thread::get_id());
  }
  EXPECT_EQ(client_->queued(), 2);
  EXPECT_EQ(client_->in_flight(), 1);
  EXPECT_EQ(outcomes.done(), 2);

  handler_.Hold(false);
  handler_.AnswerHeld();
  ASSERT_TRUE(outcomes.WaitAll());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(outcomes.Get(i).response.status, 200) << i;
  // FIFO: the queued ones reached the server in the order they were sent.
  const std::vector<http::Request> seen = handler_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].path, "/1");
  EXPECT_EQ(seen[2].path, "/2");
}

TEST_F(CurlHttpClientTest, TimeSpentQueuedCountsAndExpiredRequestsAreNotSent) {
  StartServer();
  CurlClientOptions options;
  options.max_in_flight = 1;
  StartClient(options);
  handler_.Hold(true);
  Outcomes outcomes(2);
  client_->Send(Get("/first"), absl::Seconds(30), outcomes.Slot(0));
  ASSERT_TRUE(WaitFor([&] { return handler_.held() == 1; }, kWait));
  client_->Send(Get("/expires"), absl::Milliseconds(200), outcomes.Slot(1));
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(outcomes.done(), 0);  // noticed when a slot frees, not before
  handler_.Hold(false);
  handler_.AnswerHeld();
  ASSERT_TRUE(outcomes.WaitAll());
  EXPECT_EQ(outcomes.Get(0).response.status, 200);
  EXPECT_EQ(outcomes.Get(1).response.status, 0);
  EXPECT_EQ(outcomes.Get(1).response.transport_error, "queue timeout");
  ASSERT_EQ(handler_.requests().size(), 1u);
}

TEST_F(CurlHttpClientTest, HeaderInjectionIsRefusedBeforeSending) {
  StartServer();
  StartClient();
  HttpRequest request = Get("/inject");
  request.headers = {{"X-Evil", "a\r\nX-Injected: yes"}};
  HttpRequest bad_method = Get("/method");
  bad_method.method = "TRACE";
  Outcomes outcomes(2);
  client_->Send(request, absl::Seconds(5), outcomes.Slot(0));
  client_->Send(bad_method, absl::Seconds(5), outcomes.Slot(1));
  ASSERT_TRUE(outcomes.WaitAll());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(outcomes.Get(i).response.status, 0);
    EXPECT_EQ(outcomes.Get(i).response.transport_error, "invalid request");
  }
  EXPECT_TRUE(handler_.requests().empty());
}

TEST(CurlHttpClientCreateTest, RejectsNonsenseLimits) {
  CurlClientOptions options;
  options.max_in_flight = 0;
  EXPECT_FALSE(CurlHttpClient::Create(options).ok());
  options.max_in_flight = 1;
  options.max_queued = -1;
  EXPECT_FALSE(CurlHttpClient::Create(options).ok());
}

}  // namespace
}  // namespace omnigate::httpclient
