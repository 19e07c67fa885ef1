// WebSocket upgrades on the HTTP server: accepted by the handler's choice,
// refused with its answer, plain HTTP untouched; messages both ways, sends
// from other threads, shutdown closes sockets as "going away".
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "tests/support/wait.h"

namespace omnigate::http {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using ::omnigate::testing::WaitFor;

// Echoes each message in upper case and remembers the socket so the test
// can push to it.
class EchoSocket : public WebSocketHandler {
 public:
  void OnOpen(std::weak_ptr<WebSocket> socket) override {
    std::lock_guard<std::mutex> lock(mu_);
    socket_ = socket;
  }
  void OnMessage(std::string text) override {
    if (auto s = socket()) s->Send("echo:" + text);
  }
  void OnClose() override { closes_.fetch_add(1); }
  std::shared_ptr<WebSocket> socket() {
    std::lock_guard<std::mutex> lock(mu_);
    return socket_.lock();
  }
  std::atomic<int> closes_{0};

 private:
  std::mutex mu_;
  std::weak_ptr<WebSocket> socket_;
};

class SocketHandler : public Handler {
 public:
  void Handle(Request request, Responder respond) override {
    Response r;
    r.body = "plain " + request.path;
    respond(std::move(r));
  }
  UpgradeAnswer Upgrade(const Request& request) override {
    UpgradeAnswer answer;
    if (request.path == "/ws") {
      last_ = std::make_shared<EchoSocket>();
      answer.accept = last_;
    } else if (request.path == "/refused") {
      answer.refusal.status = 403;
      answer.refusal.body = R"({"error":"origin_not_allowed"})";
    }
    return answer;
  }
  std::shared_ptr<EchoSocket> last_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.address = "127.0.0.1:0";
    options.threads = 2;
    auto server = HttpServer::Start(options, &handler_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // A connected client socket after the handshake to `path`.
  std::unique_ptr<websocket::stream<net::ip::tcp::socket>> Connect(const std::string& path,
                                                                   beast::error_code* ec) {
    auto ws = std::make_unique<websocket::stream<net::ip::tcp::socket>>(io_);
    ws->next_layer().connect(
        {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
    ws->handshake("127.0.0.1", path, *ec);
    return ws;
  }

  static std::string ReadText(websocket::stream<net::ip::tcp::socket>& ws) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  net::io_context io_;
  SocketHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(WebSocketTest, MessagesFlowBothWaysAndFromOtherThreads) {
  beast::error_code ec;
  auto ws = Connect("/ws", &ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->write(net::buffer(std::string("hello")));
  EXPECT_EQ(ReadText(*ws), "echo:hello");
  // A push from an application thread.
  std::thread([&] { handler_.last_->socket()->Send("pushed"); }).join();
  EXPECT_EQ(ReadText(*ws), "pushed");
  EXPECT_EQ(server_->stats().websockets_accepted, 1u);
  ws->close(websocket::close_code::normal);
  EXPECT_TRUE(WaitFor([&] { return handler_.last_->closes_.load() == 1; }, absl::Seconds(5)));
  EXPECT_TRUE(WaitFor([&] { return server_->stats().connections_open == 0; }, absl::Seconds(5)));
}

TEST_F(WebSocketTest, RefusedUpgradesGetTheHandlersAnswer) {
  beast::error_code ec;
  auto ws = Connect("/refused", &ec);
  EXPECT_TRUE(ec);  // the handshake failed: 403, not 101
  EXPECT_EQ(server_->stats().websockets_accepted, 0u);
}

TEST_F(WebSocketTest, PathsWithoutWebSocketAreStillPlainHttp) {
  net::ip::tcp::socket socket(io_);
  socket.connect(
      {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
  beast::http::request<beast::http::string_body> request(beast::http::verb::get, "/other", 11);
  request.set(beast::http::field::host, "t");
  beast::http::write(socket, request);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "plain /other");
}

TEST_F(WebSocketTest, ShutdownClosesOpenSocketsAsGoingAway) {
  beast::error_code ec;
  auto ws = Connect("/ws", &ec);
  ASSERT_FALSE(ec) << ec.message();
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(2)); });
  beast::flat_buffer buffer;
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws->reason().code, websocket::close_code::going_away);
  stopper.join();
  EXPECT_EQ(handler_.last_->closes_.load(), 1);
}

}  // namespace
}  // namespace omnigate::http
