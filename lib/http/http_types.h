#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "lib/common/headers.h"

namespace omnigate::http {

// One complete HTTP/1.1 request, body fully read (chunked bodies decoded).
struct Request {
  std::string method;
  // Path without the query, as sent (no percent-decoding).
  std::string path;
  // Raw query string without '?'.
  std::string query;
  Headers headers;
  std::string body;
  // "ip:port" of the peer.
  std::string remote_address;
  // How far behind schedule the server's I/O loop ran when this request was
  // read: near zero while the CPU keeps up; it grows as ready connections
  // queue (with several I/O threads: once all are busy). A handler can
  // refuse work early on it (load shedding).
  absl::Duration loop_lag;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers (Retry-After, ...). Content-Length, Server and Connection
  // are set by the server.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends the response for one request. May be called from any thread, exactly
// once; later calls are ignored. Dropping it without calling answers 500 so a
// connection never hangs on a lost callback.
using Responder = std::function<void(Response)>;

// Application logic behind the server. Handle() runs on a server thread and
// must not block: long work answers later through the responder.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request request, Responder respond) = 0;
};

struct ServerOptions {
  // "host:port"; port 0 picks a free port (see HttpServer::port()).
  std::string address = "0.0.0.0:8080";
  int threads = 1;
  // Larger bodies are answered 413 as soon as the headers announce them.
  size_t max_body_bytes = 1 << 20;
  // Larger header sections are answered 431.
  size_t max_header_bytes = 16 << 10;
  // Total time allowed for the header section once its first byte arrived,
  // and for the body after the headers: slow senders are cut off.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  // How long a kept-alive connection may sit without a new request.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Time allowed to write one response to a slow reader.
  absl::Duration write_timeout = absl::Seconds(30);
  // Connections beyond this are closed right after accept.
  int max_connections = 10000;
};

// Counters since start, for tests and metrics.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  int64_t connections_open = 0;
  uint64_t requests = 0;
  uint64_t timeouts = 0;          // connections cut by a deadline
  uint64_t bad_requests = 0;      // 400 and 431
  uint64_t bodies_too_large = 0;  // 413
};

}  // namespace omnigate::http
