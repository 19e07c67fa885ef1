// Outbound.Send against FakeRedis: replies are queued, deduplicated, and
// refused outside the channel's messaging window. The customer's messages
// are recorded by the real ingest enqueue script, as ingest does.
#include "lib/conversations/outbound_service.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/messaging_window.h"
#include "lib/queue/enqueue_call.h"
#include "lib/queue/enqueue_script.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/fake_redis.h"

namespace omnigate::conversations {
namespace {

using omnigate::v1::Event;
using ::testing::HasSubstr;

constexpr int64_t kStart = 1770091506000;
constexpr int64_t kHourMs = 3600 * 1000;
constexpr uint32_t kPartitions = 4;
constexpr char kWhatsApp[] = "whatsapp:100:6281";
constexpr char kMessenger[] = "messenger:200:psid-1";

class OutboundServiceTest : public ::testing::Test {
 protected:
  OutboundServiceTest() : service_(Options(), &redis_, clock_) {}

  static OutboundOptions Options() {
    OutboundOptions options;
    options.partitions = kPartitions;
    options.stream_max_len = 1000;
    return options;
  }

  static uint32_t Partition(const std::string& conv) {
    return queue::PartitionOf(conv, kPartitions);
  }

  // The customer writes now: ingest's script records it.
  void CustomerWrites(const std::string& conv) {
    static int seq = 0;
    const uint32_t p = Partition(conv);
    auto reply = Ingest(p, absl::StrCat("in-", ++seq), conv, clock_.NowMs(), absl::Hours(30 * 24));
    ASSERT_TRUE(reply.ok() && reply->is_array()) << (reply.ok() ? reply->str() : "unavailable");
  }

  // Ingest's enqueue script storing an event of `conv` (a customer's message
  // sent at `customer_ms` when > 0), without history.
  absl::StatusOr<redis::RedisReply> Ingest(uint32_t p, const std::string& id,
                                           const std::string& conv, int64_t customer_ms,
                                           absl::Duration retention) {
    queue::EnqueueSettings settings;
    settings.dedupe_ttl_seconds = 60;
    settings.stream_max_len = 1000;
    settings.conversation_retention = retention;
    settings.history_max_len = 0;
    queue::EventToStore e;
    e.partition = p;
    e.idempotency_key = id;
    e.payload = "event";
    e.conversation_key = conv;
    e.customer_message_ms = customer_ms;
    e.customer_id = "customer-1";
    queue::EnqueueCall call =
        queue::EnqueueCallBuilder(settings).Build(std::move(e), clock_.NowMs());
    return redis_.Eval(enqueue_, call.keys, call.args);
  }

  static Event Reply(omnigate::v1::Channel channel, const std::string& conv,
                     omnigate::v1::Role role) {
    Event e;
    e.set_channel(channel);
    e.set_connector("c1");
    e.set_conversation_key(conv);
    e.mutable_sender()->set_role(role);
    e.mutable_recipient()->set_id("customer-1");
    e.mutable_text()->set_body("Your order shipped.");
    return e;
  }

  grpc::Status Send(const Event& event, omnigate::v1::SendResponse* response = nullptr) {
    grpc::ServerContext context;
    omnigate::v1::SendRequest request;
    *request.mutable_event() = event;
    omnigate::v1::SendResponse ignored;
    return service_.Send(&context, &request, response != nullptr ? response : &ignored);
  }

  int64_t Queued(const std::string& conv) {
    auto len = redis_.Run({"XLEN", queue::OutboundStreamKey(Partition(conv))});
    EXPECT_TRUE(len.ok());
    return len.ok() ? len->integer() : -1;
  }

  FakeClock clock_{kStart};
  redis::FakeRedis redis_{clock_};
  const redis::RedisScript enqueue_{queue::EnqueueScript()};
  OutboundService service_;
};

TEST_F(OutboundServiceTest, WhatsAppReplyToACustomerWhoNeverWroteIsRefused) {
  const grpc::Status s =
      Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("24 h"));
  EXPECT_THAT(s.error_message(), HasSubstr("has not written"));
  EXPECT_THAT(s.error_message(), HasSubstr("template"));
  EXPECT_EQ(Queued(kWhatsApp), 0);
}

TEST_F(OutboundServiceTest, WhatsAppWindowIs24HoursAndTemplatesGoOutsideIt) {
  CustomerWrites(kWhatsApp);
  clock_.AdvanceMs(23 * kHourMs);
  omnigate::v1::SendResponse response;
  const grpc::Status ok =
      Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_AGENT), &response);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_FALSE(response.stream_entry_id().empty());
  EXPECT_EQ(Queued(kWhatsApp), 1);

  clock_.AdvanceMs(2 * kHourMs);  // 25 h after the customer wrote
  const grpc::Status late =
      Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_AGENT));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.error_message(), HasSubstr("last wrote 25h ago"));
  EXPECT_THAT(late.error_message(), HasSubstr("template"));
  EXPECT_EQ(Queued(kWhatsApp), 1);

  Event tmpl = Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT);
  tmpl.mutable_template_()->set_name("order_update");
  tmpl.mutable_template_()->set_language("en_US");
  const grpc::Status sent = Send(tmpl);
  EXPECT_TRUE(sent.ok()) << sent.error_message();
  EXPECT_EQ(Queued(kWhatsApp), 2);

  // The customer answers: the window opens again.
  CustomerWrites(kWhatsApp);
  EXPECT_TRUE(Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT)).ok());
}

