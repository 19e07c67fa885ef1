#pragma once

#include <cstddef>
#include <functional>
#include <memory>
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

// An open WebSocket, for the application to send on. Thread-safe.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues one text message. Ignored once the socket is closing; a peer
  // that reads too slowly (a long queue) is disconnected.
  virtual void Send(std::string text) = 0;
  // Starts a normal close (the handler's OnClose follows).
  virtual void Close() = 0;
};

// The application's side of one WebSocket. Calls come one at a time.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // The handshake is done. The socket owns this handler: keep only a
  // weak_ptr to it.
  virtual void OnOpen(std::weak_ptr<WebSocket> socket) = 0;
  virtual void OnMessage(std::string text) = 0;
  // Exactly once, when the socket is gone (closed by either side, failed,
  // cut at shutdown, or its handshake failed before OnOpen). No call follows.
  virtual void OnClose() = 0;
};

// A handler's answer to a WebSocket upgrade request.
struct UpgradeAnswer {
  // Set: accept the upgrade; this handler serves the socket.
  std::shared_ptr<WebSocketHandler> accept;
  // Otherwise, when status is not 0, the request is refused with this
  // answer; when it is 0 the request is handled as plain HTTP (Handle).
  Response refusal = Response{0, "application/json", "", {}};
};

// Application logic behind the server. Handle() runs on a server thread and
// must not block: long work answers later through the responder.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request request, Responder respond) = 0;
  // A GET asking to upgrade to WebSocket. Runs on a server thread and must
  // not block. By default no path speaks WebSocket: handled as plain HTTP.
  virtual UpgradeAnswer Upgrade(const Request& request) { return {}; }
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
  // WebSockets: a silent peer is pinged after half of this and dropped when
  // it stays silent for all of it; larger messages close the socket.
  absl::Duration websocket_idle_timeout = absl::Seconds(60);
  size_t max_websocket_message_bytes = 64 << 10;
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
  uint64_t websockets_accepted = 0;
};

}  // namespace omnigate::http
