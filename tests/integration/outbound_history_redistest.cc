// Outbound.Send against a real redis-server: a queued reply enters the
// conversation's history in the same script, between the customer's
// messages, once per idempotency key, with the configured cap and expiry;
// a refused reply does not.

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/conversations/outbound_service.h"
#include "tests/integration/history_fixture.h"

namespace omnigate::conversations {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kConv[] = "webchat:site-1:visitor-3";

class OutboundHistoryTest : public testing::HistoryRedisTest {
 protected:
  static OutboundOptions Options() {
    OutboundOptions options;
    options.partitions = kPartitions;
    options.stream_max_len = 1000;
    options.history_max_len = 100;
    options.history_retention = absl::Hours(48);
    return options;
  }

  static omnigate::v1::Event Reply(const std::string& conv, omnigate::v1::Role role,
                                   const std::string& body) {
    omnigate::v1::Event e;
    e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e.set_connector("webchat-main");
    e.set_conversation_key(conv);
    e.mutable_sender()->set_role(role);
    e.mutable_recipient()->set_id("visitor-3");
    e.mutable_text()->set_body(body);
    return e;
  }

  grpc::Status Send(OutboundService& service, const omnigate::v1::Event& event,
                    std::string* event_id = nullptr) {
    grpc::ServerContext context;
    omnigate::v1::SendRequest request;
    *request.mutable_event() = event;
    omnigate::v1::SendResponse response;
    grpc::Status status = service.Send(&context, &request, &response);
    if (event_id != nullptr) *event_id = response.event_id();
    return status;
  }

  std::vector<omnigate::v1::Event> History(const std::string& conv) {
    auto page = reader_->Page(conv, 0, "");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->events : std::vector<omnigate::v1::Event>{};
  }

  int64_t Redis(const redis::RedisCommand& command) {
    auto reply = pool_->Run(command);
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->integer() : -1;
  }

  FakeClock clock_{1770000000000};
};

TEST_F(OutboundHistoryTest, AQueuedReplyLandsInTheHistoryBetweenCustomerMessages) {
  OutboundService service(Options(), pool_.get(), clock_);
  AppendRaw(kConv, Text(kConv, "customer-1").SerializeAsString());
  std::string bot_reply;
  ASSERT_TRUE(
      Send(service, Reply(kConv, omnigate::v1::ROLE_BOT, "Hi, how can I help?"), &bot_reply).ok());
  AppendRaw(kConv, Text(kConv, "customer-2").SerializeAsString());
  std::string agent_reply;
  ASSERT_TRUE(
      Send(service, Reply(kConv, omnigate::v1::ROLE_AGENT, "Refund sent."), &agent_reply).ok());

  const auto events = History(kConv);
  EXPECT_THAT(Ids(events), ElementsAre("customer-1", bot_reply, "customer-2", agent_reply));
  ASSERT_EQ(events.size(), 4u);
  // The history holds the reply as queued: id, sender, recipient, stamps.
  EXPECT_EQ(events[1].sender().role(), omnigate::v1::ROLE_BOT);
  EXPECT_EQ(events[1].text().body(), "Hi, how can I help?");
  EXPECT_EQ(events[1].sent_at_ms(), clock_.NowMs());
  EXPECT_EQ(events[3].sender().role(), omnigate::v1::ROLE_AGENT);
  EXPECT_EQ(events[3].recipient().id(), "visitor-3");

  const int64_t ttl_ms = Redis({"PTTL", HistoryKeyOf(kConv)});
  EXPECT_GT(ttl_ms, absl::ToInt64Milliseconds(absl::Hours(47)));
  EXPECT_LE(ttl_ms, absl::ToInt64Milliseconds(absl::Hours(48)));
}

TEST_F(OutboundHistoryTest, ARetriedSendIsRecordedOnce) {
  OutboundService service(Options(), pool_.get(), clock_);
  omnigate::v1::Event reply = Reply(kConv, omnigate::v1::ROLE_BOT, "Once only");
  reply.set_idempotency_key("bot-turn-17");
  ASSERT_TRUE(Send(service, reply).ok());
  ASSERT_TRUE(Send(service, reply).ok());
  EXPECT_EQ(History(kConv).size(), 1u);
}

TEST_F(OutboundHistoryTest, ARefusedReplyIsNotRecorded) {
  OutboundService service(Options(), pool_.get(), clock_);
  // WhatsApp: the customer never wrote, so the 24 h window is closed.
  omnigate::v1::Event reply = Reply("whatsapp:100:6281", omnigate::v1::ROLE_BOT, "Hello?");
  reply.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(Send(service, reply).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(History("whatsapp:100:6281"), IsEmpty());
  EXPECT_EQ(Redis({"EXISTS", HistoryKeyOf("whatsapp:100:6281")}), 0);
}

TEST_F(OutboundHistoryTest, TheHistoryIsCappedNearItsMaximum) {
  OutboundOptions options = Options();
  options.history_max_len = 10;
  OutboundService service(options, pool_.get(), clock_);
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(Send(service, Reply(kConv, omnigate::v1::ROLE_BOT, absl::StrCat("r", i))).ok());
  EXPECT_EQ(Redis({"LLEN", HistoryKeyOf(kConv)}), 10);
  // Paging still works from the oldest kept entry.
  auto page = reader_->Page(kConv, 4, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events[0].text().body(), "r290");
  EXPECT_EQ(page->next_page_token, "294");
  auto latest = reader_->Latest(kConv, 1);
  ASSERT_TRUE(latest.ok() && latest->size() == 1u);
  EXPECT_EQ((*latest)[0].text().body(), "r299");
}

TEST_F(OutboundHistoryTest, ACapOfZeroRecordsNoHistory) {
  OutboundOptions options = Options();
  options.history_max_len = 0;
  OutboundService service(options, pool_.get(), clock_);
  ASSERT_TRUE(Send(service, Reply(kConv, omnigate::v1::ROLE_BOT, "unrecorded")).ok());
  EXPECT_EQ(Redis({"EXISTS", HistoryKeyOf(kConv)}), 0);
}

}  // namespace
}  // namespace omnigate::conversations
