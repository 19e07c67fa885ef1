// ChatbotSink against a real redis-server, served by an in-process gRPC
// server and called through a Sink stub; Conversations is a fake.

#include <grpcpp/grpcpp.h>

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/chatbot/chatbot.h"
#include "lib/chatbot/chatbot_metrics.h"
#include "lib/chatbot/chatbot_sink.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/idle_resolver.h"
#include "lib/common/clock.h"
#include "lib/cx/cx_metrics.h"
#include "lib/grpcutil/server.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/connection_pool.h"
#include "omnigate/v1/sink.grpc.pb.h"
#include "tests/support/outbound_stream.h"
#include "tests/support/redis_server.h"

namespace omnigate {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint32_t kPartitions = 4;
constexpr char kConversation[] = "whatsapp:100000000000001:12025550143";

struct SetModeCall {
  std::string conversation_key;
  omnigate::v1::Mode mode;
  std::string reason;
  std::string actor;
  bool operator==(const SetModeCall& o) const {
    return conversation_key == o.conversation_key && mode == o.mode && reason == o.reason &&
           actor == o.actor;
  }
};

void PrintTo(const SetModeCall& c, std::ostream* os) {
  *os << "{" << c.conversation_key << ", mode " << c.mode << ", " << c.reason << ", " << c.actor
      << "}";
}

// Records successful calls; fails every call while `failing` is set.
class FakeConversations : public conversations::ConversationsClient {
 public:
  absl::Status SetMode(const std::string& conversation_key, omnigate::v1::Mode mode,
                       absl::string_view reason, absl::string_view actor,
                       absl::string_view language) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (failing_) return absl::DeadlineExceededError("fake: conversations unreachable");
    calls_.push_back({conversation_key, mode, std::string(reason), std::string(actor)});
    languages_.emplace_back(language);
    return absl::OkStatus();
  }
  absl::Status Resolve(const std::string& conversation_key, const std::string& agent_id,
                       const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (failing_) return absl::DeadlineExceededError("fake: conversations unreachable");
    resolves_.push_back(conversation_key + "|" + agent_id + "|" + reason);
    return absl::OkStatus();
  }
  // The language passed with each SetMode call, in order.
  std::vector<std::string> languages() {
    std::lock_guard<std::mutex> lock(mu_);
    return languages_;
  }
  // "key|agent|reason" of each Resolve call.
  std::vector<std::string> resolves() {
    std::lock_guard<std::mutex> lock(mu_);
    return resolves_;
  }
  void set_failing(bool failing) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_ = failing;
  }
  std::vector<SetModeCall> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  bool failing_ = false;
  std::vector<SetModeCall> calls_;
  std::vector<std::string> languages_;
  std::vector<std::string> resolves_;
};

omnigate::v1::Event CustomerText(const std::string& id, const std::string& body,
                                 const std::string& locale = "") {
  omnigate::v1::Event e;
  e.set_id(id);
  e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  e.set_connector("wa-main");
  e.set_account_id("100000000000001");
  e.set_external_id("wamid." + id);
  e.set_conversation_key(kConversation);
  e.mutable_sender()->set_id("12025550143");
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  e.set_locale(locale);
  e.mutable_text()->set_body(body);
  return e;
}

omnigate::v1::Event Lifecycle(const std::string& id, omnigate::v1::ConversationEvent::Kind kind,
                              const std::string& mode = "") {
  omnigate::v1::Event e;
  e.set_id(id);
  e.set_channel(omnigate::v1::CHANNEL_INTERNAL);
  e.set_conversation_key(kConversation);
  e.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  e.mutable_conversation()->set_kind(kind);
  e.mutable_conversation()->set_mode(mode);
  return e;
}

class ChatbotRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    redis_ = *std::move(server);
    auto faq = chatbot::LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
    ASSERT_TRUE(faq.ok()) << faq.status();
    faq_ = *std::move(faq);

    redis::RedisEndpoint endpoint;
    endpoint.port = redis_->port();
    pool_ =
        std::make_unique<redis::ConnectionPool>(endpoint, absl::Seconds(1), absl::Seconds(2), 4);
    memory_ = std::make_unique<chatbot::BotMemory>(pool_.get(), chatbot::BotMemoryOptions{});
    metrics_ = std::make_unique<chatbot::ChatbotMetrics>(registry_);
    chatbot::ChatbotOptions options;
    options.partitions = kPartitions;
    options.max_unanswered = 2;
    bot_ = std::make_unique<chatbot::Chatbot>(faq_, options, memory_.get(), &conversations_,
                                              SystemClock::Get());
    sink_ = std::make_unique<chatbot::ChatbotSink>(bot_.get(), metrics_.get());
    grpcutil::GrpcServerOptions grpc_options;
    grpc_options.address = "127.0.0.1:0";
    grpc_options.max_threads = 4;
    auto grpc_server = grpcutil::GrpcServer::Start(grpc_options, {sink_.get()});
    ASSERT_TRUE(grpc_server.ok()) << grpc_server.status();
    grpc_server_ = *std::move(grpc_server);
    stub_ = omnigate::v1::Sink::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_server_->port()), grpc::InsecureChannelCredentials()));
    partition_ = queue::PartitionOf(kConversation, kPartitions);
  }

  grpc::Status Deliver(const std::vector<omnigate::v1::Event>& events, uint32_t attempt = 1) {
    omnigate::v1::DeliverRequest request;
    for (const auto& e : events) *request.add_events() = e;
    request.set_partition(partition_);
    request.set_sink("chatbot");
    request.set_attempt(attempt);
    omnigate::v1::DeliverResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Deliver(&context, request, &response);
  }

  std::vector<omnigate::v1::Event> Replies() {
    auto events = testing::ReadOutbound(redis_->port(), partition_);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<omnigate::v1::Event>{};
  }

  std::vector<std::string> ReplyTexts() {
    std::vector<std::string> out;
    for (const auto& e : Replies()) out.push_back(e.text().body());
    return out;
  }

  std::string Unanswered() {
    auto out = redis_->Cli({"GET", chatbot::UnansweredKey(partition_, kConversation)});
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : "?";
  }

  double Metric(const std::string& family, const std::string& label, const std::string& value) {
    for (const auto& f : registry_.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric)
        for (const auto& l : m.label)
          if (l.name == label && l.value == value) return m.counter.value;
    }
    return -1;
  }

  const std::string& Text(chatbot::Language lang, bool handoff) {
    return handoff ? faq_.texts_in(lang).handoff : faq_.texts_in(lang).fallback;
  }
  const std::string& Answer(const std::string& id, chatbot::Language lang) {
    for (const auto& e : faq_.entries)
      if (e.id == id) return e.in(lang)->answer;
    static const std::string none;
    return none;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  chatbot::Faq faq_;
  FakeConversations conversations_;
  prometheus::Registry registry_;
  std::unique_ptr<redis::ConnectionPool> pool_;
  std::unique_ptr<chatbot::BotMemory> memory_;
  std::unique_ptr<chatbot::ChatbotMetrics> metrics_;
  std::unique_ptr<chatbot::Chatbot> bot_;
  std::unique_ptr<chatbot::ChatbotSink> sink_;
  std::unique_ptr<grpcutil::GrpcServer> grpc_server_;
  std::unique_ptr<omnigate::v1::Sink::Stub> stub_;
  uint32_t partition_ = 0;
};

TEST_F(ChatbotRedisTest, FaqQuestionGetsExactlyOneReplyInTheCustomersLanguage) {
  const auto question = CustomerText("ev-1", "Hi! What are your opening hours?");
  ASSERT_TRUE(Deliver({question}).ok());
  auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  const auto& r = replies[0];
  EXPECT_EQ(r.text().body(), Answer("opening_hours", chatbot::Language::kEnglish));
  EXPECT_EQ(r.sender().role(), omnigate::v1::ROLE_BOT);
  EXPECT_EQ(r.sender().id(), "omnigate-chatbot");
  EXPECT_EQ(r.recipient().id(), "12025550143");
  EXPECT_EQ(r.channel(), omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(r.connector(), "wa-main");
  EXPECT_EQ(r.account_id(), "100000000000001");
  EXPECT_EQ(r.conversation_key(), kConversation);
  EXPECT_EQ(r.reply_to_external_id(), "wamid.ev-1");
  EXPECT_EQ(r.locale(), "en");
  EXPECT_EQ(r.attributes().at("faq_id"), "opening_hours");
  EXPECT_EQ(r.id().size(), 36u);
  EXPECT_NE(r.id(), question.id());
  EXPECT_GT(r.sent_at_ms(), 0);

  ASSERT_TRUE(Deliver({CustomerText("ev-2", "Kak, ongkir ke Surabaya berapa ya?")}).ok());
  replies = Replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].text().body(), Answer("shipping", chatbot::Language::kIndonesian));
  EXPECT_EQ(replies[1].locale(), "id");
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_EQ(Metric("omnigate_chatbot_events_total", "outcome", "answered"), 2);
}

