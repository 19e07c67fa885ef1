// omnigate-sender end to end: the real binary (two replicas for the shared
// rate limit), a real redis-server, and a fake provider answering like each
// channel's send API. Replies are queued through the sender's own
// Outbound.Send over gRPC.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tools/fake_provider/answers.h"
#include "tools/fake_provider/fake_provider.h"

namespace omnigate {
namespace {

using fakeprovider::FakeProvider;
using fakeprovider::Provider;
using omnigate::v1::Event;
using omnigate::v1::GetStatusResponse;

constexpr uint32_t kPartitions = 4;
constexpr char kWebchatSecret[] = "webchat-test-secret";
constexpr char kMetaSecret[] = "test-meta-app-secret-0001";
constexpr char kPhoneNumberId[] = "100000000000001";

// One connector per channel, each pointed at the fake provider.
struct Channel {
  std::string connector;
  omnigate::v1::Channel channel;
  Provider provider;
  std::string yaml;  // the connector's extra keys
  std::string recipient;
};

std::vector<Channel> Channels() {
  return {
      {"wa", omnigate::v1::CHANNEL_WHATSAPP, Provider::kWhatsApp,
       absl::StrCat("    secret: ", kMetaSecret,
                    "\n    outbound:\n      token: wa-token\n      account: \"100000000000001\"\n"),
       "6281200000001"},
      {"fb", omnigate::v1::CHANNEL_MESSENGER, Provider::kMessenger,
       "    outbound:\n      token: fb-token\n      account: \"200000000000002\"\n",
       "7100000000000001"},
      {"ig", omnigate::v1::CHANNEL_INSTAGRAM, Provider::kInstagram,
       "    outbound:\n      token: ig-token\n      account: \"300000000000003\"\n",
       "17840000000000001"},
      {"tg", omnigate::v1::CHANNEL_TELEGRAM, Provider::kTelegram,
       "    outbound:\n      token: \"123456:ABC-token\"\n", "777000111"},
      {"line", omnigate::v1::CHANNEL_LINE, Provider::kLine,
       "    outbound:\n      token: line-token\n", "U4af4980629aaaaaaaaaaaaaaaaaaaaaaa"},
      {"sms", omnigate::v1::CHANNEL_TWILIO, Provider::kTwilio,
       "    outbound:\n      token: twilio-token\n      account: "
       "AC0000000000000000000000000000000a\n"
       "      from: \"+15550100000\"\n",
       "+15550100001"},
      {"viber", omnigate::v1::CHANNEL_VIBER, Provider::kViber,
       "    outbound:\n      token: viber-token\n      from: Omnigate Shop\n", "01234567890A="},
      {"x", omnigate::v1::CHANNEL_X, Provider::kX, "    outbound:\n      token: x-token\n",
       "9876543210"},
      {"mail-sg", omnigate::v1::CHANNEL_EMAIL, Provider::kSendGrid,
       "    provider: sendgrid\n    outbound:\n      token: sg-key\n      from: "
       "help@shop.example\n",
       "customer@example.com"},
      {"mail-mg", omnigate::v1::CHANNEL_EMAIL, Provider::kMailgun,
       "    provider: mailgun\n    outbound:\n      token: mg-key\n      account: mg.shop.example\n"
       "      from: help@shop.example\n",
       "customer@example.com"},
      {"web", omnigate::v1::CHANNEL_WEBCHAT, Provider::kWebchat,
       absl::StrCat("    secret: ", kWebchatSecret, "\n    outbound: {}\n"), "visitor-1"},
  };
}

const char* ChannelYamlName(omnigate::v1::Channel c) {
  switch (c) {
    case omnigate::v1::CHANNEL_WHATSAPP:
      return "whatsapp";
    case omnigate::v1::CHANNEL_MESSENGER:
      return "messenger";
    case omnigate::v1::CHANNEL_INSTAGRAM:
      return "instagram";
    case omnigate::v1::CHANNEL_TELEGRAM:
      return "telegram";
    case omnigate::v1::CHANNEL_LINE:
      return "line";
    case omnigate::v1::CHANNEL_TWILIO:
      return "twilio";
    case omnigate::v1::CHANNEL_VIBER:
      return "viber";
    case omnigate::v1::CHANNEL_X:
      return "x";
    case omnigate::v1::CHANNEL_EMAIL:
      return "email";
    default:
      return "webchat";
  }
}

class SenderE2ETest : public ::testing::Test {
 protected:
  // Started by the first test (not in SetUpTestSuite: a failure there makes
  // gtest skip the tests, which ctest would count as passed).
  static void StartStack() {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = fake->release();
    dir_ = new std::string(testing::MakeTempDir());
    std::string yaml = absl::StrCat("ingest:\n  partitions: ", kPartitions, "\nconnectors:\n");
    for (const Channel& c : Channels()) {
      std::string extra = c.yaml;
      // Every connector's api_base_url points at the fake.
      const std::string base =
          absl::StrCat("      api_base_url: ", fake_->api_base_url(c.provider), "\n");
      if (absl::StrContains(extra, "outbound: {}")) {
        absl::StrReplaceAll({{"outbound: {}\n", absl::StrCat("outbound:\n", base)}}, &extra);
      } else {
        absl::StrReplaceAll({{"    outbound:\n", absl::StrCat("    outbound:\n", base)}}, &extra);
      }
      // Ingest (for the receipt test) needs each channel's signing secret.
      if (!absl::StrContains(extra, "secret:")) extra = absl::StrCat("    secret: s3cret\n", extra);
      if (c.provider == Provider::kSendGrid) {
        extra = absl::StrCat("    basic_auth: parse:s3cret\n", extra);
      }
      if (c.channel == omnigate::v1::CHANNEL_TWILIO) {
        extra = absl::StrCat("    public_url: https://hooks.example.com/webhooks/sms\n", extra);
      }
      absl::StrAppend(&yaml, "  - name: ", c.connector,
                      "\n    channel: ", ChannelYamlName(c.channel), "\n", extra);
    }
    // A connector whose shared limit the rate test measures.
    absl::StrAppend(&yaml, "  - name: tg-rate\n    channel: telegram\n    secret: s3cret\n",
                    "    outbound:\n",
                    "      api_base_url: ", fake_->api_base_url(Provider::kTelegram), "\n",
                    "      token: \"999:RATE\"\n      rate_per_s: 10\n");
    absl::StrAppend(&yaml,
                    "sender:\n  backoff_initial: 50ms\n  backoff_max: 200ms\n  max_attempts: 4\n"
                    "  lease_ttl: 2s\n  lease_renew: 500ms\n  connector_pause: 1s\n"
                    "  send_timeout: 2s\n  drain_timeout: 3s\n");
    ASSERT_TRUE(testing::WriteFile(*dir_ + "/omnigate.yaml", yaml).ok());
    http_port_ = testing::PickFreePort();
    auto ingest = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-ingest"), "--config", *dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--http_addr=127.0.0.1:", http_port_),
         "--grpc_addr=127.0.0.1:0", "--metrics_addr=127.0.0.1:0"},
        *dir_ + "/ingest.log");
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = ingest->release();
    grpc_port_ = StartSender("a");
    ASSERT_GT(grpc_port_, 0);
  }

  // A WhatsApp webhook signed like Meta does, through ingest; its HTTP status.
  static int PostWhatsApp(const std::string& body) {
    const std::string signature =
        absl::StrCat("sha256=", HexEncode(crypto::HmacSha256(kMetaSecret, body)));
    for (int attempt = 0; attempt < 50; ++attempt) {  // ingest may still be starting
      auto r = testing::HttpRequest(
          http_port_, "POST", "/webhooks/wa",
          {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}}, body);
      if (r.ok()) return r->status;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return 0;
  }

  static std::string WhatsAppEnvelope(const std::string& value) {
    return absl::StrCat(
        R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":")",
        kPhoneNumberId, R"("},)", value, R"(},"field":"messages"}]}]})");
  }

  // Starts a replica; returns its gRPC port (0 on failure).
  static int StartSender(const std::string& id) {
    const int port = testing::PickFreePort();
    auto proc = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-sender"), "--config", *dir_ + "/omnigate.yaml", "--redis",
         redis_->url(), absl::StrCat("--grpc_addr=127.0.0.1:", port), "--metrics_addr=127.0.0.1:0",
         "--instance_id", id},
        absl::StrCat(*dir_, "/sender-", id, ".log"));
    if (!proc.ok()) return 0;
    senders_->push_back(std::move(*proc));
    if (!testing::WaitForHealth(port, /*SERVING=*/1, absl::Seconds(15))) {
      ADD_FAILURE() << senders_->back()->ReadLog();
      return 0;
    }
    return port;
  }

  static void TearDownTestSuite() {
    senders_->clear();
    delete ingest_;
    delete fake_;
    delete redis_;
    delete dir_;
  }

  void SetUp() override {
    if (grpc_port_ == 0) StartStack();
    ASSERT_GT(grpc_port_, 0) << "the stack did not start";
    fake_->ClearScripts();
    fake_->ClearRequests();
  }

  static std::unique_ptr<omnigate::v1::Outbound::Stub> Stub(int port = 0) {
    return omnigate::v1::Outbound::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port ? port : grpc_port_), grpc::InsecureChannelCredentials()));
  }

  static std::string ConversationKey(const Channel& c, const std::string& recipient) {
    return absl::StrCat(ChannelYamlName(c.channel), ":", c.connector, ":", recipient);
  }

  // Marks the customer as having written just now (the messaging window).
  static void CustomerWrote(const std::string& conversation_key) {
    const uint32_t p = queue::PartitionOf(conversation_key, kPartitions);
    ASSERT_TRUE(redis_
                    ->Cli({"HSET", queue::ConversationStateKey(p, conversation_key),
                           "last_customer_ms", absl::StrCat(absl::ToUnixMillis(absl::Now()))})
                    .ok());
  }

  static Event Reply(const Channel& c, const std::string& recipient, const std::string& text) {
    Event e;
    e.set_channel(c.channel);
    e.set_connector(c.connector);
    e.set_conversation_key(ConversationKey(c, recipient));
    e.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
    e.mutable_sender()->set_id("agent-7");
    e.mutable_recipient()->set_id(recipient);
    if (c.channel == omnigate::v1::CHANNEL_TWILIO) e.mutable_recipient()->set_phone(recipient);
    if (c.channel == omnigate::v1::CHANNEL_EMAIL) {
      e.mutable_recipient()->set_email(recipient);
      (*e.mutable_attributes())["subject"] = "Your order";
    }
    e.mutable_text()->set_body(text);
    return e;
  }

  static grpc::Status Send(const Event& event, std::string* id, int port = 0) {
    omnigate::v1::SendRequest request;
    *request.mutable_event() = event;
    omnigate::v1::SendResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status s = Stub(port)->Send(&ctx, request, &response);
    if (id != nullptr) *id = response.event_id();
    return s;
  }

  // Runs omnigatectl against the sender and returns its stdout.
  static std::string Ctl(const std::string& args) {
    const std::string out = *dir_ + "/ctl.out";
    const std::string command =
        absl::StrCat(testing::BinaryPath("omnigatectl"), " --redis ", redis_->url(),
                     " --grpc_addr 127.0.0.1:", grpc_port_, " --partitions ", kPartitions, " ",
                     args, " > ", out, " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    auto text = testing::ReadFile(out);
    return text.ok() ? *text : "";
  }

  static GetStatusResponse Status(const std::string& id) {
    omnigate::v1::GetStatusRequest request;
    request.set_event_id(id);
    GetStatusResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status s = Stub()->GetStatus(&ctx, request, &response);
    if (!s.ok()) response.set_state(GetStatusResponse::STATE_UNSPECIFIED);
    return response;
  }

  // Waits until GetStatus reports `state`.
  static bool WaitState(const std::string& id, GetStatusResponse::State state,
                        absl::Duration limit = absl::Seconds(10)) {
    const absl::Time end = absl::Now() + limit;
    while (absl::Now() < end) {
      if (Status(id).state() == state) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  static testing::RedisServer* redis_;
  static testing::ChildProcess* ingest_;
  static int http_port_;
  static FakeProvider* fake_;
  static std::string* dir_;
  static std::vector<std::unique_ptr<testing::ChildProcess>>* senders_;
  static int grpc_port_;
};

testing::RedisServer* SenderE2ETest::redis_ = nullptr;
testing::ChildProcess* SenderE2ETest::ingest_ = nullptr;
int SenderE2ETest::http_port_ = 0;
FakeProvider* SenderE2ETest::fake_ = nullptr;
std::string* SenderE2ETest::dir_ = nullptr;
std::vector<std::unique_ptr<testing::ChildProcess>>* SenderE2ETest::senders_ =
    new std::vector<std::unique_ptr<testing::ChildProcess>>();
int SenderE2ETest::grpc_port_ = 0;

TEST_F(SenderE2ETest, EveryChannelsReplyReachesItsProviderAndReportsSent) {
  for (const Channel& c : Channels()) {
    SCOPED_TRACE(c.connector);
    CustomerWrote(ConversationKey(c, c.recipient));
    std::string id;
    grpc::Status s = Send(Reply(c, c.recipient, "Your order ships today"), &id);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_SENT))
        << Status(id).DebugString() << senders_->front()->ReadLog();
    const GetStatusResponse status = Status(id);
    EXPECT_EQ(status.connector(), c.connector);
    EXPECT_FALSE(status.provider_message_id().empty());
    const auto requests = fake_->requests_for(c.provider);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].answered_status / 100, 2);
    // JSON, or form-encoded (Twilio, Mailgun).
    EXPECT_TRUE(absl::StrContains(requests[0].body, "Your order ships today") ||
                absl::StrContains(requests[0].body, "Your+order+ships+today"))
        << requests[0].body;
  }
}

