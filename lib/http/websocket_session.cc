#include "lib/http/websocket_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <utility>

#include "absl/time/time.h"
#include "lib/common/log.h"

namespace omnigate::http {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

}  // namespace

WebSocketSession::WebSocketSession(net::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                                   std::shared_ptr<WebSocketHandler> handler)
    : state_(std::move(state)), handler_(std::move(handler)), ws_(std::move(socket)) {
  state_->connections_open.fetch_add(1);
}

WebSocketSession::~WebSocketSession() {
  state_->connections_open.fetch_sub(1);
  if (id_ != 0) state_->Unregister(id_);
}

void WebSocketSession::Accept(beast::http::request<beast::http::string_body> upgrade) {
  id_ = state_->Register(shared_from_this());
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = std::chrono::seconds(10);
  // Half the idle time without a frame: we ping; all of it: the peer is gone.
  timeouts.idle_timeout = absl::ToChronoNanoseconds(state_->options.websocket_idle_timeout);
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "omnigate");
  }));
  ws_.read_message_max(state_->options.max_websocket_message_bytes);
  ws_.async_accept(upgrade,
                   [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) {
    Finish();
    return;
  }
  open_ = true;
  state_->websockets_accepted.fetch_add(1);
  handler_->OnOpen(weak_from_this());
  Read();
}

void WebSocketSession::Read() {
  ws_.async_read(buffer_,
                 [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
}

void WebSocketSession::OnRead(beast::error_code ec) {
  if (ec) {
    if (ec != websocket::error::closed && ec != net::error::operation_aborted) {
      OG_LOG(DEBUG) << "websocket read ended: " << ec.message();
    }
    Finish();
    return;
  }
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!finished_) handler_->OnMessage(std::move(text));
  Read();
}

void WebSocketSession::Send(std::string text) {
  net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
    if (!self->open_ || self->closing_ || self->finished_) return;
    if (self->queue_.size() >= kMaxQueuedMessages) {
      // A reader this slow would hold our memory; it reconnects and catches up.
      self->StartClose(websocket::close_code::policy_error);
      return;
    }
    self->queue_.push_back(std::move(text));
    if (self->queue_.size() == 1) self->WriteNext();
  });
}

void WebSocketSession::WriteNext() {
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    if (ec) {
                      self->queue_.clear();
                      self->Finish();
                      return;
                    }
                    self->queue_.pop_front();
                    if (!self->queue_.empty() && !self->closing_) self->WriteNext();
                  });
}

void WebSocketSession::Close() {
  net::post(ws_.get_executor(),
            [self = shared_from_this()] { self->StartClose(websocket::close_code::normal); });
}

void WebSocketSession::Close(bool force) {
  net::post(ws_.get_executor(), [self = shared_from_this(), force] {
    if (force) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
      self->Finish();
      return;
    }
    self->StartClose(websocket::close_code::going_away);
  });
}

void WebSocketSession::StartClose(websocket::close_code code) {
  if (!open_ || closing_ || finished_) return;
  closing_ = true;
  ws_.async_close(code, [self = shared_from_this()](beast::error_code) { self->Finish(); });
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  handler_->OnClose();
}

}  // namespace omnigate::http
