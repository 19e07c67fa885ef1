#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tools/loadgen/histogram.h"

namespace omnigate::loadgen {

// Attribute the load generator stamps on each event: its steady-clock time in
// nanoseconds when the event was sent, read back by CountingSink in the same
// process to measure ingest -> dispatcher -> sink latency.
inline constexpr char kSentAtAttribute[] = "loadgen_sent_ns";
int64_t SteadyNowNs();

// The baseline for the Ingest service: same messages, same callback API, no
// work. Publish answers one result per event at once; PublishStream answers
// each request in order. What the real ingest adds over this is its own cost.
class NoopIngestService final : public omnigate::v1::Ingest::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const omnigate::v1::PublishRequest* request,
                                    omnigate::v1::PublishResponse* response) override;
  grpc::ServerBidiReactor<omnigate::v1::PublishRequest, omnigate::v1::PublishResponse>*
  PublishStream(grpc::CallbackServerContext* context) override;
  int64_t events() const { return events_.load(); }

 private:
  std::atomic<int64_t> events_{0};
};

// A Sink that accepts every delivery at once and counts what arrives (and,
// for events carrying kSentAtAttribute, how long they took).
class CountingSink final : public omnigate::v1::Sink::CallbackService {
 public:
  // `delay`: each call is answered that long after it arrived (a sink doing
  // real work), without holding a thread.
  explicit CountingSink(absl::Duration delay = absl::ZeroDuration()) : delay_(delay) {}

  grpc::ServerUnaryReactor* Deliver(grpc::CallbackServerContext* context,
                                    const omnigate::v1::DeliverRequest* request,
                                    omnigate::v1::DeliverResponse* response) override;

  int64_t events() const { return events_.load(); }
  int64_t calls() const { return calls_.load(); }
  // Steady-clock ns of the first and the latest delivery (0: none yet).
  int64_t first_ns() const { return first_ns_.load(); }
  int64_t last_ns() const { return last_ns_.load(); }
  LatencyHistogram latency() const;

 private:
  const absl::Duration delay_;
  std::atomic<int64_t> events_{0};
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> first_ns_{0};
  std::atomic<int64_t> last_ns_{0};
  mutable std::mutex mu_;
  LatencyHistogram latency_;
};

// Serves `service` on `address` (HOST:PORT, port 0 picks one); returns the
// server and sets *port.
absl::StatusOr<std::unique_ptr<grpc::Server>> Serve(const std::string& address,
                                                    grpc::Service* service, int* port);

}  // namespace omnigate::loadgen
