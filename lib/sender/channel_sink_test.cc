// ChannelSink: a reply in, one provider call out, and what the worker is
// told back. Fake transport, FakeRedis (the real rate-limit and status
// scripts), a recording event queue. Every test runs twice: Redis called
// directly, and batched (reservations and sent records through group-commit
// writers with their folders, as omnigate-sender runs).
#include "lib/sender/channel_sink.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"
#include "lib/sender/fake_group_commit_writer.h"

namespace omnigate::sender {
namespace {

using omnigate::v1::Event;

// Answers each call from its own thread (never inside Send, as the real
// client) with the next scripted response, else 200 with a WhatsApp body.
class FakeTransport final : public httpclient::HttpTransport {
 public:
  ~FakeTransport() override {
    for (auto& t : threads_) t.join();
  }
  void Answer(outbound::HttpResponse response) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(response));
  }
  void Send(outbound::HttpRequest request, absl::Duration, Done done) override {
    outbound::HttpResponse response;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(std::move(request));
      times_.push_back(absl::Now());
      if (!script_.empty()) {
        response = std::move(script_.front());
        script_.pop_front();
      } else {
        response.status = 200;
        response.body = absl::StrCat(R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.)",
                                     requests_.size(), R"("}]})");
      }
      threads_.emplace_back([response, done = std::move(done)] { done(response); });
    }
  }
  std::vector<outbound::HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<absl::Time> times() {
    std::lock_guard<std::mutex> lock(mu_);
    return times_;
  }

 private:
  std::mutex mu_;
  std::deque<outbound::HttpResponse> script_;
  std::vector<outbound::HttpRequest> requests_;
  std::vector<absl::Time> times_;
  std::vector<std::thread> threads_;
};

class RecordingQueue final : public queue::EventQueue {
 public:
  void Enqueue(std::vector<queue::EventToStore> events, queue::EnqueueCallback done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : events) stored_.push_back(std::move(e));
    }
    done(std::vector<queue::EnqueueOutcome>(1));
  }
  void Quarantine(queue::QuarantineRecord, queue::StatusCallback done) override {
    done(absl::OkStatus());
  }
  bool healthy() const override { return true; }
  std::vector<queue::EventToStore> stored() {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }

 private:
  std::mutex mu_;
  std::vector<queue::EventToStore> stored_;
};

struct Result {
  grpc::Status status;
  dispatch::RetryHint hint;
};

redis::PipelineWriterOptions ReserveWriterOptions() {
  redis::PipelineWriterOptions options;
  outbound::RateLimiter::AddScripts(&options);
  return options;
}

redis::PipelineWriterOptions RecordWriterOptions() {
  redis::PipelineWriterOptions options;
  SentRecorder::AddScripts(&options, /*cluster=*/true);
  return options;
}

class ChannelSinkTest : public ::testing::TestWithParam<bool> {
 protected:
  ChannelSinkTest() {
    connectors::ConnectorSettings wa;
    wa.name = "wa-main";
    wa.channel = omnigate::v1::CHANNEL_WHATSAPP;
    wa.outbound.api_base_url = "http://127.0.0.1:9/wa";
    wa.outbound.token = "token-1";
    wa.outbound.account = "100000000000001";
    wa.outbound.rate_per_s = 20;
    connectors::ConnectorSettings tg;
    tg.name = "tg";
    tg.channel = omnigate::v1::CHANNEL_TELEGRAM;
    tg.outbound.api_base_url = "http://127.0.0.1:9/tg";
    tg.outbound.token = "123:abc";
    tg.outbound.rate_per_s = 30;
    connectors::ConnectorSettings line;
    line.name = "line";
    line.channel = omnigate::v1::CHANNEL_LINE;
    line.outbound.api_base_url = "http://127.0.0.1:9/line";
    line.outbound.token = "line-token";
    auto built = BuildSenderConnectors({wa, tg, line}, clock_);
    EXPECT_TRUE(built.ok()) << built.status();
    connectors_ = *std::move(built);
    ChannelSinkOptions options;
    options.partitions = 4;
    options.connector_pause = absl::Seconds(30);
    ChannelSinkDeps deps;
    deps.connectors = &connectors_;
    deps.transport = &transport_;
    deps.limiter = &limiter_;
    deps.statuses = &statuses_;
    if (batched()) deps.recorder = &recorder_;
    deps.events = &events_;
    deps.metrics = &metrics_;
    deps.clock = &clock_;
    deps.reply_tokens = &reply_tokens_;
    deps.cx_metrics = &cx_metrics_;
    deps.first_response_sla = [](absl::string_view) { return absl::Seconds(60); };
    sink_ = std::make_unique<ChannelSink>(options, deps);
  }