TEST_F(ChatbotRedisTest, AskingForAHumanHandsOffWithAReplyInTheSameLanguage) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "I want to talk to a human")}).ok());
  EXPECT_THAT(conversations_.calls(),
              ElementsAre(SetModeCall{kConversation, omnigate::v1::MODE_AGENT, "customer_request",
                                      "chatbot"}));
  EXPECT_THAT(ReplyTexts(), ElementsAre(Text(chatbot::Language::kEnglish, true)));

  ASSERT_TRUE(Deliver({CustomerText("ev-2", "mau bicara dengan petugas", "id-ID")}).ok());
  EXPECT_EQ(conversations_.calls().size(), 2u);
  EXPECT_EQ(ReplyTexts().back(), Text(chatbot::Language::kIndonesian, true));
  EXPECT_EQ(Metric("omnigate_chatbot_handoffs_total", "reason", "customer_request"), 2);
}

TEST_F(ChatbotRedisTest, SecondUnansweredQuestionInARowHandsOff) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "Do you like jazz?")}).ok());
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_EQ(Unanswered(), "1");
  ASSERT_TRUE(Deliver({CustomerText("ev-2", "What about blue whales?")}).ok());
  EXPECT_THAT(
      conversations_.calls(),
      ElementsAre(SetModeCall{kConversation, omnigate::v1::MODE_AGENT, "unanswered", "chatbot"}));
  EXPECT_THAT(ReplyTexts(), ElementsAre(Text(chatbot::Language::kEnglish, false),
                                        Text(chatbot::Language::kEnglish, true)));
  EXPECT_EQ(Unanswered(), "");  // the run starts over
  EXPECT_EQ(Metric("omnigate_chatbot_events_total", "outcome", "unanswered"), 1);
  EXPECT_EQ(Metric("omnigate_chatbot_events_total", "outcome", "handoff"), 1);
  EXPECT_EQ(Metric("omnigate_chatbot_handoffs_total", "reason", "unanswered"), 1);
}

TEST_F(ChatbotRedisTest, AnAnswerBreaksTheUnansweredRun) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "Do you like jazz?"),
                       CustomerText("ev-2", "how do I get a refund"),
                       CustomerText("ev-3", "What about blue whales?")})
                  .ok());
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_THAT(ReplyTexts(), ElementsAre(Text(chatbot::Language::kEnglish, false),
                                        Answer("refunds", chatbot::Language::kEnglish),
                                        Text(chatbot::Language::kEnglish, false)));
  EXPECT_EQ(Unanswered(), "1");
}

TEST_F(ChatbotRedisTest, RedeliveryChangesNothing) {
  const std::vector<omnigate::v1::Event> batch = {CustomerText("ev-1", "where is my order?"),
                                                  CustomerText("ev-2", "Do you like jazz?")};
  ASSERT_TRUE(Deliver(batch).ok());
  ASSERT_EQ(Replies().size(), 2u);
  ASSERT_EQ(Unanswered(), "1");
  for (uint32_t attempt = 2; attempt <= 3; ++attempt) ASSERT_TRUE(Deliver(batch, attempt).ok());
  EXPECT_EQ(Replies().size(), 2u);
  // Counting ev-2 again would have made it the second unanswered question.
  EXPECT_EQ(Unanswered(), "1");
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_EQ(Metric("omnigate_chatbot_events_total", "outcome", "duplicate"), 4);
}

