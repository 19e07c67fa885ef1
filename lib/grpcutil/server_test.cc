#include "lib/grpcutil/server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "omnigate/v1/sink.grpc.pb.h"

namespace omnigate::grpcutil {
namespace {

// A sync Sink whose calls block until released: each holds a server thread.
class BlockingSink final : public omnigate::v1::Sink::Service {
 public:
  grpc::Status Deliver(grpc::ServerContext*, const omnigate::v1::DeliverRequest*,
                       omnigate::v1::DeliverResponse*) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++running_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    return grpc::Status::OK;
  }
  void WaitRunning(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return running_ >= n; });
  }
  int running() {
    std::lock_guard<std::mutex> lock(mu_);
    return running_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  bool released_ = false;
};

// A server with a thread cap answers calls beyond it at once with
// RESOURCE_EXHAUSTED instead of starting a thread per call.
TEST(GrpcServerTest, ThreadCapRefusesCallsBeyondIt) {
  BlockingSink sink;
  GrpcServerOptions options;
  options.address = "127.0.0.1:0";
  options.max_threads = 4;
  auto server = GrpcServer::Start(options, {&sink});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = omnigate::v1::Sink::NewStub(channel);

  constexpr int kCalls = 24;
  std::vector<grpc::StatusCode> codes(kCalls, grpc::StatusCode::UNKNOWN);
  std::atomic<int> finished{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      omnigate::v1::DeliverRequest request;
      omnigate::v1::DeliverResponse response;
      codes[i] = stub->Deliver(&context, request, &response).error_code();
      finished.fetch_add(1);
    });
  }
  // Every call is either held by a handler or answered already.
  sink.WaitRunning(1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (finished.load() + sink.running() < kCalls && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int running = sink.running();
  sink.Release();
  for (auto& t : callers) t.join();
  int ok = 0, exhausted = 0;
  for (grpc::StatusCode c : codes) {
    if (c == grpc::StatusCode::OK) ++ok;
    if (c == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
  }
  EXPECT_LE(running, options.max_threads) << "handlers ran at once beyond the thread cap";
  EXPECT_GT(exhausted, 0) << "no call was refused beyond the cap";
  EXPECT_EQ(ok + exhausted, kCalls) << "every call is either served or refused";
}

}  // namespace
}  // namespace omnigate::grpcutil