  static Event WhatsAppReply(const std::string& id, const std::string& to = "6281200000001") {
    Event e;
    e.set_id(id);
    e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
    e.set_connector("wa-main");
    e.set_conversation_key(absl::StrCat("whatsapp:100000000000001:", to));
    e.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
    e.mutable_recipient()->set_id(to);
    e.mutable_text()->set_body("Halo!");
    return e;
  }

  Result Deliver(const Event& event) {
    auto request = std::make_shared<omnigate::v1::DeliverRequest>();
    *request->add_events() = event;
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result> result;
    sink_->Deliver(request, absl::Seconds(5), [&](grpc::Status status, dispatch::RetryHint hint) {
      std::lock_guard<std::mutex> lock(mu);
      result = Result{std::move(status), hint};
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return result.has_value(); }));
    return result.value_or(Result{grpc::Status(grpc::StatusCode::UNKNOWN, "no answer"), {}});
  }

  bool batched() const { return GetParam(); }

  FakeClock clock_{1700000000000};
  redis::FakeRedis redis_{clock_};
  FakeGroupCommitWriter reserve_writer_{&redis_, ReserveWriterOptions(), /*auto_flush=*/true};
  FakeGroupCommitWriter record_writer_{&redis_, RecordWriterOptions(), /*auto_flush=*/true};
  outbound::RateLimiter limiter_{&redis_, clock_, {}, batched() ? &reserve_writer_ : nullptr};
  SentRecorder recorder_{&record_writer_, 4, absl::Hours(1), clock_, /*cluster=*/true};
  conversations::OutboundStatusStore statuses_{&redis_, 4, absl::Hours(1), clock_};
  RecordingQueue events_;
  FakeTransport transport_;
  prometheus::Registry registry_;
  SenderMetrics metrics_{registry_, {"wa-main", "tg", "line"}};
  ReplyTokens reply_tokens_{&redis_, 4, clock_};
  prometheus::Registry cx_registry_;
  cx::CxMetrics cx_metrics_{cx_registry_};
  SenderConnectors connectors_;
  std::unique_ptr<ChannelSink> sink_;
};

TEST_P(ChannelSinkTest, SentReplyIsRecordedWithTheProviderId) {
  const Result r = Deliver(WhatsAppReply("r1"));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9/wa/100000000000001/messages");
  auto status = statuses_.Get("r1");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state, conversations::DeliveryState::kSent);
  EXPECT_EQ(status->provider_message_id, "wamid.1");
  EXPECT_EQ(status->connector, "wa-main");
  EXPECT_TRUE(events_.stored().empty());
}

// Only the batched path has a batch to lose.
class BatchedChannelSinkTest : public ChannelSinkTest {};

TEST_P(BatchedChannelSinkTest, ARecordTheBatchLostIsWrittenAgainDirectly) {
  ASSERT_TRUE(batched());
  record_writer_.FailNextFlush(absl::UnavailableError("redis unavailable"));
  const Result r = Deliver(WhatsAppReply("r-retry"));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  auto status = statuses_.Get("r-retry");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state, conversations::DeliveryState::kSent);
  EXPECT_EQ(status->provider_message_id, "wamid.1");
}

TEST_P(ChannelSinkTest, AScheduledReplyWaitsUntilItsTime) {
  Event e = WhatsAppReply("r-later");
  (*e.mutable_attributes())[std::string(kNotBeforeAttribute)] =
      absl::StrCat(clock_.NowMs() + 30000);
  const Result held = Deliver(e);
  EXPECT_FALSE(held.status.ok());
  EXPECT_EQ(held.hint.after, absl::Seconds(30));
  EXPECT_FALSE(held.hint.counts);  // waiting is no failed attempt
  EXPECT_TRUE(transport_.requests().empty());
  clock_.AdvanceMs(30000);
  EXPECT_TRUE(Deliver(e).status.ok());
  EXPECT_EQ(transport_.requests().size(), 1u);
}

