// The widget API's refusals store nothing and say why; accepted messages
// become one canonical web chat event; replies reach the poll.
#include "lib/webchat/webchat_http_handler.h"

#include <future>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/webchat/visitor_token.h"
#include "tests/support/wait.h"

namespace omnigate::webchat {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "widget-secret";
constexpr int64_t kNowMs = 1765000000000;

// Appends and reads in memory, deduped like the Redis one.
class MemoryTranscript final : public Transcript {
 public:
  absl::StatusOr<std::string> Append(const SessionRef& session, absl::string_view id,
                                     absl::string_view json) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& entries = sessions_[session.Name()];
    if (!seen_.insert(session.Name() + "/" + std::string(id)).second) return std::string();
    const std::string cursor = absl::StrCat(++next_, "-0");
    entries.push_back({cursor, std::string(json)});
    return cursor;
  }
  absl::StatusOr<std::vector<TranscriptEntry>> ReadAfter(const SessionRef& session,
                                                         absl::string_view cursor,
                                                         size_t max) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<TranscriptEntry> out;
    int64_t after = 0;
    if (!cursor.empty()) after = std::stoll(std::string(cursor.substr(0, cursor.find('-'))));
    for (const auto& e : sessions_[session.Name()]) {
      if (std::stoll(e.cursor) > after && out.size() < max) out.push_back(e);
    }
    return out;
  }
  size_t appended() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  int64_t next_ = 0;
  std::map<std::string, std::vector<TranscriptEntry>> sessions_;
  std::set<std::string> seen_;
};

class WebchatHttpHandlerTest : public ::testing::Test {
 protected:
  WebchatHttpHandlerTest() : clock_(kNowMs), work_(2, 100) {
    connectors::ConnectorSettings site;
    site.name = "site-main";
    site.channel = omnigate::v1::CHANNEL_WEBCHAT;
    site.secret = kSecret;
    site.account_id = "shop";
    connectors::ConnectorSettings wa;
    wa.name = "wa-main";
    wa.channel = omnigate::v1::CHANNEL_WHATSAPP;
    config::WebchatWidgetConfig widget;
    widget.connector = "site-main";
    widget.allow_anonymous = true;
    widget.allowed_origins = {"https://shop.example"};
    widget.visitor_messages_per_minute = 3;
    widget.ip_messages_per_minute = 100;
    widget.max_text_bytes = 100;
    config_.widgets = {widget};
    config_.poll_timeout = absl::Seconds(2);
    WebchatDeps deps;
    deps.publish = [this](std::vector<omnigate::v1::Event> events, ingest::PublishDone done) {
      std::vector<omnigate::v1::EnqueueResult> results(events.size());
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = 0; i < events.size(); ++i) {
          results[i].set_duplicate(!keys_.insert(events[i].idempotency_key()).second);
          if (!results[i].duplicate()) published_.push_back(events[i]);
        }
      }
      if (fail_publish_) {
        done(absl::UnavailableError("redis down"));
      } else {
        done(results);
      }
    };
    deps.transcript = &transcript_;
    deps.waiters = &waiters_;
    deps.work = &work_;
    deps.clock = &clock_;
    handler_ = std::make_unique<WebchatHttpHandler>(
        std::vector<connectors::ConnectorSettings>{site, wa}, config_, deps);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& token = "",
                      const std::string& origin = "https://shop.example",
                      const std::string& ip = "10.0.0.1:5555") {
    http::Request request;
    request.method = method;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    request.body = body;
    request.remote_address = ip;
    request.headers.Add("Host", "omnigate.example:8080");
    if (!origin.empty()) request.headers.Add("Origin", origin);
    if (!token.empty()) request.headers.Add("Authorization", "Bearer " + token);
    auto answer = std::make_shared<std::promise<http::Response>>();
    auto once = std::make_shared<std::once_flag>();
    handler_->Handle(std::move(request), [answer, once](http::Response r) {
      std::call_once(*once, [&] { answer->set_value(std::move(r)); });
    });
    auto future = answer->get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  std::string SignedToken(const std::string& visitor, int64_t ttl_s = 3600) {
    VisitorClaims c;
    c.site = "shop";
    c.visitor_id = visitor;
    c.name = "Dewi";
    c.expires_at_s = kNowMs / 1000 + ttl_s;
    return SignVisitorToken(c, kSecret);
  }

  static std::string Message(const std::string& id, const std::string& text) {
    return absl::StrCat(R"({"client_message_id":")", id, R"(","text":")", text, R"("})");
  }

  size_t Published() {
    std::lock_guard<std::mutex> lock(mu_);
    return published_.size();
  }

  FakeClock clock_;
  config::WebchatConfig config_;
  MemoryTranscript transcript_;
  SessionWaiters waiters_;
  WorkQueue work_;
  std::unique_ptr<WebchatHttpHandler> handler_;
  std::mutex mu_;
  std::set<std::string> keys_;
  std::vector<omnigate::v1::Event> published_;
  bool fail_publish_ = false;
};

