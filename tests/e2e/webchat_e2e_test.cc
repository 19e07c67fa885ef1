// The hosted web chat end to end with every real binary (ingest,
// dispatcher, chatbot, agent router, sender) and a real Redis, spoken to
// exactly as the widget does over HTTP: an anonymous visitor gets a
// session, asks a question, the bot's FAQ answer comes back through
// omnigate-sender's signed web chat reply and the long-poll; the visitor
// asks for a human, an agent answers with Outbound.Send, and a "reload"
// (poll from the start) shows the whole conversation in order. Refusals
// (origin, token) store nothing.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/e2e/webchat_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test.h"
#include "tests/support/wait.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;
using testing::WaitFor;

constexpr const char* kOrigin = kWebchatOrigin;

// The widget's WebSocket, as a test client: says hello, then collects every
// pushed message on a reader thread.
class SocketClient {
 public:
  SocketClient(int port, const std::string& token, const std::string& after) {
    namespace websocket = boost::beast::websocket;
    ws_.next_layer().connect(
        {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(boost::beast::http::field::origin, kOrigin);
    }));
    ws_.handshake("127.0.0.1", "/webchat/site-main/socket");
    ws_.write(boost::asio::buffer(
        absl::StrCat(R"({"type":"hello","token":")", token, R"(","after":")", after, R"("})")));
    reader_ = std::thread([this] {
      for (;;) {
        boost::beast::flat_buffer buffer;
        boost::beast::error_code ec;
        ws_.read(buffer, ec);
        std::lock_guard<std::mutex> lock(mu_);
        if (ec) {
          closed_ = true;
          return;
        }
        received_ += boost::beast::buffers_to_string(buffer.data()) + "\n";
      }
    });
  }
  ~SocketClient() {
    boost::beast::error_code ignored;
    ws_.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    reader_.join();
  }
  std::string received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  bool closed() {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
  std::thread reader_;
  std::mutex mu_;
  std::string received_;
  bool closed_ = false;
};

struct Shown {
  std::string role;
  std::string text;
};

class WebchatE2ETest : public WebchatStackTest {
 protected:
  testing::HttpResult Api(const std::string& method, const std::string& target,
                          const std::string& body = "", const std::string& origin = kOrigin,
                          const std::string& token = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!origin.empty()) headers.emplace_back("Origin", origin);
    const std::string bearer = token.empty() ? token_ : token;
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    auto r = testing::HttpRequest(http_port_, method, target, headers, body, absl::Seconds(15));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : testing::HttpResult{};
  }

  static std::string Field(const std::string& json, const std::string& key) {
    auto doc = json::ParseStrictObject(json);
    std::string value;
    if (doc.ok()) (void)json::GetString(**doc, key, &value);
    return value;
  }

  void Send(const std::string& id, const std::string& text) {
    const testing::HttpResult r = Api("POST", "/webchat/site-main/messages",
                                      absl::StrCat(R"({"client_message_id":")", id, R"(","text":")",
                                                   text, R"(","locale":"en"})"));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Long-polls from `cursor_` once; appends what arrived to `seen_`.
  void PollOnce() {
    const testing::HttpResult r =
        Api("GET", absl::StrCat("/webchat/site-main/poll?after=", cursor_, "&wait=1"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = json::ParseStrictObject(r.body);
    ASSERT_TRUE(doc.ok());
    for (const auto& item : (**doc)["messages"].GetArray()) {
      const auto& m = item["message"];
      seen_.push_back({m["role"].GetString(), m["text"].GetString()});
    }
    cursor_ = (**doc)["cursor"].GetString();
  }

  bool SawFrom(const std::string& role, const std::string& text) {
    for (const Shown& s : seen_)
      if (s.role == role && s.text.find(text) != std::string::npos) return true;
    return false;
  }

  bool PollUntil(const std::string& role, const std::string& text) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (!SawFrom(role, text) && absl::Now() < deadline) PollOnce();
    return SawFrom(role, text);
  }

  std::string conversation() const { return absl::StrCat("webchat:site-main:", visitor_); }

  omnigate::v1::Conversation State() { return StateOf(conversation()); }

  std::string token_;
  std::string visitor_;
  std::string cursor_ = "0";
  std::vector<Shown> seen_;
};