TEST_F(ChatbotRedisTest, FailedSetModeIsRetriedAndHandsOffOnce) {
  conversations_.set_failing(true);
  const auto ask = CustomerText("ev-1", "operator please");
  grpc::Status s = Deliver({ask});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(Replies(), IsEmpty());
  EXPECT_EQ(Metric("omnigate_chatbot_deliver_errors_total", "code", "unavailable"), 1);

  conversations_.set_failing(false);
  ASSERT_TRUE(Deliver({ask}, 2).ok());
  ASSERT_TRUE(Deliver({ask}, 3).ok());
  EXPECT_EQ(conversations_.calls().size(), 1u);
  EXPECT_THAT(ReplyTexts(), ElementsAre(Text(chatbot::Language::kEnglish, true)));
}

TEST_F(ChatbotRedisTest, FailureMidBatchIsRetriedWithoutDoubles) {
  // The handoff (second event) fails after the first event was answered.
  conversations_.set_failing(true);
  const std::vector<omnigate::v1::Event> batch = {CustomerText("ev-1", "what are your prices"),
                                                  CustomerText("ev-2", "human please")};
  EXPECT_EQ(Deliver(batch).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Replies().size(), 1u);
  conversations_.set_failing(false);
  ASSERT_TRUE(Deliver(batch, 2).ok());
  EXPECT_THAT(ReplyTexts(), ElementsAre(Answer("prices", chatbot::Language::kEnglish),
                                        Text(chatbot::Language::kEnglish, true)));
  EXPECT_EQ(conversations_.calls().size(), 1u);
}

TEST_F(ChatbotRedisTest, RedisDownIsUnavailableNotACrash) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "what are your opening hours")}).ok());
  ASSERT_TRUE(redis_->Kill().ok());
  grpc::Status s = Deliver({CustomerText("ev-2", "what are your opening hours")});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // A handoff request with Redis down: nothing is decided before the state
  // is read, so Conversations is not called either.
  s = Deliver({CustomerText("ev-3", "agent")});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(conversations_.calls().empty());

  // Redis back (data lost with kill -9 and no persistence): the pool
  // reconnects and the retried request is answered.
  ASSERT_TRUE(redis_->Restart().ok());
  ASSERT_TRUE(Deliver({CustomerText("ev-2", "what are your opening hours")}, 2).ok());
  EXPECT_EQ(Replies().size(), 1u);
}

TEST_F(ChatbotRedisTest, NonCustomerEchoLifecycleAndGarbageAreIgnored) {
  auto agent = CustomerText("ev-1", "what are your opening hours");
  agent.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  auto echo = CustomerText("ev-2", "what are your opening hours");
  echo.set_is_echo(true);
  auto bot = CustomerText("ev-3", "agent");
  bot.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  auto media = CustomerText("ev-4", "");
  media.mutable_media()->set_caption("what are your opening hours");
  auto no_key = CustomerText("ev-5", "what are your opening hours");
  no_key.clear_conversation_key();
  auto no_id = CustomerText("", "human");
  auto empty = CustomerText("ev-6", "?!");
  const auto handoff = Lifecycle("ev-7", omnigate::v1::ConversationEvent::KIND_HANDOFF_REQUESTED);
  const auto assigned = Lifecycle("ev-8", omnigate::v1::ConversationEvent::KIND_ASSIGNED);
  ASSERT_TRUE(Deliver({agent, echo, bot, media, no_key, no_id, empty, handoff, assigned}).ok());
  EXPECT_THAT(Replies(), IsEmpty());
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_EQ(Metric("omnigate_chatbot_events_total", "outcome", "ignored"), 9);
}

TEST_F(ChatbotRedisTest, ButtonTitlesAreAnswered) {
  auto button = CustomerText("ev-1", "");
  button.mutable_interactive()->set_type(omnigate::v1::InteractiveReply::TYPE_BUTTON);
  button.mutable_interactive()->set_id("btn_pay");
  button.mutable_interactive()->set_title("Payment methods");
  ASSERT_TRUE(Deliver({button}).ok());
  auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].attributes().at("faq_id"), "payment_methods");
}