TEST_F(WebchatHttpHandlerTest, ServesTheWidgetWithItsStyleAndTheDemoForWebchatOnly) {
  http::Response js = Call("GET", "/webchat/site-main/widget.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_THAT(js.content_type, HasSubstr("javascript"));
  EXPECT_THAT(js.body, HasSubstr(".ogw-launcher"));  // the CSS, inlined
  EXPECT_THAT(js.body, ::testing::Not(HasSubstr("__OMNIGATE_WIDGET_CSS__")));
  EXPECT_THAT(js.body, ::testing::Not(HasSubstr(kSecret)));
  http::Response demo = Call("GET", "/webchat/site-main/demo");
  EXPECT_EQ(demo.status, 200);
  EXPECT_THAT(demo.body, HasSubstr(R"(<script src="/webchat/site-main/widget.js" async>)"));
  EXPECT_EQ(Call("GET", "/webchat/wa-main/widget.js").status, 404);
  EXPECT_EQ(Call("GET", "/webchat/nope/demo").status, 404);
  EXPECT_EQ(Call("GET", "/webchat/site-main/other").status, 404);
}

TEST_F(WebchatHttpHandlerTest, AnAcceptedMessageIsOneCanonicalEventStoredOnce) {
  const std::string token = SignedToken("cust-42");
  http::Response r = Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("status":"stored")"));
  EXPECT_THAT(r.headers, ::testing::Contains(::testing::Pair("Access-Control-Allow-Origin",
                                                             "https://shop.example")));
  // A retry after a lost answer: acknowledged, not stored twice.
  r = Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), token);
  EXPECT_THAT(r.body, HasSubstr(R"("status":"duplicate")"));
  ASSERT_EQ(Published(), 1u);
  const omnigate::v1::Event& e = published_[0];
  EXPECT_EQ(e.channel(), omnigate::v1::CHANNEL_WEBCHAT);
  EXPECT_EQ(e.connector(), "site-main");
  EXPECT_EQ(e.conversation_key(), "webchat:shop:cust-42");
  EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(e.sender().display_name(), "Dewi");
  EXPECT_EQ(e.text().body(), "Hi");
  EXPECT_EQ(e.idempotency_key(), "webchat:msg:shop:cust-42:m-1");
  EXPECT_EQ(transcript_.appended(), 1u);
}

TEST_F(WebchatHttpHandlerTest, RefusalsSayWhyAndStoreNothing) {
  const std::string token = SignedToken("cust-42");
  struct Case {
    http::Response response;
    int status;
    const char* reason;
  };
  VisitorClaims other_site;
  other_site.site = "elsewhere";
  other_site.visitor_id = "x";
  other_site.expires_at_s = kNowMs / 1000 + 60;
  const Case cases[] = {
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi")), 401, "token_missing"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), "abc.def"), 401,
       "token_malformed"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"),
            SignVisitorToken(other_site, kSecret)),
       401, "token_wrong_site"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"),
            SignVisitorToken(other_site, "guessed")),
       401, "token_signature_mismatch"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), SignedToken("c", -1)), 401,
       "token_expired"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), token,
            "https://evil.example"),
       403, "origin_not_allowed"},
      {Call("POST", "/webchat/site-main/messages", Message("m-1", std::string(101, 'a')), token),
       413, "text_too_long"},
      {Call("POST", "/webchat/site-main/messages", "{not json", token), 400, "json_syntax"},
      {Call("POST", "/webchat/site-main/messages", Message("bad id", "Hi"), token), 400,
       "bad_client_message_id"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.response.status, c.status) << c.reason << ": " << c.response.body;
    EXPECT_THAT(c.response.body, HasSubstr(absl::StrCat(R"("error":")", c.reason)));
  }
  EXPECT_EQ(Published(), 0u);
  EXPECT_EQ(transcript_.appended(), 0u);
}