TEST_F(SenderE2ETest, TwentyRepliesOfOneConversationArriveInOrder) {
  // Messenger: no per-recipient rate, so the 20 go as fast as answers come.
  const Channel fb = Channels()[1];
  CustomerWrote(ConversationKey(fb, "7100000000000020"));
  // Two answers fail on the way: the order must hold across the retries.
  fake_->Script(Provider::kMessenger,
                {fakeprovider::FakeAnswer::Success(), fakeprovider::ServerError(),
                 fakeprovider::FakeAnswer::Success(), fakeprovider::ServerError()});
  std::string last;
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(
        Send(Reply(fb, "7100000000000020", absl::StrCat("part ", i, " of 20")), &last).ok());
  }
  ASSERT_TRUE(WaitState(last, GetStatusResponse::STATE_SENT, absl::Seconds(15)));
  std::vector<std::string> accepted;
  for (const auto& r : fake_->requests_for(Provider::kMessenger)) {
    if (r.answered_status == 200) accepted.push_back(r.body);
  }
  ASSERT_EQ(accepted.size(), 20u);
  for (int i = 1; i <= 20; ++i) {
    EXPECT_THAT(accepted[i - 1], ::testing::HasSubstr(absl::StrCat("\"part ", i, " of 20\"")));
  }
  EXPECT_EQ(fake_->requests_for(Provider::kMessenger).size(), 22u);
}

