#include "lib/http/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <exception>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/http/server_state.h"
#include "lib/http/websocket_session.h"

namespace omnigate::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;

constexpr char kServerName[] = "omnigate";
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
// How long a rejected client may keep sending before we close, so it can
// still read our error instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(2);

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

Response ErrorResponse(int status, absl::string_view reason) {
  Response response;
  response.status = status;
  response.body = absl::StrCat("{\"error\":\"", reason, "\"}");
  return response;
}

// Calls the session once; if every copy of the responder is dropped unused,
// answers 500 so the client is never left waiting.
class PendingReply {
 public:
  explicit PendingReply(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~PendingReply() {
    if (!sent_.exchange(true)) session_->Deliver(ErrorResponse(500, "handler_dropped_request"));
  }
  void Send(Response response) {
    if (!sent_.exchange(true)) session_->Deliver(std::move(response));
  }

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> sent_{false};
};

}  // namespace

Session::Session(net::ip::tcp::socket socket, std::shared_ptr<ServerState> state)
    : state_(std::move(state)), stream_(std::move(socket)) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
  state_->connections_open.fetch_add(1);
}

Session::~Session() {
  state_->connections_open.fetch_sub(1);
  if (id_ != 0) state_->Unregister(id_);
}

void Session::Start() {
  id_ = state_->Register(shared_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
}

void Session::Close(bool force) {
  if (upgraded_.load()) return;  // the socket belongs to its WebSocket session
  net::post(stream_.get_executor(), [self = shared_from_this(), force] {
    if (force || self->phase_ == Phase::kIdle) {
      beast::error_code ec;
      self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
      self->phase_ = Phase::kClosed;
    }
  });
}

void Session::WaitForRequest() {
  if (state_->draining.load()) {
    GracefulClose();
    return;
  }
  phase_ = Phase::kIdle;
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadHeader();
    return;
  }
  // Idle: wait for the first byte of the next request under the idle timeout;
  // the header deadline starts only once the client has begun.
  stream_.expires_after(ToChrono(state_->options.idle_timeout));
  stream_.async_read_some(
      buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->buffer_.commit(n);
        if (ec) {
          if (ec == beast::error::timeout) {
            self->GracefulClose();  // an idle keep-alive connection, not an error
            return;
          }
          self->Fail(ec);
          return;
        }
        self->ReadHeader();
      });
}

void Session::ReadHeader() {
  phase_ = Phase::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(state_->options.max_header_bytes));
  parser_->body_limit(state_->options.max_body_bytes);
  stream_.expires_after(ToChrono(state_->options.header_timeout));
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) {
    Fail(ec);
    return;
  }
  const auto& header = parser_->get();
  if (header.version() != 11 && header.version() != 10) {
    state_->bad_requests.fetch_add(1);
    Write(ErrorResponse(505, "http_version_not_supported"), /*close_after=*/true);
    return;
  }
  const auto length = parser_->content_length();
  if (length && *length > state_->options.max_body_bytes) {
    state_->bodies_too_large.fetch_add(1);
    Write(ErrorResponse(413, "body_too_large"), true);
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  const auto expect = header[bhttp::field::expect];
  if (absl::EqualsIgnoreCase(absl::string_view(expect.data(), expect.size()), "100-continue")) {
    stream_.expires_after(ToChrono(state_->options.write_timeout));
    net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         self->Fail(ec);
                         return;
                       }
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  stream_.expires_after(ToChrono(state_->options.body_timeout));
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) {
    Fail(ec);
    return;
  }
  Dispatch();
}

void Session::Fail(beast::error_code ec) {
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset) {
    GracefulClose();
    return;
  }
  if (ec == beast::error::timeout) {
    // Slow or stalled sender: cut it off without spending more on it.
    state_->timeouts.fetch_add(1);
    beast::error_code ignored;
    stream_.socket().close(ignored);
    phase_ = Phase::kClosed;
    return;
  }
  if (ec == bhttp::error::body_limit) {
    state_->bodies_too_large.fetch_add(1);
    Write(ErrorResponse(413, "body_too_large"), true);
    return;
  }
  if (ec == bhttp::error::header_limit) {
    state_->bad_requests.fetch_add(1);
    Write(ErrorResponse(431, "headers_too_large"), true);
    return;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
    state_->bad_requests.fetch_add(1);
    Write(ErrorResponse(400, absl::StrCat("bad_request: ", ec.message())), true);
    return;
  }
  OG_LOG(DEBUG) << "http connection error peer=" << remote_ << " error=" << ec.message();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  phase_ = Phase::kClosed;
}