// A LINE reply answers with the customer's reply token while it is fresh
// and unused (free), else it is pushed.
Event LineReply(const std::string& id, const std::string& token, int64_t token_at_ms) {
  Event e;
  e.set_id(id);
  e.set_channel(omnigate::v1::CHANNEL_LINE);
  e.set_connector("line");
  e.set_conversation_key("line:dest:U4af4980629");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  e.mutable_recipient()->set_id("U4af4980629");
  e.mutable_text()->set_body("Halo!");
  (*e.mutable_attributes())["reply_token"] = token;
  (*e.mutable_attributes())["reply_token_at_ms"] = absl::StrCat(token_at_ms);
  return e;
}

outbound::HttpResponse LineOk() {
  outbound::HttpResponse r;
  r.status = 200;
  r.body = R"({"sentMessages":[{"id":"4617","quoteToken":"q"}]})";
  return r;
}

TEST_P(ChannelSinkTest, LineRepliesUseAFreshTokenOnceThenPush) {
  transport_.Answer(LineOk());
  transport_.Answer(LineOk());
  transport_.Answer(LineOk());
  const int64_t now = clock_.NowMs();
  EXPECT_TRUE(Deliver(LineReply("r1", "tok-1", now - 5000)).status.ok());
  // A second answer to the same message: the token is spent.
  EXPECT_TRUE(Deliver(LineReply("r2", "tok-1", now - 5000)).status.ok());
  // An answer a minute after the message: too late for its token.
  EXPECT_TRUE(Deliver(LineReply("r3", "tok-3", now - 60000)).status.ok());
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9/line/v2/bot/message/reply");
  EXPECT_NE(requests[0].body.find(R"("replyToken":"tok-1")"), std::string::npos);
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9/line/v2/bot/message/push");
  EXPECT_EQ(requests[2].url, "http://127.0.0.1:9/line/v2/bot/message/push");
}

TEST_P(ChannelSinkTest, ARefusedLineTokenFallsBackToPush) {
  outbound::HttpResponse invalid;
  invalid.status = 400;
  invalid.body = R"({"message":"Invalid reply token"})";
  transport_.Answer(invalid);
  transport_.Answer(LineOk());
  const Result r = Deliver(LineReply("r1", "tok-9", clock_.NowMs() - 1000));
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  const auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9/line/v2/bot/message/reply");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9/line/v2/bot/message/push");
  EXPECT_EQ(statuses_.Get("r1")->state, conversations::DeliveryState::kSent);
}

TEST_P(ChannelSinkTest, ResponseTimesAreObservedOnceWhenTheProviderAccepts) {
  const Event reply = WhatsAppReply("r-first");
  const uint32_t p = queue::PartitionOf(reply.conversation_key(), 4);
  // Ingest opened the conversation 90 s ago: the first reply breaches 60 s.
  ASSERT_TRUE(redis_
                  .Run({"HSET", queue::ConversationStateKey(p, reply.conversation_key()),
                        "opened_ms", absl::StrCat(clock_.NowMs() - 90000)})
                  .ok());
  ASSERT_TRUE(Deliver(reply).status.ok());
  ASSERT_TRUE(Deliver(reply).status.ok());  // sent again after a crash: measured once
  double count = 0, sum = 0, breaches = 0;
  for (const auto& f : cx_registry_.Collect()) {
    for (const auto& m : f.metric) {
      if (f.name == "omnigate_cx_first_response_seconds") {
        count += static_cast<double>(m.histogram.sample_count);
        sum += m.histogram.sample_sum;
      } else if (f.name == "omnigate_cx_sla_breaches_total") {
        breaches += m.counter.value;
      }
    }
  }
  EXPECT_EQ(count, 1);
  EXPECT_EQ(sum, 90);
  EXPECT_EQ(breaches, 1);
}

TEST_P(ChannelSinkTest, PermanentRefusalRecordsFailureAndAppendsAFailedEvent) {
  transport_.Answer(
      {403,
       {},
       R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})",
       ""});
  Event reply;
  reply.set_id("r2");
  reply.set_channel(omnigate::v1::CHANNEL_TELEGRAM);
  reply.set_connector("tg");
  reply.set_conversation_key("telegram:123:777");
  reply.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  reply.mutable_recipient()->set_id("777");
  reply.mutable_text()->set_body("Hi");
  const Result r = Deliver(reply);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(r.status.error_message().find("blocked"), std::string::npos)
      << r.status.error_message();
  EXPECT_EQ(statuses_.Get("r2")->state, conversations::DeliveryState::kFailed);
  const auto stored = events_.stored();
  ASSERT_EQ(stored.size(), 1u);
  Event failed;
  ASSERT_TRUE(failed.ParseFromString(stored[0].payload));
  EXPECT_EQ(failed.conversation_key(), "telegram:123:777");
  EXPECT_EQ(failed.sender().role(), omnigate::v1::ROLE_SYSTEM);
  EXPECT_EQ(failed.status().state(), omnigate::v1::Status::STATE_FAILED);
  EXPECT_EQ(failed.status().outbound_event_id(), "r2");
  EXPECT_EQ(stored[0].idempotency_key, "omnigate-sender:failed:r2");
}

