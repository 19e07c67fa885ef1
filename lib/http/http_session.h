#pragma once

#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lib/http/http_types.h"
#include "lib/http/server_state.h"

namespace omnigate::http {

// One client connection. Every member runs on the connection's strand; the
// responder handed to the Handler posts back onto it from any thread.
//
// Life of a request: wait for its first byte (idle timeout) -> read the
// header section (header timeout) -> 413 early if the announced body is too
// big, 100 Continue if asked -> read the body (body timeout) -> Handler ->
// write the response (write timeout) -> next request or close. A WebSocket
// upgrade the handler accepts hands the socket to a WebSocketSession.
class Session final : public Closable, public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);
  ~Session();

  void Start();
  // Shutdown: close now if waiting for a request, or whatever it is doing
  // when `force`.
  void Close(bool force) override;
  // Called by the responder, any thread.
  void Deliver(Response response);

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kClosed };

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch();
  // A WebSocket upgrade request: true when it was answered here (accepted
  // and handed to a WebSocketSession, or refused).
  bool TryUpgrade(boost::beast::http::request<boost::beast::http::string_body>& message,
                  const Request& request);
  void Fail(boost::beast::error_code ec);
  void Write(Response response, bool close_after);
  void OnWrite(boost::beast::error_code ec);
  void GracefulClose();
  void Linger();

  std::shared_ptr<ServerState> state_;
  uint64_t id_ = 0;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> out_;
  std::string remote_;
  std::string linger_buffer_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = true;
  bool close_after_write_ = false;
  // Set once the socket went to a WebSocket session (read from Close, any
  // thread).
  std::atomic<bool> upgraded_{false};
};

}  // namespace omnigate::http
