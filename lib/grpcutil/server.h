#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/grpcutil/auth.h"

namespace omnigate::grpcutil {

struct GrpcServerOptions {
  std::string address = "0.0.0.0:0";  // HOST:PORT; port 0 picks one
  int max_receive_message_bytes = 8 << 20;
  // Upper bound of threads of the sync server (0: gRPC's default). Services
  // whose handlers block (Redis, downstream calls) set it.
  int max_threads = 0;
  // TLS (and mutual TLS) when configured; plaintext otherwise.
  ServerTls tls;
  // Calls one client connection may have open at once (0: gRPC's default,
  // unbounded). Calls beyond it wait in the client, not in this server's
  // memory: with it, an overloaded server's memory is bounded by connections
  // instead of by what clients choose to send.
  int max_concurrent_streams = 0;
};

// A plaintext server on a free loopback port (tests and tools).
inline GrpcServerOptions LoopbackServerOptions() {
  GrpcServerOptions options;
  options.address = "127.0.0.1:0";
  return options;
}

// A started gRPC server that also serves grpc.health.v1.Health and server
// reflection. Health answers follow SetServing() (SERVING after Start).
class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options, const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  int port() const { return port_; }
  // Health checks answer SERVING / NOT_SERVING for "" and every service.
  void SetServing(bool serving);
  // Stops accepting calls and waits for running ones until `deadline`.
  void Shutdown(absl::Duration deadline);

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace omnigate::grpcutil