TEST_F(SenderE2ETest, ThrottledTwiceThenSentOnce) {
  const Channel tg = Channels()[3];
  fake_->Script(Provider::kTelegram, {fakeprovider::Throttle(Provider::kTelegram, 1),
                                      fakeprovider::Throttle(Provider::kTelegram, 1)});
  std::string id;
  ASSERT_TRUE(Send(Reply(tg, "555001", "after the throttle"), &id).ok());
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_SENT, absl::Seconds(15)));
  const auto requests = fake_->requests_for(Provider::kTelegram);
  ASSERT_EQ(requests.size(), 3u);
  // Each retry waited what Telegram asked for.
  EXPECT_GE(requests[1].arrived - requests[0].arrived, absl::Milliseconds(950));
  EXPECT_GE(requests[2].arrived - requests[1].arrived, absl::Milliseconds(950));
  EXPECT_EQ(requests[2].answered_status, 200);
}

TEST_F(SenderE2ETest, BlockedRecipientIsTriedOnceDeadLetteredAndReportedFailed) {
  const Channel tg = Channels()[3];
  fake_->Script(Provider::kTelegram, {fakeprovider::Permanent(Provider::kTelegram)});
  const std::string conv = ConversationKey(tg, "555002");
  std::string id;
  ASSERT_TRUE(Send(Reply(tg, "555002", "are you there?"), &id).ok());
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_FAILED));
  EXPECT_EQ(Status(id).error_code(), "403");
  const uint32_t p = queue::PartitionOf(conv, kPartitions);
  // Dead-lettered: listable and replayable like inbound ones.
  const absl::Time end = absl::Now() + absl::Seconds(5);
  std::string dead;
  while (absl::Now() < end) {
    dead = redis_->Cli({"XLEN", queue::OutboundDeadLetterKey(p)}).value_or("");
    if (dead == "1") break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(dead, "1");
  // The conversation hears of it: a FAILED status naming the reply.
  auto stream = redis_->Cli({"XRANGE", queue::StreamKey(p), "-", "+"});
  ASSERT_TRUE(stream.ok());
  EXPECT_THAT(*stream, ::testing::HasSubstr(id));
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(fake_->requests_for(Provider::kTelegram).size(), 1u) << "tried once";
  // Operators see both with omnigatectl pointed at the sender.
  EXPECT_THAT(Ctl(absl::StrCat("reply-status ", id)), ::testing::HasSubstr("STATE_FAILED"));
  EXPECT_THAT(Ctl("dlq list"), ::testing::HasSubstr(conv));
}

