#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lib/http/http_types.h"

namespace omnigate::http {

// A live connection Shutdown can close: an HTTP session or a WebSocket.
class Closable {
 public:
  virtual ~Closable() = default;
  // Close now if idle, or whatever it is doing when `force`.
  virtual void Close(bool force) = 0;
};

// What the acceptor and every connection share. Owned jointly by the server
// and its sessions, so a responder that fires late never touches freed state.
class ServerState {
 public:
  ServerState(const ServerOptions& options, Handler* handler)
      : options(options), handler(handler), acceptor(boost::asio::make_strand(io)) {}

  const ServerOptions options;
  Handler* const handler;
  boost::asio::io_context io;
  // Keeps the I/O threads running while a draining server has no pending
  // operation but handlers still owe responses.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  boost::asio::ip::tcp::acceptor acceptor;
  std::vector<std::thread> threads;

  // Set by Shutdown: no new connections, no keep-alive.
  std::atomic<bool> draining{false};
  // Set once the I/O threads are gone: late responders are dropped.
  std::atomic<bool> stopped{false};

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> bodies_too_large{0};
  std::atomic<uint64_t> websockets_accepted{0};
  // Latest lateness of the loop-lag timer (see Request::loop_lag).
  std::atomic<int64_t> loop_lag_ns{0};
  // On its own strand (Shutdown cancels it from another thread). Declared
  // after `io`, so it is destroyed (and its wait cancelled) first.
  boost::asio::steady_timer lag_timer{boost::asio::make_strand(io)};

  // Live connections, so Shutdown can close idle ones.
  uint64_t Register(const std::shared_ptr<Closable>& session);
  void Unregister(uint64_t id);
  std::vector<std::shared_ptr<Closable>> LiveSessions();

 private:
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Closable>> sessions_;
};

}  // namespace omnigate::http