TEST_F(WebchatE2ETest, BotAnswerHandoffAgentReplyAndHistoryReachTheVisitor) {
  // The page loads the widget and its demo from ingest.
  EXPECT_EQ(Api("GET", "/webchat/site-main/widget.js", "", "").status, 200);
  EXPECT_THAT(Api("GET", "/webchat/site-main/demo", "", "").body, HasSubstr("widget.js"));
  EXPECT_EQ(Api("GET", "/webchat/nope/widget.js", "", "").status, 404);

  const testing::HttpResult session = Api("POST", "/webchat/site-main/session", "{}");
  ASSERT_EQ(session.status, 200) << session.body;
  token_ = Field(session.body, "token");
  visitor_ = Field(session.body, "visitor_id");
  ASSERT_FALSE(token_.empty());
  EXPECT_THAT(session.body, ::testing::Not(HasSubstr("webchat-e2e-secret")));

  // Refused before anything is stored.
  EXPECT_EQ(Api("POST", "/webchat/site-main/messages",
                R"({"client_message_id":"m-evil","text":"What are your opening hours?"})",
                "http://evil.example")
                .status,
            403);
  EXPECT_EQ(Api("POST", "/webchat/site-main/messages",
                R"({"client_message_id":"m-forged","text":"hi"})", kOrigin, token_ + "0")
                .status,
            401);

  Send("m-1", "What are your opening hours?");
  // A retry of the same message after a lost answer: stored once.
  EXPECT_THAT(Api("POST", "/webchat/site-main/messages",
                  R"({"client_message_id":"m-1","text":"What are your opening hours?"})")
                  .body,
              HasSubstr("duplicate"));
  ASSERT_TRUE(PollUntil("bot", "Monday to Friday")) << Logs();

  Send("m-2", "I want to talk to a human agent");
  ASSERT_TRUE(PollUntil("bot", "human agent")) << Logs();
  ASSERT_TRUE(WaitFor([&] { return !State().agent_id().empty(); }, absl::Seconds(20))) << Logs();

  ASSERT_TRUE(
      AgentReplies(conversation(), State().agent_id(), "Hi, this is Claire from the shop team"));
  ASSERT_TRUE(PollUntil("agent", "from the shop team")) << Logs();

  // A reload reads the session from the start: everything, in order, once.
  seen_.clear();
  cursor_ = "0";
  const testing::HttpResult history = Api("GET", "/webchat/site-main/poll?after=0");
  ASSERT_EQ(history.status, 200);
  auto doc = json::ParseStrictObject(history.body);
  ASSERT_TRUE(doc.ok());
  std::vector<std::string> roles;
  for (const auto& item : (**doc)["messages"].GetArray())
    roles.push_back(item["message"]["role"].GetString());
  EXPECT_THAT(roles, ::testing::ElementsAre("customer", "bot", "customer", "bot", "agent"))
      << history.body;
  EXPECT_THAT(history.body, ::testing::Not(HasSubstr("m-evil")));
  EXPECT_THAT(history.body, ::testing::Not(HasSubstr("m-forged")));
}