void Session::Dispatch() {
  phase_ = Phase::kHandling;
  stream_.expires_never();
  state_->requests.fetch_add(1);
  auto message = parser_->release();
  parser_.reset();
  keep_alive_ = message.keep_alive();

  Request request;
  request.method = std::string(message.method_string());
  const absl::string_view target(message.target().data(), message.target().size());
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != absl::string_view::npos) request.query = std::string(target.substr(question + 1));
  for (const auto& field : message) {
    request.headers.Add(absl::string_view(field.name_string().data(), field.name_string().size()),
                        absl::string_view(field.value().data(), field.value().size()));
  }
  request.remote_address = remote_;
  request.loop_lag = absl::Nanoseconds(state_->loop_lag_ns.load(std::memory_order_relaxed));
  if (websocket::is_upgrade(message) && TryUpgrade(message, request)) return;
  request.body = std::move(message.body());

  auto pending = std::make_shared<PendingReply>(shared_from_this());
  Responder respond = [pending](Response response) { pending->Send(std::move(response)); };
  try {
    state_->handler->Handle(std::move(request), std::move(respond));
  } catch (const std::exception& e) {
    // Handlers should not throw; if one does, the client still gets an answer.
    OG_LOG(ERROR) << "http handler threw: " << e.what();
    pending->Send(ErrorResponse(500, "internal_error"));
  }
}

bool Session::TryUpgrade(bhttp::request<bhttp::string_body>& message, const Request& request) {
  UpgradeAnswer answer;
  if (state_->draining.load()) {
    // A socket opened now would be cut in a moment: reconnect elsewhere.
    Write(ErrorResponse(503, "shutting_down"), /*close_after=*/true);
    return true;
  }
  try {
    answer = state_->handler->Upgrade(request);
  } catch (const std::exception& e) {
    OG_LOG(ERROR) << "http upgrade handler threw: " << e.what();
    answer.refusal = ErrorResponse(500, "internal_error");
  }
  if (answer.accept == nullptr) {
    if (answer.refusal.status == 0) return false;  // plain HTTP after all
    Write(std::move(answer.refusal), /*close_after=*/true);
    return true;
  }
  // The socket moves to its WebSocket session; this one ends here.
  phase_ = Phase::kClosed;
  upgraded_.store(true);
  auto ws = std::make_shared<WebSocketSession>(stream_.release_socket(), state_,
                                               std::move(answer.accept));
  ws->Accept(std::move(message));
  return true;
}

void Session::Deliver(Response response) {
  if (state_->stopped.load()) return;
  net::post(stream_.get_executor(),
            [self = shared_from_this(), response = std::move(response)]() mutable {
              if (self->phase_ != Phase::kHandling) return;  // connection already gone
              self->Write(std::move(response), /*close_after=*/false);
            });
}

void Session::Write(Response response, bool close_after) {
  phase_ = Phase::kWriting;
  close_after_write_ = close_after || !keep_alive_ || state_->draining.load();
  out_.emplace();
  out_->version(11);
  out_->result(static_cast<unsigned>(response.status));
  out_->set(bhttp::field::server, kServerName);
  if (!response.content_type.empty()) out_->set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) out_->set(name, value);
  out_->body() = std::move(response.body);
  out_->keep_alive(!close_after_write_);
  out_->prepare_payload();
  stream_.expires_after(ToChrono(state_->options.write_timeout));
  bhttp::async_write(stream_, *out_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnWrite(ec);
  });
}

void Session::OnWrite(beast::error_code ec) {
  out_.reset();
  if (ec) {
    if (ec == beast::error::timeout) state_->timeouts.fetch_add(1);
    beast::error_code ignored;
    stream_.socket().close(ignored);
    phase_ = Phase::kClosed;
    return;
  }
  if (close_after_write_) {
    GracefulClose();
    return;
  }
  WaitForRequest();
}

void Session::GracefulClose() {
  // Half-close first so the client reads everything we wrote, then drain
  // what it still sends for a short while instead of resetting.
  phase_ = Phase::kClosed;
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    stream_.socket().close(ec);
    return;
  }
  stream_.expires_after(kLingerTime);
  Linger();
}

void Session::Linger() {
  linger_buffer_.resize(4096);
  stream_.async_read_some(net::buffer(linger_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) {
                              beast::error_code ignored;
                              self->stream_.socket().close(ignored);
                              return;
                            }
                            self->Linger();
                          });
}

}  // namespace omnigate::http
