#pragma once

// The omnigate-sender end-to-end stack, shared by the tests of
// tests/e2e/sender_e2e_test.cc and receipts_e2e_test.cc (one executable): a
// redis-server, omnigate-ingest and omnigate-sender started by the first
// test of a suite, and a fake provider answering like each channel's send
// API. One connector per channel, each pointed at the fake.

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
#include "lib/redis/redis_connection.h"
#include "omnigate/v1/event.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tools/fake_provider/answers.h"
#include "tools/fake_provider/fake_provider.h"

namespace omnigate::e2e {

using fakeprovider::FakeProvider;
using fakeprovider::Provider;
using omnigate::v1::Event;
using omnigate::v1::GetStatusResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

// One entry of an inbound stream: the event and the entry's other fields
// (mode, outbound_event_id).
struct StoredEntry {
  Event event;
  std::map<std::string, std::string> fields;
};

inline constexpr uint32_t kPartitions = 4;
inline constexpr char kWebchatSecret[] = "webchat-test-secret";
inline constexpr char kMetaSecret[] = "test-meta-app-secret-0001";
inline constexpr char kPhoneNumberId[] = "100000000000001";

// One connector per channel, each pointed at the fake provider.
struct Channel {
  std::string connector;
  omnigate::v1::Channel channel;
  Provider provider;
  std::string yaml;  // the connector's extra keys
  std::string recipient;
};

inline std::vector<Channel> Channels() {
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
       "      from: \"+15550100000\"\n"
       "      status_callback_url: https://hooks.example.com/webhooks/sms\n",
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

inline const char* ChannelYamlName(omnigate::v1::Channel c) {
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

  // POSTs a webhook to ingest (`target` = "/webhooks/<connector>[?query]");
  // its HTTP status, 0 when ingest never answered.
  static int PostWebhook(const std::string& target, const Headers& headers,
                         const std::string& body) {
    for (int attempt = 0; attempt < 50; ++attempt) {  // ingest may still be starting
      auto r = testing::HttpRequest(http_port_, "POST", target, headers, body);
      if (r.ok()) {
        if (r->status != 200)
          ADD_FAILURE() << target << " answered " << r->status << ": " << r->body;
        return r->status;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return 0;
  }

  // A WhatsApp webhook signed like Meta does, through ingest; its HTTP status.
  static int PostWhatsApp(const std::string& body) {
    const std::string signature =
        absl::StrCat("sha256=", HexEncode(crypto::HmacSha256(kMetaSecret, body)));
    return PostWebhook("/webhooks/wa",
                       {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}},
                       body);
  }

  // Every entry of the inbound stream of partition `p`, oldest first.
  static std::vector<StoredEntry> Entries(uint32_t p) {
    std::vector<StoredEntry> out;
    redis::RedisEndpoint endpoint;
    endpoint.port = redis_->port();
    auto conn = redis::RedisConnection::Connect(endpoint, absl::Seconds(1), absl::Seconds(5));
    if (!conn.ok()) {
      ADD_FAILURE() << conn.status();
      return out;
    }
    auto reply = (*conn)->Run({"XRANGE", queue::StreamKey(p), "-", "+"});
    if (!reply.ok() || !reply->is_array()) {
      ADD_FAILURE() << "XRANGE failed";
      return out;
    }
    for (size_t i = 0; i < reply->size(); ++i) {
      const redisReply* fields = reply->element(i)->element[1];
      StoredEntry& entry = out.emplace_back();
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        const std::string name(redis::ElementStr(fields->element[f]));
        const absl::string_view value = redis::ElementStr(fields->element[f + 1]);
        if (name == queue::kEventField) {
          EXPECT_TRUE(entry.event.ParseFromArray(value.data(), static_cast<int>(value.size())));
        } else {
          entry.fields[name] = std::string(value);
        }
      }
    }
    return out;
  }

  // The stored event of a channel message (by connector and external id),
  // searched in every partition; nullopt when none.
  static std::optional<StoredEntry> FindStored(const std::string& connector,
                                               const std::string& external_id) {
    for (uint32_t p = 0; p < kPartitions; ++p) {
      for (StoredEntry& entry : Entries(p)) {
        if (entry.event.connector() == connector && entry.event.external_id() == external_id) {
          return std::move(entry);
        }
      }
    }
    return std::nullopt;
  }

  static std::string WhatsAppEnvelope(const std::string& value) {
    return absl::StrCat(
        R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":")",
        kPhoneNumberId, R"("},)", value, R"(},"field":"messages"}]}]})");
  }

  // A customer's text message on WhatsApp through ingest (it opens the
  // 24-hour window); the HTTP status.
  static int CustomerWritesOnWhatsApp(const std::string& customer, const std::string& name,
                                      const std::string& message_id, const std::string& text) {
    return PostWhatsApp(WhatsAppEnvelope(absl::StrCat(
        R"("contacts":[{"profile":{"name":")", name, R"("},"wa_id":")", customer,
        R"("}],"messages":[{"from":")", customer, R"(","id":")", message_id, R"(","timestamp":")",
        absl::ToUnixSeconds(absl::Now()), R"(","type":"text","text":{"body":")", text, R"("}}])")));
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

  // Stops the stack; the next suite on this fixture starts its own.
  static void TearDownTestSuite() {
    senders_->clear();
    delete ingest_;
    delete fake_;
    delete redis_;
    delete dir_;
    ingest_ = nullptr;
    fake_ = nullptr;
    redis_ = nullptr;
    dir_ = nullptr;
    grpc_port_ = 0;
    http_port_ = 0;
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

  inline static testing::RedisServer* redis_ = nullptr;
  inline static testing::ChildProcess* ingest_ = nullptr;
  inline static int http_port_ = 0;
  inline static FakeProvider* fake_ = nullptr;
  inline static std::string* dir_ = nullptr;
  inline static std::vector<std::unique_ptr<testing::ChildProcess>>* senders_ =
      new std::vector<std::unique_ptr<testing::ChildProcess>>();
  inline static int grpc_port_ = 0;
};

}  // namespace omnigate::e2e