TEST_F(ChatbotRedisTest, ResolvedOrBackToBotResetsTheUnansweredRun) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "Do you like jazz?")}).ok());
  ASSERT_EQ(Unanswered(), "1");
  ASSERT_TRUE(Deliver({Lifecycle("ev-2", omnigate::v1::ConversationEvent::KIND_RESOLVED)}).ok());
  EXPECT_EQ(Unanswered(), "");
  ASSERT_TRUE(Deliver({CustomerText("ev-3", "Do you like jazz?")}).ok());
  ASSERT_EQ(Unanswered(), "1");
  ASSERT_TRUE(
      Deliver({Lifecycle("ev-4", omnigate::v1::ConversationEvent::KIND_MODE_CHANGED, "agent")})
          .ok());
  EXPECT_EQ(Unanswered(), "1");
  ASSERT_TRUE(
      Deliver({Lifecycle("ev-5", omnigate::v1::ConversationEvent::KIND_MODE_CHANGED, "bot")}).ok());
  EXPECT_EQ(Unanswered(), "");
  ASSERT_TRUE(Deliver({CustomerText("ev-6", "Do you like jazz?")}).ok());
  EXPECT_TRUE(conversations_.calls().empty());
  EXPECT_EQ(Replies().size(), 3u);
}

TEST_F(ChatbotRedisTest, KeysShareTheConversationsHashTag) {
  ASSERT_TRUE(Deliver({CustomerText("ev-1", "Do you like jazz?")}).ok());
  auto keys = redis_->Cli({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  const std::string tag = absl::StrCat("{", partition_, "}");
  for (absl::string_view key : absl::StrSplit(*keys, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(key, "omnigate:")) << key;
    EXPECT_TRUE(absl::StrContains(key, tag)) << key;
  }
  EXPECT_EQ(*redis_->Cli({"EXISTS", chatbot::SeenKey(partition_, "ev-1")}), "1");
  auto ttl = redis_->Cli({"TTL", chatbot::SeenKey(partition_, "ev-1")});
  EXPECT_EQ(*ttl, "86400");
}

// The customer-experience side of the bot: the CSAT question after a
// resolve, the answer read as a rating, a confirmed or idle resolution.
class CsatRedisTest : public ChatbotRedisTest {
 protected:
  void SetUp() override {
    ChatbotRedisTest::SetUp();
    chatbot::ChatbotOptions options;
    options.partitions = kPartitions;
    options.csat.enabled = true;
    options.csat.window = absl::Hours(1);
    options.credit_rating = [this](const std::string& agent, const std::string& rating_id,
                                   int score) {
      credits_.push_back(absl::StrCat(agent, "|", rating_id, "|", score));
      return absl::OkStatus();
    };
    options.cx_metrics = &cx_metrics_;
    csat_bot_ = std::make_unique<chatbot::Chatbot>(faq_, options, memory_.get(), &conversations_,
                                                   SystemClock::Get());
  }

  // What ingest and a resolve leave on the conversation's state.
  void ResolvedBy(const std::string& agent, const std::string& language = "en") {
    const std::string key = queue::ConversationStateKey(partition_, kConversation);
    ASSERT_TRUE(
        redis_
            ->Cli({"HSET", key, "mode", "closed", "connector", "wa-main", "customer_id",
                   "12025550143", "opened_ms", "1", "resolved_ms", "2", "resolved_agent", agent,
                   "resolved_by", agent.empty() ? "bot" : "agent", "language", language})
            .ok());
  }

  std::string State(const std::string& field) {
    auto v = redis_->Cli({"HGET", queue::ConversationStateKey(partition_, kConversation), field});
    return v.ok() ? *v : "?";
  }

  double CxSamples(const std::string& family) {
    double n = 0;
    for (const auto& f : cx_registry_.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric)
        n += f.type == prometheus::MetricType::Histogram
                 ? static_cast<double>(m.histogram.sample_count)
                 : m.counter.value;
    }
    return n;
  }

  prometheus::Registry cx_registry_;
  cx::CxMetrics cx_metrics_{cx_registry_};
  std::vector<std::string> credits_;
  std::unique_ptr<chatbot::Chatbot> csat_bot_;
};

TEST_F(CsatRedisTest, AResolveAsksTheCustomerOnceInTheirLanguage) {
  ResolvedBy("agent-7", "id");
  const auto resolved = Lifecycle("lc-1", omnigate::v1::ConversationEvent::KIND_RESOLVED, "closed");
  auto handled = csat_bot_->Handle(resolved);
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->outcome, chatbot::Outcome::kSurveyed);
  auto again = csat_bot_->Handle(resolved);  // redelivered: asked once
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, chatbot::Outcome::kDuplicate);

  auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  const auto& q = replies[0];
  EXPECT_EQ(q.connector(), "wa-main");
  EXPECT_EQ(q.recipient().id(), "12025550143");
  EXPECT_EQ(q.account_id(), "100000000000001");
  EXPECT_EQ(q.locale(), "id");
  EXPECT_EQ(q.sender().role(), omnigate::v1::ROLE_BOT);
  ASSERT_EQ(q.text().options_size(), 5);
  EXPECT_EQ(q.text().options(4).id(), "csat:5");
  EXPECT_FALSE(State("csat_until_ms").empty());
  EXPECT_EQ(CxSamples("omnigate_cx_csat_surveys_total"), 1);
}

