#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/http/http_types.h"

namespace omnigate::http {

class ServerState;

// An HTTP/1.1 server on Boost.Beast: keep-alive and pipelined requests
// (answered in order, one at a time per connection), chunked bodies, early
// 413 from Content-Length (also under Expect: 100-continue), 431 for huge
// headers, total deadlines per header section and body so slow senders cannot
// hold connections, and a bounded number of connections.
class HttpServer {
 public:
  // Binds `options.address` and starts `options.threads` I/O threads.
  // `handler` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                           Handler* handler);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (useful with port 0).
  int port() const;

  // Stops accepting, closes idle connections, lets requests in progress be
  // answered (with Connection: close) for up to `grace`, then stops. Safe to
  // call more than once.
  void Shutdown(absl::Duration grace);

  ServerStats stats() const;
  // Latest sample of how far behind schedule the I/O loop runs (see
  // Request::loop_lag).
  absl::Duration loop_lag() const;

 private:
  explicit HttpServer(std::shared_ptr<ServerState> state);
  std::shared_ptr<ServerState> state_;
};

}  // namespace omnigate::http