TEST_F(SenderE2ETest, WhatsAppReplyToACustomerWhoNeverWroteIsRefused) {
  const Channel wa = Channels()[0];
  grpc::Status s = Send(Reply(wa, "6281299999999", "hello?"), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("template"));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE(fake_->requests_for(Provider::kWhatsApp).empty());
}

// The customer writes through ingest (opening the 24-hour window), the agent
// answers, WhatsApp reports the answer delivered: the stored receipt names
// the reply and GetStatus follows it.
TEST_F(SenderE2ETest, DeliveredReceiptNamesTheReplysEventId) {
  const std::string customer = "6281200000077";
  const std::string conv = absl::StrCat("whatsapp:", kPhoneNumberId, ":", customer);
  ASSERT_EQ(PostWhatsApp(WhatsAppEnvelope(absl::StrCat(
                R"("contacts":[{"profile":{"name":"Rina"},"wa_id":")", customer,
                R"("}],"messages":[{"from":")", customer, R"(","id":"wamid.IN77","timestamp":")",
                absl::ToUnixSeconds(absl::Now()),
                R"(","type":"text","text":{"body":"where is my order?"}}])"))),
            200);
  Channel wa = Channels()[0];
  Event reply = Reply(wa, customer, "It ships today");
  reply.set_conversation_key(conv);
  std::string id;
  grpc::Status s = Send(reply, &id);
  ASSERT_TRUE(s.ok()) << s.error_message() << " (the customer's message opens the window)";
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_SENT));
  const std::string provider_id = Status(id).provider_message_id();
  ASSERT_FALSE(provider_id.empty());

  ASSERT_EQ(PostWhatsApp(WhatsAppEnvelope(absl::StrCat(
                R"("statuses":[{"id":")", provider_id, R"(","status":"delivered","timestamp":")",
                absl::ToUnixSeconds(absl::Now()), R"(","recipient_id":")", customer, R"("}])"))),
            200);
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_DELIVERED)) << Status(id).DebugString();
  const uint32_t p = queue::PartitionOf(conv, kPartitions);
  auto stream = redis_->Cli({"XRANGE", queue::StreamKey(p), "-", "+"});
  ASSERT_TRUE(stream.ok());
  EXPECT_THAT(*stream, ::testing::HasSubstr("outbound_event_id"));
  EXPECT_THAT(*stream, ::testing::HasSubstr(id));
}