// Live push over the WebSocket, and a kill -9 of ingest while the visitor
// is connected: the socket drops, the visitor reconnects after its last
// cursor and gets what it missed; every acknowledged message is in the
// conversation's history exactly once.
TEST_F(WebchatE2ETest, WebSocketPushesRepliesAndSurvivesAKilledIngest) {
  const testing::HttpResult session = Api("POST", "/webchat/site-main/session", "{}");
  ASSERT_EQ(session.status, 200) << session.body;
  token_ = Field(session.body, "token");
  visitor_ = Field(session.body, "visitor_id");

  auto socket = std::make_unique<SocketClient>(http_port_, token_, "0");
  ASSERT_TRUE(WaitFor([&] { return socket->received().find("ready") != std::string::npos; },
                      absl::Seconds(5)));
  Send("m-1", "What are your opening hours?");
  ASSERT_TRUE(
      WaitFor([&] { return socket->received().find("Monday to Friday") != std::string::npos; },
              absl::Seconds(30)))
      << socket->received() << Logs();
  // The metrics see one connected socket and one message each way.
  auto metrics = testing::HttpRequest(metrics_ports_["ingest"], "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body,
              HasSubstr(R"(omnigate_webchat_sessions_connected{transport="websocket"} 1)"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(omnigate_webchat_messages_total{direction="in"} 1)"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(omnigate_webchat_messages_total{direction="out"} 1)"));

  // The cursor of the last entry this socket saw.
  const std::string pushed = socket->received();
  const size_t at = pushed.rfind(R"("cursor":")");
  ASSERT_NE(at, std::string::npos);
  const std::string cursor = pushed.substr(at + 10, pushed.find('"', at + 10) - at - 10);

  ASSERT_TRUE(processes_["ingest"]->Signal(SIGKILL, absl::Seconds(5)).ok());
  ASSERT_TRUE(WaitFor([&] { return socket->closed(); }, absl::Seconds(5)));
  // While ingest is down the widget's POST fails and is retried with the
  // same id once it is back.
  auto down = testing::HttpRequest(
      http_port_, "POST", "/webchat/site-main/messages",
      {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}},
      R"({"client_message_id":"m-2","text":"How much is shipping?"})", absl::Seconds(2));
  EXPECT_FALSE(down.ok() && down->status == 200);
  Start("ingest");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Seconds(1));
        return r.ok() && r->status == 200;
      },
      absl::Seconds(15)));
  Send("m-2", "How much is shipping?");
  Send("m-2", "How much is shipping?");  // the retry of a lost answer
  socket = std::make_unique<SocketClient>(http_port_, token_, cursor);
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string r = socket->received();
        return r.find("m-2") != std::string::npos && r.find(R"("role":"bot")") != std::string::npos;
      },
      absl::Seconds(30)))
      << socket->received() << Logs();
  // Nothing before the cursor was pushed again.
  EXPECT_EQ(socket->received().find("Monday to Friday"), std::string::npos) << socket->received();

  // Every acknowledged visitor message is in the conversation once.
  std::vector<std::string> customer_ids;
  omnigate::v1::HistoryRequest request;
  request.set_conversation_key(conversation());
  request.set_page_size(100);
  omnigate::v1::HistoryResponse page;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  ASSERT_TRUE(conversations_->History(&context, request, &page).ok());
  for (const auto& e : page.events())
    if (e.sender().role() == omnigate::v1::ROLE_CUSTOMER) customer_ids.push_back(e.external_id());
  EXPECT_THAT(customer_ids, ::testing::ElementsAre("m-1", "m-2"));
}

// Two ingest replicas: the visitor's socket is on the second, its message
// and the sender's reply go through the first; the reply still reaches the
// socket (Redis pub/sub wakes the other replica).
TEST_F(WebchatE2ETest, RepliesReachASocketOnAnotherReplica) {
  StartSecondIngest();
  const testing::HttpResult session = Api("POST", "/webchat/site-main/session", "{}");
  ASSERT_EQ(session.status, 200) << session.body;
  token_ = Field(session.body, "token");
  SocketClient socket(http_port2_, token_, "0");
  ASSERT_TRUE(WaitFor([&] { return socket.received().find("ready") != std::string::npos; },
                      absl::Seconds(5)));
  const absl::Time sent = absl::Now();
  Send("m-1", "What are your opening hours?");
  ASSERT_TRUE(
      WaitFor([&] { return socket.received().find("Monday to Friday") != std::string::npos; },
              absl::Seconds(30)))
      << socket.received() << Logs();
  std::cout << "visitor message to bot answer on the other replica's socket: "
            << absl::ToInt64Milliseconds(absl::Now() - sent) << " ms\n";
}

}  // namespace
}  // namespace omnigate