TEST_F(OutboundServiceTest, MessengerHumanAgentRepliesGetSevenDays) {
  CustomerWrites(kMessenger);
  clock_.AdvanceMs(3 * 24 * kHourMs);
  const grpc::Status agent =
      Send(Reply(omnigate::v1::CHANNEL_MESSENGER, kMessenger, omnigate::v1::ROLE_AGENT));
  EXPECT_TRUE(agent.ok()) << agent.error_message();
  const grpc::Status bot =
      Send(Reply(omnigate::v1::CHANNEL_MESSENGER, kMessenger, omnigate::v1::ROLE_BOT));
  EXPECT_EQ(bot.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(bot.error_message(), HasSubstr("Messenger accepts a reply only within 24 h"));
  EXPECT_THAT(bot.error_message(), HasSubstr("3 days ago"));
  EXPECT_EQ(Queued(kMessenger), 1);

  clock_.AdvanceMs(5 * 24 * kHourMs);  // 8 days
  const grpc::Status late =
      Send(Reply(omnigate::v1::CHANNEL_MESSENGER, kMessenger, omnigate::v1::ROLE_AGENT));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.error_message(), HasSubstr("7 days"));
  EXPECT_EQ(Queued(kMessenger), 1);

  // Instagram alike.
  const grpc::Status ig =
      Send(Reply(omnigate::v1::CHANNEL_INSTAGRAM, "instagram:300:igsid-1", omnigate::v1::ROLE_BOT));
  EXPECT_EQ(ig.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(ig.error_message(), HasSubstr("Instagram"));
}

TEST_F(OutboundServiceTest, ChannelsWithoutAWindowAlwaysQueue) {
  for (auto [channel, conv] : std::vector<std::pair<omnigate::v1::Channel, std::string>>{
           {omnigate::v1::CHANNEL_TELEGRAM, "telegram:1:42"},
           {omnigate::v1::CHANNEL_LINE, "line:1:U1"},
           {omnigate::v1::CHANNEL_WEBCHAT, "webchat:site:s1"}}) {
    const grpc::Status s = Send(Reply(channel, conv, omnigate::v1::ROLE_BOT));
    EXPECT_TRUE(s.ok()) << conv << ": " << s.error_message();
    EXPECT_EQ(Queued(conv), 1) << conv;
    ASSERT_TRUE(redis_.Run({"DEL", queue::OutboundStreamKey(Partition(conv))}).ok());
  }
}

TEST_F(OutboundServiceTest, ARetryOfAQueuedReplyAnswersItsEntryAfterTheWindowClosed) {
  CustomerWrites(kWhatsApp);
  Event reply = Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT);
  reply.set_idempotency_key("reply-1");
  omnigate::v1::SendResponse first;
  clock_.AdvanceMs(23 * kHourMs);
  ASSERT_TRUE(Send(reply, &first).ok());
  clock_.AdvanceMs(2 * kHourMs);  // the window closed; the dedupe marker (24 h) stays
  omnigate::v1::SendResponse again;
  const grpc::Status s = Send(reply, &again);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.stream_entry_id(), first.stream_entry_id());
  EXPECT_EQ(Queued(kWhatsApp), 1);
}

TEST_F(OutboundServiceTest, IngestKeepsTheLatestCustomerMessageAndTheRetention) {
  const uint32_t p = Partition(kWhatsApp);
  const std::string state = queue::ConversationStateKey(p, kWhatsApp);
  CustomerWrites(kWhatsApp);
  // A late webhook of an older message does not move the window back. (A
  // second later: the expiry is renewed when 1/16 of the retention passed.)
  clock_.AdvanceMs(1000);
  auto older = Ingest(p, "late", kWhatsApp, kStart - kHourMs, absl::Milliseconds(5000));
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(redis_.Run({"HGET", state, "last_customer_ms"})->str(), absl::StrCat(kStart));
  EXPECT_EQ(redis_.Run({"PTTL", state})->integer(), 5000);
  // Not a customer message ("0"): nothing recorded, no state created.
  const std::string other = queue::ConversationStateKey(p, "whatsapp:100:other");
  ASSERT_TRUE(Ingest(p, "status", "whatsapp:100:other", 0, absl::Milliseconds(5000)).ok());
  EXPECT_EQ(redis_.Run({"EXISTS", other})->integer(), 0);
}