TEST_F(SenderE2ETest, TwoReplicasTogetherKeepTheConnectorsRate) {
  const int second = StartSender("b");
  ASSERT_GT(second, 0);
  Channel rated = Channels()[3];
  rated.connector = "tg-rate";
  constexpr int kReplies = 100;
  // Many conversations, so both replicas own some and the per-chat limit
  // plays no part; half are queued through each replica.
  for (int i = 0; i < kReplies; ++i) {
    ASSERT_TRUE(Send(Reply(rated, absl::StrCat("88", i), absl::StrCat("rated ", i)), nullptr,
                     i % 2 ? second : 0)
                    .ok());
  }
  ASSERT_TRUE(fake_->WaitForRequests(kReplies, absl::Seconds(20)));
  auto requests = fake_->requests_for("/telegram/bot999:RATE/");
  ASSERT_EQ(requests.size(), static_cast<size_t>(kReplies));
  const absl::Duration span = requests.back().arrived - requests.front().arrived;
  // 10/s: the first goes at once, the other 99 a tenth of a second apart.
  EXPECT_GE(span, absl::Seconds(9.9 * 0.9)) << span;
  EXPECT_LE(span, absl::Seconds(9.9 * 1.1)) << span;
  // No one-second window saw more than the rate (plus its burst of one).
  for (size_t i = 0; i + 11 < requests.size(); ++i) {
    EXPECT_GE(requests[i + 11].arrived - requests[i].arrived, absl::Seconds(1))
        << "12 sends within a second from #" << i;
  }
}

}  // namespace
}  // namespace omnigate
