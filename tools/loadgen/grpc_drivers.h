#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <vector>

#include "omnigate/v1/ingest.grpc.pb.h"
#include "tools/loadgen/driver.h"

namespace omnigate::loadgen {

// Fills the request of sequence number `seq`.
using PublishBuilder =
    std::function<void(int64_t seq, int64_t due_ns, omnigate::v1::PublishRequest* request)>;

// A request counts as accepted when the status is OK, the response code is 0
// and there is one result per event.
bool PublishAccepted(const omnigate::v1::PublishRequest& request,
                     const omnigate::v1::PublishResponse& response);

// Ingest.Publish over the callback API: one unary call per Send, spread
// round robin over `channels` (one HTTP/2 connection each, as a fleet of
// backend clients would hold).
class UnaryPublishDriver final : public Driver {
 public:
  UnaryPublishDriver(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                     PublishBuilder builder);
  void Send(int64_t seq, int64_t due_ns, Done done) override;

 private:
  std::vector<std::unique_ptr<omnigate::v1::Ingest::Stub>> stubs_;
  const PublishBuilder builder_;
};

// Ingest.PublishStream: `streams` bidi streams on one channel; Send picks one
// round robin and writes on it (writes are queued: one in flight per stream);
// responses come back in order and complete the oldest request of that
// stream. How many requests are in flight is the runner's concurrency.
class StreamPublishDriver final : public Driver {
 public:
  StreamPublishDriver(std::shared_ptr<grpc::Channel> channel, int streams, PublishBuilder builder);
  // Half-closes every stream and waits for them to finish.
  ~StreamPublishDriver() override;
  void Send(int64_t seq, int64_t due_ns, Done done) override;

  class Stream;

 private:
  std::unique_ptr<omnigate::v1::Ingest::Stub> stub_;
  const PublishBuilder builder_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace omnigate::loadgen
