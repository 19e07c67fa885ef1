#pragma once

#include "lib/grpcutil/auth.h"
#include "lib/ingest/ingest_pipeline.h"
#include "omnigate/v1/ingest.grpc.pb.h"

namespace omnigate::ingest {

// omnigate.v1.Ingest over the gRPC callback API: no thread per call; each
// RPC completes when the pipeline's storage callback fires.
class IngestGrpcService final : public omnigate::v1::Ingest::CallbackService {
 public:
  // `pipeline` must outlive the service. Unary calls (Receive, Publish)
  // arriving while the pipeline already has `max_in_flight` requests in work
  // are shed at once with RESOURCE_EXHAUSTED: each waiting call holds gRPC
  // buffers, so without a bound an overloaded ingest grows by the client's
  // concurrency instead of answering "retry later".
  explicit IngestGrpcService(IngestPipeline* pipeline, size_t max_stream_in_flight = 64,
                             size_t max_in_flight = 2048)
      : pipeline_(pipeline),
        max_stream_in_flight_(max_stream_in_flight),
        max_in_flight_(max_in_flight) {}

  // Calls need the publish scope when set (see grpcutil::CallAuthorizer).
  void set_authorizer(const grpcutil::CallAuthorizer* authorizer) { authorizer_ = authorizer; }

  grpc::ServerUnaryReactor* Receive(grpc::CallbackServerContext* context,
                                    const omnigate::v1::ReceiveRequest* request,
                                    omnigate::v1::ReceiveResponse* response) override;
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const omnigate::v1::PublishRequest* request,
                                    omnigate::v1::PublishResponse* response) override;
  grpc::ServerBidiReactor<omnigate::v1::PublishRequest, omnigate::v1::PublishResponse>*
  PublishStream(grpc::CallbackServerContext* context) override;

 private:
  // True (and the call finished) when the call is shed.
  bool Shed(grpc::ServerUnaryReactor* reactor);

  IngestPipeline* const pipeline_;
  const size_t max_stream_in_flight_;
  const size_t max_in_flight_;
  const grpcutil::CallAuthorizer* authorizer_ = nullptr;
};

}  // namespace omnigate::ingest
