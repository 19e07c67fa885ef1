#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "lib/http/http_types.h"
#include "lib/http/server_state.h"

namespace omnigate::http {

// One accepted WebSocket: text messages in to the application's
// WebSocketHandler, text messages out from any thread through Send. Every
// member runs on the connection's strand. Counted among the server's open
// connections and closed (going away) by Shutdown.
class WebSocketSession final : public Closable,
                               public WebSocket,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                   std::shared_ptr<WebSocketHandler> handler);
  ~WebSocketSession() override;

  // Completes the handshake answering `upgrade`, then reads.
  void Accept(boost::beast::http::request<boost::beast::http::string_body> upgrade);

  // WebSocket (any thread).
  void Send(std::string text) override;
  void Close() override;
  // Closable (Shutdown): a normal close, or cut the connection when `force`.
  void Close(bool force) override;

  // Messages queued beyond this mean the peer stopped reading: it is cut.
  static constexpr size_t kMaxQueuedMessages = 256;

 private:
  void OnAccept(boost::beast::error_code ec);
  void Read();
  void OnRead(boost::beast::error_code ec);
  void WriteNext();
  void StartClose(boost::beast::websocket::close_code code);
  void Finish();

  std::shared_ptr<ServerState> state_;
  std::shared_ptr<WebSocketHandler> handler_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  uint64_t id_ = 0;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace omnigate::http