TEST_F(CsatRedisTest, NoQuestionWhenTheConversationReopenedOrTheConnectorOptedOut) {
  const auto resolved = Lifecycle("lc-2", omnigate::v1::ConversationEvent::KIND_RESOLVED, "closed");
  // Reopened before the bot got the RESOLVED event: resolved_ms is gone.
  ResolvedBy("agent-7");
  ASSERT_TRUE(
      redis_->Cli({"HDEL", queue::ConversationStateKey(partition_, kConversation), "resolved_ms"})
          .ok());
  auto handled = csat_bot_->Handle(resolved);
  ASSERT_TRUE(handled.ok());
  EXPECT_NE(handled->outcome, chatbot::Outcome::kSurveyed);
  EXPECT_TRUE(Replies().empty());
}

TEST_F(CsatRedisTest, TheAnswerIsARatingCreditedToTheAgent) {
  ResolvedBy("agent-7");
  ASSERT_TRUE(
      csat_bot_->Handle(Lifecycle("lc-3", omnigate::v1::ConversationEvent::KIND_RESOLVED, "closed"))
          .ok());
  const auto answer = CustomerText("ev-r1", "5/5 thanks!");
  auto handled = csat_bot_->Handle(answer);
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->outcome, chatbot::Outcome::kRated);
  auto again = csat_bot_->Handle(answer);  // redelivered: seen, nothing twice
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, chatbot::Outcome::kDuplicate);
  // Credited by the message's id: the agent store keeps a marker per id, so
  // a crash between crediting and recording credits once on the retry.
  EXPECT_THAT(credits_, ElementsAre("agent-7|ev-r1|5"));
  EXPECT_EQ(State("csat_score"), "5");
  EXPECT_EQ(State("csat_until_ms"), "");
  EXPECT_EQ(CxSamples("omnigate_cx_csat_score"), 1);
  // The rating is in the conversation's history; the thanks went out.
  auto history = redis_->Cli({"LLEN", queue::HistoryKey(partition_, kConversation)});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(*history, "3");  // question, rating, thanks
  EXPECT_EQ(Replies().back().text().body(), "Thank you for your rating!");
}

TEST_F(CsatRedisTest, ATappedOptionIsARatingToo) {
  ResolvedBy("");
  ASSERT_TRUE(
      csat_bot_->Handle(Lifecycle("lc-4", omnigate::v1::ConversationEvent::KIND_RESOLVED, "closed"))
          .ok());
  auto tap = CustomerText("ev-t1", "");
  tap.mutable_interactive()->set_id("csat:2");
  tap.mutable_interactive()->set_title("2 ⭐ Unsatisfied");
  auto handled = csat_bot_->Handle(tap);
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->outcome, chatbot::Outcome::kRated);
  EXPECT_EQ(State("csat_score"), "2");
  EXPECT_TRUE(credits_.empty());  // resolved by the bot: no agent to credit
}

