#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "omnigate/v1/sink.grpc.pb.h"

namespace omnigate::testing {

// An omnigate.v1.Sink for end-to-end tests: records every delivered event in
// arrival order and can be told to fail. Thread-safe.
class RecordingSink final : public omnigate::v1::Sink::Service {
 public:
  grpc::Status Deliver(grpc::ServerContext* context, const omnigate::v1::DeliverRequest* request,
                       omnigate::v1::DeliverResponse* response) override;

  // Every call fails with `code` until `until`.
  void FailUntil(grpc::StatusCode code, absl::Time until);
  // Calls carrying an event whose text body is `body` fail with `code`
  // (empty body: off).
  void SetPoison(const std::string& body, grpc::StatusCode code);
  // Each successful call takes this long first.
  void SetDelay(absl::Duration delay);

  // Events of successful calls, in order.
  std::vector<omnigate::v1::Event> events() const;
  size_t event_count() const;
  // Distinct event ids delivered.
  size_t distinct_count() const;
  int calls() const;
  int failed_calls() const;

 private:
  mutable std::mutex mu_;
  std::vector<omnigate::v1::Event> events_;
  std::map<std::string, int> seen_;
  grpc::StatusCode fail_code_ = grpc::StatusCode::OK;
  absl::Time fail_until_ = absl::InfinitePast();
  std::string poison_;
  grpc::StatusCode poison_code_ = grpc::StatusCode::OK;
  absl::Duration delay_ = absl::ZeroDuration();
  int calls_ = 0;
  int failed_calls_ = 0;
};

// A RecordingSink served over gRPC on a free loopback port.
class SinkServer {
 public:
  static absl::StatusOr<std::unique_ptr<SinkServer>> Start();
  ~SinkServer();
  int port() const { return port_; }
  std::string address() const;
  RecordingSink& sink() { return sink_; }

 private:
  SinkServer() = default;
  RecordingSink sink_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace omnigate::testing