// Outbound.Send without a recipient answers the conversation's customer, as
// ingest recorded them; with none on record it refuses rather than queue a
// reply nobody can receive.
TEST_F(OutboundServiceTest, ARecipientlessReplyGoesToTheConversationsCustomer) {
  CustomerWrites(kWhatsApp);
  Event to_whom = Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_AGENT);
  to_whom.clear_recipient();
  ASSERT_TRUE(Send(to_whom).ok());
  auto entries = redis_.Run({"XRANGE", queue::OutboundStreamKey(Partition(kWhatsApp)), "-", "+"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  Event queued;
  ASSERT_TRUE(queued.ParseFromString(
      std::string(redis::ElementStr(entries->element(0)->element[1]->element[1]))));
  EXPECT_EQ(queued.recipient().id(), "customer-1");

  const std::string telegram = "telegram:bot:nobody";
  Event nobody = Reply(omnigate::v1::CHANNEL_TELEGRAM, telegram, omnigate::v1::ROLE_BOT);
  nobody.clear_recipient();
  const grpc::Status s = Send(nobody);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no recipient"));
  EXPECT_EQ(Queued(telegram), 0);
}

TEST_F(OutboundServiceTest, WindowRefusalsAndQueuedRepliesAreCounted) {
  prometheus::Registry registry;
  OutboundMetrics metrics(registry);
  OutboundService counted(Options(), &redis_, clock_, nullptr, nullptr, &metrics);
  auto send = [&](const Event& e) {
    grpc::ServerContext context;
    omnigate::v1::SendRequest request;
    *request.mutable_event() = e;
    omnigate::v1::SendResponse response;
    return counted.Send(&context, &request, &response);
  };
  EXPECT_EQ(
      send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT)).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  CustomerWrites(kWhatsApp);
  EXPECT_TRUE(send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT)).ok());
  std::map<std::string, double> seen;
  for (const auto& family : registry.Collect()) {
    for (const auto& m : family.metric) {
      for (const auto& label : m.label) {
        if (label.value == "whatsapp") seen[family.name] = m.counter.value;
      }
    }
  }
  EXPECT_EQ(seen["omnigate_outbound_window_refusals_total"], 1);
  EXPECT_EQ(seen["omnigate_outbound_queued_total"], 1);
}

// The same script queues the reply and records it in the conversation's
// history (capped, expiring); a refused reply is in neither.
TEST_F(OutboundServiceTest, AQueuedReplyIsAlsoInTheConversationsHistory) {
  const std::string history = queue::HistoryKey(Partition(kWhatsApp), kWhatsApp);
  ASSERT_FALSE(Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_BOT)).ok());
  EXPECT_EQ(redis_.Run({"EXISTS", history})->integer(), 0);

  CustomerWrites(kWhatsApp);
  const int64_t before = redis_.Run({"EXISTS", history})->integer() == 0
                             ? 0
                             : redis_.Run({"LLEN", history})->integer();
  omnigate::v1::SendResponse response;
  ASSERT_TRUE(
      Send(Reply(omnigate::v1::CHANNEL_WHATSAPP, kWhatsApp, omnigate::v1::ROLE_AGENT), &response)
          .ok());
  EXPECT_EQ(redis_.Run({"LLEN", history})->integer(), before + 1);
  EXPECT_EQ(redis_.Run({"PTTL", history})->integer(),
            absl::ToInt64Milliseconds(OutboundOptions().history_retention));
  auto last = redis_.Run({"LINDEX", history, "-1"});
  ASSERT_TRUE(last.ok() && last->is_string());
  int64_t seq = 0;
  absl::string_view payload;
  ASSERT_TRUE(queue::ParseHistoryEntry(last->str(), &seq, &payload));
  EXPECT_EQ(seq, before + 1);
  Event recorded;
  ASSERT_TRUE(recorded.ParseFromString(std::string(payload)));
  EXPECT_EQ(recorded.id(), response.event_id());
  EXPECT_EQ(recorded.sender().role(), omnigate::v1::ROLE_AGENT);
}

TEST(MessagingWindowTest, WindowsPerChannelAndRole) {
  Event e;
  e.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  e.mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
  e.mutable_text()->set_body("hi");
  EXPECT_EQ(ReplyWindow(e), absl::Hours(24));
  e.mutable_template_()->set_name("t");
  EXPECT_EQ(ReplyWindow(e), absl::ZeroDuration());
  e.set_channel(omnigate::v1::CHANNEL_INSTAGRAM);
  EXPECT_EQ(ReplyWindow(e), absl::Hours(168));
  e.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  EXPECT_EQ(ReplyWindow(e), absl::Hours(24));
  e.set_channel(omnigate::v1::CHANNEL_TWILIO);
  EXPECT_EQ(ReplyWindow(e), absl::ZeroDuration());
  // The edge: 24 h to the millisecond is outside.
  e.set_channel(omnigate::v1::CHANNEL_MESSENGER);
  EXPECT_TRUE(CheckReplyWindow(e, kStart, kStart + 24 * kHourMs - 1).ok());
  EXPECT_EQ(CheckReplyWindow(e, kStart, kStart + 24 * kHourMs).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace omnigate::conversations