TEST_F(WebchatHttpHandlerTest, RateLimitsPerVisitorAndPerAddress) {
  const std::string token = SignedToken("cust-42");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        Call("POST", "/webchat/site-main/messages", Message(absl::StrCat("m-", i), "Hi"), token)
            .status,
        200);
  }
  http::Response limited = Call("POST", "/webchat/site-main/messages", Message("m-9", "Hi"), token);
  EXPECT_EQ(limited.status, 429);
  EXPECT_THAT(limited.body, HasSubstr("rate_limited"));
  EXPECT_THAT(limited.headers, ::testing::Contains(::testing::Key("Retry-After")));
  // Another visitor is not affected...
  EXPECT_EQ(Call("POST", "/webchat/site-main/messages", Message("m-9", "Hi"), SignedToken("other"))
                .status,
            200);
  EXPECT_EQ(Published(), 4u);
  // ... but one address with many visitors is (100 per minute).
  int refused = 0;
  for (int i = 0; i < 120; ++i) {
    const int status = Call("POST", "/webchat/site-main/messages", Message("m-x", "Hi"),
                            SignedToken(absl::StrCat("v", i)), "", "10.0.0.9:1")
                           .status;
    refused += status == 429 ? 1 : 0;
  }
  EXPECT_EQ(refused, 20);
}

TEST_F(WebchatHttpHandlerTest, AnonymousSessionsWhenAllowedAndNoSecretInTheAnswer) {
  http::Response r = Call("POST", "/webchat/site-main/session", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("anonymous":true)"));
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr(kSecret)));
  // The token it carries works for messages.
  const size_t start = r.body.find(R"("token":")") + 9;
  const std::string token = r.body.substr(start, r.body.find('"', start) - start);
  EXPECT_EQ(Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), token).status, 200);
  // Our own origin (the demo page) is allowed, another is not.
  EXPECT_EQ(
      Call("POST", "/webchat/site-main/session", "{}", "", "http://omnigate.example:8080").status,
      200);
  EXPECT_EQ(Call("OPTIONS", "/webchat/site-main/messages", "", "", "https://shop.example").status,
            204);
  EXPECT_EQ(Call("OPTIONS", "/webchat/site-main/messages", "", "", "https://evil.example").status,
            403);
}

TEST_F(WebchatHttpHandlerTest, StorageFailureIsA503AndNothingShown) {
  fail_publish_ = true;
  http::Response r =
      Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), SignedToken("cust-42"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(transcript_.appended(), 0u);
}

// A batch as omnigate-sender's web chat adapter posts it.
std::string ReplyBatch(const std::string& session, const std::string& id, const std::string& text) {
  return absl::StrCat(
      R"json({"schema_version":1,"site_id":"shop","delivery_id":")json", id,
      R"json(","events":[{"event_id":")json", id,
      R"json(","type":"message.created","session":{"id":")json", session,
      R"json("},"author":{"role":"bot"},"message":{"server_message_id":")json", id,
      R"json(","text":")json", text,
      R"json(","attachments":[{"url":"javascript:alert(1)"},{"url":"https://cdn.example/a.png","mime_type":"image/png"}],"quick_replies":[{"payload":"agent","title":"Talk to a person"}]}}]})json");
}

