// omnigate-sender end to end: the real binary (two replicas for the shared
// rate limit), a real redis-server, and a fake provider answering like each
// channel's send API. Replies are queued through the sender's own
// Outbound.Send over gRPC. The stack: sender_stack.h.

#include <string>
#include <vector>

#include "tests/e2e/sender_stack.h"

namespace omnigate::e2e {
namespace {

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
  ASSERT_EQ(CustomerWritesOnWhatsApp(customer, "Rina", "wamid.IN77", "where is my order?"), 200);
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
}  // namespace omnigate::e2e