TEST_P(ChannelSinkTest, ThrottlePausesTheConnectorWithoutSpendingAttempts) {
  transport_.Answer(
      {429, {{"Retry-After", "7"}}, R"({"error":{"code":130429,"message":"Rate limit hit"}})", ""});
  const Result first = Deliver(WhatsAppReply("r3"));
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(first.hint.counts);
  EXPECT_GE(first.hint.after, absl::Seconds(1));
  // Another conversation on the same connector waits too, with no call.
  const Result second = Deliver(WhatsAppReply("r4", "6281200000002"));
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(second.hint.counts);
  EXPECT_GT(second.hint.after, absl::ZeroDuration());
  EXPECT_EQ(transport_.requests().size(), 1u);
  // Once the pause is over, it goes.
  clock_.AdvanceMs(absl::ToInt64Milliseconds(first.hint.after) + 1);
  EXPECT_TRUE(Deliver(WhatsAppReply("r4", "6281200000002")).status.ok());
}

TEST_P(ChannelSinkTest, RefusedCredentialsPauseTheConnectorAndDropNothing) {
  transport_.Answer(
      {401,
       {},
       R"({"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}})",
       ""});
  const Result r = Deliver(WhatsAppReply("r5"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(r.hint.counts);
  EXPECT_EQ(r.hint.after, absl::Seconds(30));
  auto paused = limiter_.PausedConnectors();
  ASSERT_TRUE(paused.ok()) << paused.status();
  ASSERT_EQ(paused->size(), 1u);
  EXPECT_EQ((*paused)[0].connector, "wa-main");
  EXPECT_TRUE(events_.stored().empty()) << "not a failure of the reply";
  EXPECT_EQ(statuses_.Get("r5").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ChannelSinkTest, TransientFailureCountsAsAnAttempt) {
  transport_.Answer({503, {}, "<html>upstream unavailable</html>", ""});
  const Result r = Deliver(WhatsAppReply("r6"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(r.hint.counts);
  outbound::HttpResponse network;
  network.transport_error = "connect refused";
  transport_.Answer(network);
  const Result n = Deliver(WhatsAppReply("r6"));
  EXPECT_EQ(n.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(n.hint.counts);
}

TEST_P(ChannelSinkTest, UnsendableRepliesFailWithoutACall) {
  Event empty = WhatsAppReply("r7");
  empty.clear_text();  // no payload
  const Result r = Deliver(empty);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  Event stray = WhatsAppReply("r8");
  stray.set_connector("nobody");
  const Result s = Deliver(stray);
  EXPECT_EQ(s.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.status.error_message().find("nobody"), std::string::npos);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ(events_.stored().size(), 2u);
}

TEST_P(ChannelSinkTest, SendsWaitForTheirRateLimitSlot) {
  // 20/s with the channel's burst: past the burst, calls are 50 ms apart.
  const int n = outbound::DefaultRates(omnigate::v1::CHANNEL_WHATSAPP).connector_burst + 3;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(Deliver(WhatsAppReply(absl::StrCat("s", i), absl::StrCat("6281", i))).status.ok());
  }
  const auto times = transport_.times();
  ASSERT_EQ(times.size(), static_cast<size_t>(n));
  // The fake clock stands still, so each reservation past the burst books a
  // slot 50 ms after the previous one; the sink sleeps until it.
  EXPECT_GE(times[n - 1] - times[n - 4], absl::Milliseconds(140));
}

INSTANTIATE_TEST_SUITE_P(RedisPaths, BatchedChannelSinkTest, ::testing::Values(true),
                         [](const ::testing::TestParamInfo<bool>&) { return "Batched"; });
INSTANTIATE_TEST_SUITE_P(RedisPaths, ChannelSinkTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Batched" : "Direct";
                         });

}  // namespace
}  // namespace omnigate::sender