TEST_F(WebchatHttpHandlerTest, SignedRepliesReachThePollAndForgedOnesAreRefused) {
  const std::string token = SignedToken("cust-42");
  // Long-poll first: it waits, then the reply wakes it.
  auto poll = std::async(std::launch::async, [&] {
    return Call("GET", "/webchat/site-main/poll?after=0&wait=1", "", token);
  });
  absl::SleepFor(absl::Milliseconds(100));
  const std::string json = ReplyBatch("cust-42", "r-1", "We open at 8");
  const std::string t = absl::StrCat(kNowMs / 1000);
  const std::string good =
      absl::StrCat("t=", t, ",v1=", HexEncode(crypto::HmacSha256(kSecret, t + "." + json)));
  auto post = [&](const std::string& signature) {
    http::Request request;
    request.method = "POST";
    request.path = "/webchat/site-main/replies";
    request.body = json;
    if (!signature.empty()) request.headers.Add("X-Webchat-Signature", signature);
    auto answer = std::make_shared<std::promise<http::Response>>();
    auto once = std::make_shared<std::once_flag>();
    handler_->Handle(std::move(request), [answer, once](http::Response r) {
      std::call_once(*once, [&] { answer->set_value(std::move(r)); });
    });
    return answer->get_future().get();
  };
  EXPECT_EQ(post("").status, 401);
  EXPECT_EQ(post(absl::StrCat("t=", t, ",v1=", std::string(64, '0'))).status, 401);
  EXPECT_EQ(transcript_.appended(), 0u);
  EXPECT_EQ(post(good).status, 200);
  EXPECT_EQ(post(good).status, 200);  // a sender retry
  EXPECT_EQ(transcript_.appended(), 1u);

  http::Response polled = poll.get();
  ASSERT_EQ(polled.status, 200);
  EXPECT_THAT(polled.body, HasSubstr("We open at 8"));
  EXPECT_THAT(polled.body, HasSubstr("Talk to a person"));
  EXPECT_THAT(polled.body, HasSubstr("https://cdn.example/a.png"));
  EXPECT_THAT(polled.body, ::testing::Not(HasSubstr("javascript:")));
  // Another visitor's poll sees none of it.
  http::Response other = Call("GET", "/webchat/site-main/poll?after=0", "", SignedToken("x"));
  EXPECT_THAT(other.body, HasSubstr(R"("messages":[])"));
  EXPECT_EQ(Call("GET", "/webchat/site-main/poll?after=zz", "", token).status, 400);
}

TEST_F(WebchatHttpHandlerTest, AQuietLongPollAnswersEmptyAtItsDeadline) {
  const absl::Time start = absl::Now();
  http::Response r =
      Call("GET", "/webchat/site-main/poll?after=0&wait=1", "", SignedToken("cust-42"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"("messages":[],"cursor":"0")"));
  EXPECT_GE(absl::Now() - start, absl::Seconds(1.5));
}

}  // namespace
}  // namespace omnigate::webchat

namespace omnigate::webchat {
namespace {

// Records what a VisitorSocket sends.
class FakeSocket final : public http::WebSocket {
 public:
  void Send(std::string text) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent_ += text + "\n";
  }
  void Close() override { closed_ = true; }
  std::string sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  std::atomic<bool> closed_{false};

 private:
  std::mutex mu_;
  std::string sent_;
};

TEST_F(WebchatHttpHandlerTest, SocketsRefuseBadHellosAndPushNewEntries) {
  EXPECT_EQ(handler_
                ->Upgrade([] {
                  http::Request r;
                  r.path = "/webchat/site-main/socket";
                  r.headers.Add("Origin", "https://evil.example");
                  return r;
                }())
                .refusal.status,
            403);
  http::Request ok;
  ok.path = "/webchat/site-main/socket";
  ok.headers.Add("Origin", "https://shop.example");
  http::UpgradeAnswer answer = handler_->Upgrade(ok);
  ASSERT_NE(answer.accept, nullptr);
  auto socket = std::make_shared<FakeSocket>();
  answer.accept->OnOpen(socket);
  answer.accept->OnMessage(R"({"type":"hello","token":"forged.00","after":"0"})");
  EXPECT_THAT(socket->sent(), HasSubstr(R"("error":"token_malformed")"));
  EXPECT_TRUE(socket->closed_.load());

  auto good = std::make_shared<FakeSocket>();
  http::UpgradeAnswer second = handler_->Upgrade(ok);
  second.accept->OnOpen(good);
  ASSERT_EQ(
      Call("POST", "/webchat/site-main/messages", Message("m-1", "Hi"), SignedToken("cust-42"))
          .status,
      200);
  second.accept->OnMessage(
      absl::StrCat(R"({"type":"hello","token":")", SignedToken("cust-42"), R"(","after":"0"})"));
  // What was there before the hello, then what comes after, once each.
  EXPECT_TRUE(testing::WaitFor([&] { return good->sent().find("m-1") != std::string::npos; },
                               absl::Seconds(5)));
  ASSERT_EQ(
      Call("POST", "/webchat/site-main/messages", Message("m-2", "Again"), SignedToken("cust-42"))
          .status,
      200);
  EXPECT_TRUE(testing::WaitFor([&] { return good->sent().find("m-2") != std::string::npos; },
                               absl::Seconds(5)));
  const std::string sent = good->sent();
  EXPECT_EQ(sent.find("m-1"), sent.rfind("m-1")) << sent;
  EXPECT_FALSE(good->closed_.load());
  second.accept->OnClose();
}

}  // namespace
}  // namespace omnigate::webchat
