#include "lib/ingest/ingest_pipeline.h"

#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/reject.h"
#include "prometheus/registry.h"

namespace omnigate::ingest {
namespace {

using omnigate::v1::Event;
using ::testing::HasSubstr;

// In-memory EventQueue with Redis-like dedupe; can be switched "down".
class FakeQueue final : public queue::EventQueue {
 public:
  void Enqueue(std::vector<queue::EventToStore> events, queue::EnqueueCallback done) override {
    if (!up) return done(absl::UnavailableError("down"));
    std::vector<queue::EnqueueOutcome> out;
    for (auto& e : events) {
      queue::EnqueueOutcome o;
      auto [it, inserted] = seen.emplace(e.idempotency_key, std::to_string(seen.size()) + "-0");
      o.duplicate = !inserted;
      o.stream_entry_id = it->second;
      if (inserted) stored.push_back(std::move(e));
      out.push_back(o);
    }
    done(std::move(out));
  }
  void Quarantine(queue::QuarantineRecord record, queue::StatusCallback done) override {
    if (!up) return done(absl::UnavailableError("down"));
    quarantined.push_back(std::move(record));
    done(absl::OkStatus());
  }
  bool healthy() const override { return up; }

  bool up = true;
  std::map<std::string, std::string> seen;
  std::vector<queue::EventToStore> stored;
  std::vector<queue::QuarantineRecord> quarantined;
};

// Adapter whose behaviour the body selects: "bad-sig", "malformed",
// "ignored", "empty", or N events "events:N".
class ScriptedAdapter final : public channels::ChannelAdapter {
 public:
  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_WHATSAPP; }
  absl::Status Authenticate(const channels::InboundRequest& r) const override {
    if (r.body == "bad-sig") return Unauthenticated("signature_mismatch");
    return absl::OkStatus();
  }
  absl::Status Normalize(const channels::InboundRequest& r,
                         channels::NormalizeResult* result) const override {
    if (r.body == "malformed") return Malformed("json_trailing_data", "x");
    if (r.body == "ignored") {
      result->ignored_reason = "unexpected_object_type";
      return absl::OkStatus();
    }
    if (r.body.substr(0, 7) == "events:") {
      const int n = std::stoi(std::string(r.body.substr(7)));
      for (int i = 0; i < n; ++i) {
        Event e;
        e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
        e.set_external_id("wamid." + std::to_string(i));
        e.set_idempotency_key("whatsapp:msg:wamid." + std::to_string(i));
        e.set_conversation_key("whatsapp:1:" + std::to_string(i % 3));
        e.mutable_text()->set_body("hi");
        result->events.push_back(std::move(e));
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<channels::HandshakeReply> Handshake(
      const channels::InboundRequest& r) const override {
    if (r.query == "ok") return channels::HandshakeReply{200, "text/plain", "challenge-123"};
    return absl::PermissionDeniedError("verify token mismatch");
  }
  void ForgetAuthentication(const channels::InboundRequest& r) const override {
    forgotten.push_back(std::string(r.body));
  }
  mutable std::vector<std::string> forgotten;
};

class IngestPipelineTest : public ::testing::Test {
 protected:
  IngestPipelineTest() : clock_(1770091506000), metrics_(registry_, {"wa", "mail"}) {
    std::vector<Connector> connectors;
    connectors::ConnectorSettings wa;
    wa.name = "wa";
    auto adapter = std::make_unique<ScriptedAdapter>();
    wa_adapter_ = adapter.get();
    connectors.push_back(Connector{wa, std::move(adapter)});
    connectors::ConnectorSettings mail;
    mail.name = "mail";
    mail.basic_auth = "user:pw";
    connectors.push_back(Connector{mail, std::make_unique<ScriptedAdapter>()});
    IngestOptions options;
    options.partitions = 4;
    options.max_body_bytes = 64;
    options.max_events_per_request = 10;
    options.max_loop_lag = absl::Milliseconds(50);
    pipeline_ = std::make_unique<IngestPipeline>(options, std::move(connectors), &queue_, clock_,
                                                 &metrics_);
  }

  WebhookAnswer Post(const std::string& connector, const std::string& body, Headers headers = {},
                     const std::string& method = "POST", const std::string& query = "",
                     absl::Duration loop_lag = absl::ZeroDuration()) {
    WebhookCall call;
    call.loop_lag = loop_lag;
    call.connector = connector;
    call.method = method;
    call.body = body;
    call.query = query;
    call.headers = std::move(headers);
    WebhookAnswer out;
    bool called = false;
    pipeline_->HandleWebhook(std::move(call), Transport::kHttp, [&](WebhookAnswer a) {
      EXPECT_FALSE(called) << "done called twice";
      called = true;
      out = std::move(a);
    });
    EXPECT_TRUE(called);  // the fakes complete inline
    return out;
  }

  prometheus::Registry registry_;
  FakeClock clock_;
  IngestMetrics metrics_;
  FakeQueue queue_;
  const ScriptedAdapter* wa_adapter_ = nullptr;
  std::unique_ptr<IngestPipeline> pipeline_;
};

// A request that could not be stored must be let in when the channel
// retries it: one-time signing tokens it used are forgotten (Mailgun).
TEST_F(IngestPipelineTest, ARequestNotStoredForgetsItsOneTimeAuthentication) {
  queue_.up = false;
  EXPECT_EQ(Post("wa", "events:2").http_status, 503);
  EXPECT_THAT(wa_adapter_->forgotten, ::testing::ElementsAre("events:2"));
  queue_.up = true;
  EXPECT_EQ(Post("wa", "events:2").http_status, 200);
  EXPECT_EQ(wa_adapter_->forgotten.size(), 1u);  // stored: nothing to forget
}

TEST_F(IngestPipelineTest, QueuesEveryEventWithEnvelopeAndAnswers200) {
  Headers headers;
  headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  const WebhookAnswer a = Post("wa", "events:3", headers);
  EXPECT_EQ(a.http_status, 200);
  EXPECT_TRUE(a.status.ok());
  ASSERT_EQ(a.results.size(), 3u);
  ASSERT_EQ(queue_.stored.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    Event e;
    ASSERT_TRUE(e.ParseFromString(queue_.stored[i].payload));
    EXPECT_EQ(e.id().size(), 36u);
    EXPECT_EQ(e.id(), a.results[i].event_id());
    EXPECT_EQ(e.received_at_ms(), 1770091506000);
    EXPECT_EQ(e.raw().index_in_request(), i);
    EXPECT_EQ(e.raw().events_in_request(), 3u);
    EXPECT_EQ(e.raw().body_size(), 8u);
    EXPECT_EQ(e.raw().body_sha256().size(), 64u);
    EXPECT_EQ(e.trace().traceparent(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    EXPECT_EQ(queue_.stored[i].partition, a.results[i].partition());
    EXPECT_LT(queue_.stored[i].partition, 4u);
  }
  EXPECT_THAT(a.body, HasSubstr("\"events\":3"));
}

TEST_F(IngestPipelineTest, RedeliveryIsAcknowledgedAndNotStoredTwice) {
  ASSERT_EQ(Post("wa", "events:2").http_status, 200);
  const WebhookAnswer again = Post("wa", "events:2");
  EXPECT_EQ(again.http_status, 200);
  ASSERT_EQ(again.results.size(), 2u);
  EXPECT_TRUE(again.results[0].duplicate());
  EXPECT_TRUE(again.results[1].duplicate());
  EXPECT_EQ(queue_.stored.size(), 2u);
  EXPECT_THAT(again.body, HasSubstr("\"duplicates\":2"));
}

TEST_F(IngestPipelineTest, BadSignatureIs401AndStoresNothingAnywhere) {
  const WebhookAnswer a = Post("wa", "bad-sig");
  EXPECT_EQ(a.http_status, 401);
  EXPECT_EQ(RejectReason(a.status), "signature_mismatch");
  EXPECT_TRUE(queue_.stored.empty());
  EXPECT_TRUE(queue_.quarantined.empty());
}

TEST_F(IngestPipelineTest, MalformedIsQuarantinedWithReasonAndAnswered400) {
  Headers headers;
  headers.Add("X-Hub-Signature-256", "sha256=00");
  const WebhookAnswer a = Post("wa", "malformed", headers);
  EXPECT_EQ(a.http_status, 400);
  ASSERT_EQ(queue_.quarantined.size(), 1u);
  EXPECT_EQ(queue_.quarantined[0].reason, "json_trailing_data");
  EXPECT_EQ(queue_.quarantined[0].body, "malformed");
  EXPECT_EQ(queue_.quarantined[0].connector, "wa");
  EXPECT_THAT(queue_.quarantined[0].headers, HasSubstr("x-hub-signature-256: sha256=00"));
  EXPECT_TRUE(queue_.stored.empty());
}

TEST_F(IngestPipelineTest, MalformedIsNeverLostWhenQuarantineIsDown) {
  queue_.up = false;
  EXPECT_EQ(Post("wa", "malformed").http_status, 503);
}

TEST_F(IngestPipelineTest, IgnoredIsAcknowledgedAndQuarantined) {
  const WebhookAnswer a = Post("wa", "ignored");
  EXPECT_EQ(a.http_status, 200);
  EXPECT_TRUE(a.ignored);
  ASSERT_EQ(queue_.quarantined.size(), 1u);
  EXPECT_EQ(queue_.quarantined[0].reason, "unexpected_object_type");
}

TEST_F(IngestPipelineTest, StatusCodesForEveryRefusal) {
  EXPECT_EQ(Post("nope", "events:1").http_status, 404);
  EXPECT_EQ(Post("wa", std::string(65, 'x')).http_status, 413);
  EXPECT_EQ(Post("wa", "events:11").http_status, 400);  // over max_events_per_request
  EXPECT_EQ(Post("wa", "", {}, "PUT").http_status, 405);
  queue_.up = false;
  EXPECT_EQ(Post("wa", "events:1").http_status, 503);
  EXPECT_FALSE(pipeline_->ready());
}

TEST_F(IngestPipelineTest, WebhooksReadWhileTheLoopLagsAreShedBeforeAnyWork) {
  const WebhookAnswer shed = Post("wa", "events:1", {}, "POST", "", absl::Milliseconds(80));
  EXPECT_EQ(shed.http_status, 503);
  EXPECT_EQ(shed.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(queue_.stored.empty());
  EXPECT_TRUE(queue_.quarantined.empty());
  // Under the limit the same request is worked on.
  EXPECT_EQ(Post("wa", "events:1", {}, "POST", "", absl::Milliseconds(20)).http_status, 200);
  EXPECT_EQ(queue_.stored.size(), 1u);
  // Handshakes are cheap and rare: never shed.
  EXPECT_EQ(Post("wa", "", {}, "GET", "ok", absl::Milliseconds(80)).http_status, 200);
}

TEST_F(IngestPipelineTest, HandshakeGoesToTheAdapter) {
  WebhookAnswer ok = Post("wa", "", {}, "GET", "ok");
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_EQ(ok.body, "challenge-123");
  EXPECT_EQ(Post("wa", "", {}, "GET", "wrong").http_status, 403);
}

TEST_F(IngestPipelineTest, BasicAuthIsRequiredWhenConfigured) {
  EXPECT_EQ(Post("mail", "events:1").http_status, 401);
  Headers wrong;
  wrong.Add("Authorization", "Basic dXNlcjpub3Bl");  // user:nope
  EXPECT_EQ(Post("mail", "events:1", wrong).http_status, 401);
  Headers right;
  right.Add("Authorization", "Basic dXNlcjpwdw==");  // user:pw
  EXPECT_EQ(Post("mail", "events:1", right).http_status, 200);
}

TEST_F(IngestPipelineTest, PublishValidatesAndDerivesTheIdempotencyKey) {
  auto publish = [&](std::vector<Event> events) {
    absl::StatusOr<std::vector<omnigate::v1::EnqueueResult>> out = absl::UnknownError("not called");
    pipeline_->Publish(std::move(events), [&](auto r) { out = std::move(r); });
    return out;
  };
  Event e;
  e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  e.set_account_id("site1");
  e.set_external_id("m1");
  e.set_conversation_key("webchat:site1:s1");
  auto ok = publish({e});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].idempotency_key(), "webchat:site1:m1");
  EXPECT_FALSE((*ok)[0].duplicate());
  EXPECT_TRUE((*publish({e}))[0].duplicate());

  Event no_key = e;
  no_key.clear_conversation_key();
  EXPECT_EQ(RejectReason(publish({no_key}).status()), "invalid_event:conversation_key");
  Event no_id = e;
  no_id.clear_external_id();
  EXPECT_EQ(publish({no_id}).status().code(), absl::StatusCode::kInvalidArgument);
  Event no_channel = e;
  no_channel.clear_channel();
  EXPECT_EQ(RejectReason(publish({no_channel}).status()), "invalid_event:channel");
}

TEST_F(IngestPipelineTest, CustomerMessagesCarryTheirTimeForTheMessagingWindow) {
  auto base = [](const std::string& id) {
    Event e;
    e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
    e.set_account_id("1");
    e.set_external_id(id);
    e.set_conversation_key("w:1:1");  // small: max_body_bytes is 64
    e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e.set_sent_at_ms(1770091500000);
    e.mutable_text()->set_body("h");
    return e;
  };
  std::vector<Event> events;
  events.push_back(base("t"));
  Event ahead = base("a");  // the customer's clock runs ahead of ours
  ahead.set_sent_at_ms(1770091999000);
  events.push_back(ahead);
  Event no_time = base("n");
  no_time.clear_sent_at_ms();
  events.push_back(no_time);
  Event status = base("s");
  status.mutable_status()->set_target_external_id("o");
  events.push_back(status);
  Event reaction = base("r");
  reaction.mutable_reaction()->set_emoji("+");
  events.push_back(reaction);
  Event agent = base("g");
  agent.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  events.push_back(agent);
  Event echo = base("e");
  echo.set_is_echo(true);
  events.push_back(echo);
  absl::StatusOr<std::vector<omnigate::v1::EnqueueResult>> out = absl::UnknownError("not called");
  pipeline_->Publish(std::move(events), [&](auto r) { out = std::move(r); });
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(queue_.stored.size(), 7u);
  std::vector<int64_t> times;
  for (const auto& stored : queue_.stored) times.push_back(stored.customer_message_ms);
  EXPECT_EQ(times, (std::vector<int64_t>{1770091500000, 1770091506000, 1770091506000, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace omnigate::ingest