TEST_F(CsatRedisTest, AQuestionInsteadOfARatingReopensAndIsAnswered) {
  ResolvedBy("agent-7");
  ASSERT_TRUE(
      csat_bot_->Handle(Lifecycle("lc-5", omnigate::v1::ConversationEvent::KIND_RESOLVED, "closed"))
          .ok());
  auto handled = csat_bot_->Handle(CustomerText("ev-q1", "What are your opening hours?"));
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->outcome, chatbot::Outcome::kAnswered);
  EXPECT_EQ(State("csat_until_ms"), "");
  EXPECT_EQ(State("resolved_ms"), "");
  EXPECT_EQ(State("mode"), "bot");
  EXPECT_EQ(State("reopened"), "1");
  EXPECT_EQ(CxSamples("omnigate_cx_reopened_total"), 1);
  EXPECT_EQ(CxSamples("omnigate_cx_csat_score"), 0);
  EXPECT_EQ(Replies().back().text().body(), Answer("opening_hours", chatbot::Language::kEnglish));
}

TEST_F(CsatRedisTest, ACustomerWhoSaysItIsSolvedIsResolvedByTheBot) {
  auto handled = csat_bot_->Handle(CustomerText("ev-s1", "sudah beres, makasih ya"));
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(handled->outcome, chatbot::Outcome::kResolved);
  EXPECT_THAT(
      conversations_.resolves(),
      ElementsAre(absl::StrCat(kConversation, "||bot: the customer confirmed it is solved")));
  EXPECT_EQ(State("language"), "id");
}

TEST_F(CsatRedisTest, AHandoffCarriesTheConversationsLanguage) {
  ASSERT_TRUE(csat_bot_->Handle(CustomerText("ev-h1", "Saya ingin bicara dengan petugas")).ok());
  EXPECT_THAT(conversations_.languages(), ElementsAre("id"));
  EXPECT_EQ(State("language"), "id");
}

TEST_F(CsatRedisTest, ConversationsLeftAloneAfterAnAnswerAreResolvedByTheBotOnce) {
  // Ingest opened the cycle; the bot answers.
  ASSERT_TRUE(
      redis_
          ->Cli({"HSET", queue::ConversationStateKey(partition_, kConversation), "opened_ms", "1"})
          .ok());
  auto handled = csat_bot_->Handle(CustomerText("ev-i1", "What are your opening hours?"));
  ASSERT_TRUE(handled.ok());
  ASSERT_EQ(handled->outcome, chatbot::Outcome::kAnswered);

  FakeClock later(SystemClock::Get().NowMs() + 31 * 60 * 1000);
  chatbot::IdleResolverOptions options;
  options.partitions = kPartitions;
  options.idle = absl::Minutes(30);
  chatbot::IdleResolver resolver(options, memory_.get(), &conversations_, later);
  FakeClock early(SystemClock::Get().NowMs() + 10 * 60 * 1000);
  chatbot::IdleResolver too_early(options, memory_.get(), &conversations_, early);
  EXPECT_EQ(too_early.RunOnce(), 0);
  EXPECT_EQ(resolver.RunOnce(), 1);
  EXPECT_EQ(resolver.RunOnce(), 0);  // claimed once
  EXPECT_THAT(conversations_.resolves(),
              ElementsAre(absl::StrCat(kConversation, "||bot: the customer went quiet")));

  // A failed resolve puts it back for the next pass.
  ASSERT_TRUE(csat_bot_->Handle(CustomerText("ev-i2", "What are your opening hours?")).ok());
  conversations_.set_failing(true);
  EXPECT_EQ(resolver.RunOnce(), 0);
  conversations_.set_failing(false);
  EXPECT_EQ(resolver.RunOnce(), 1);
}

TEST_F(CsatRedisTest, AHandoffTakesTheConversationOutOfTheIdleSet) {
  ASSERT_TRUE(
      redis_
          ->Cli({"HSET", queue::ConversationStateKey(partition_, kConversation), "opened_ms", "1"})
          .ok());
  ASSERT_TRUE(csat_bot_->Handle(CustomerText("ev-j1", "What are your opening hours?")).ok());
  ASSERT_TRUE(csat_bot_->Handle(CustomerText("ev-j2", "I want to talk to a human")).ok());
  auto members = redis_->Cli({"ZCARD", chatbot::BotIdleKey(partition_)});
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, "0");
}

}  // namespace
}  // namespace omnigate
