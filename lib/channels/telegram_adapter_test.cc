#include "lib/channels/telegram_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/reject.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

constexpr char kSecret[] = "test_tg_secret_Token-001";
constexpr int64_t kReceivedAtMs = 1770120000000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "tg-main";
  settings.channel = omnigate::v1::CHANNEL_TELEGRAM;
  settings.secret = kSecret;
  settings.account_id = "7000000001";  // the bot id: Telegram updates do not name it
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  const std::string text = value.IsString() ? value.GetString() : json::Serialize(value);
  if (key == "update_id") {
    EXPECT_EQ(text, testing::Attribute(got, "update_id"));
  } else if (key == "interactive_type") {
    EXPECT_EQ(text, "callback_query");
    EXPECT_EQ(got.interactive().type(), omnigate::v1::InteractiveReply::TYPE_CALLBACK_QUERY);
  } else if (key == "payload_id") {
    EXPECT_EQ(text, got.interactive().id());
  } else if (key == "button_text") {
    EXPECT_EQ(text, got.interactive().title());
  } else if (key == "emoji") {
    EXPECT_EQ(text, testing::Attribute(got, "emoji"));
  } else if (key == "text_length") {
    // Characters, not bytes: the Bot API limit is 4096 UTF-16 units.
    size_t chars = 0;
    for (unsigned char c : got.text().body()) chars += (c & 0xC0) != 0x80;
    EXPECT_EQ(text, absl::StrCat(chars));
  } else {
    return false;
  }
  return true;
}

class TelegramFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TelegramFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  FakeClock clock(kReceivedAtMs);
  TelegramAdapter adapter(Settings(), clock);
  testing::ExpectFixtureOutcome(adapter, testing::LoadChannelFixture(GetParam()), kReceivedAtMs,
                                CheckExtra);
}

TEST(TelegramUnknownUpdateTest, IsKeptAsUnsupportedUnderItsKind) {
  const testing::ChannelFixture fixture =
      testing::LoadChannelFixture("telegram__unknown_update_type");
  FakeClock clock(kReceivedAtMs);
  TelegramAdapter adapter(Settings(), clock);
  InboundRequest request;
  request.body = fixture.body;
  NormalizeResult result;
  ASSERT_TRUE(adapter.Normalize(request, &result).ok());
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].unsupported().type_name(), "future_update_kind");
  EXPECT_EQ(result.events[0].conversation_key(), "telegram:7000000001:700000102");
  EXPECT_EQ(result.events[0].idempotency_key(), "telegram:update:810000017");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TelegramFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("telegram__")),
                         [](const auto& info) { return info.param.substr(10); });

class TelegramAdapterTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& body) {
    return testing::NormalizeBody(adapter_, body, kReceivedAtMs);
  }
  FakeClock clock_{kReceivedAtMs};
  TelegramAdapter adapter_{Settings(), clock_};
};

constexpr char kChat[] =
    R"("chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ana","is_bot":false})";

TEST_F(TelegramAdapterTest, PhotoTakesTheLargestSizeAndKeepsTheCaption) {
  auto result = Normalize(absl::StrCat(
      R"({"update_id":1,"message":{"message_id":5,)", kChat,
      R"(,"date":1770000000,"caption":"broken","photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":60},{"file_id":"big","file_unique_id":"b","width":1280,"height":960,"file_size":99}]}})"));
  ASSERT_TRUE(result.ok()) << result.status();
  const Event& e = result->events.at(0);
  EXPECT_EQ(e.media().items(0).media_id(), "big");
  EXPECT_EQ(e.media().items(0).size_bytes(), 99u);
  EXPECT_EQ(e.media().caption(), "broken");
  EXPECT_EQ(e.idempotency_key(), "telegram:msg:42:5");
}

TEST_F(TelegramAdapterTest, EditsAreKeyedByEditTimeSoEachIsApplied) {
  auto first =
      Normalize(absl::StrCat(R"({"update_id":2,"edited_message":{"message_id":5,)", kChat,
                             R"(,"date":1770000000,"edit_date":1770000100,"text":"v2"}})"));
  auto second =
      Normalize(absl::StrCat(R"({"update_id":3,"edited_message":{"message_id":5,)", kChat,
                             R"(,"date":1770000000,"edit_date":1770000200,"text":"v3"}})"));
  ASSERT_TRUE(first.ok() && second.ok());
  const Event& e = first->events.at(0);
  EXPECT_EQ(e.edit().target_external_id(), "42:5");
  EXPECT_EQ(e.edit().body(), "v2");
  EXPECT_EQ(e.sent_at_ms(), 1770000100000);
  EXPECT_NE(e.idempotency_key(), second->events.at(0).idempotency_key());
}

TEST_F(TelegramAdapterTest, VoiceLocationContactReplyAndUnknownContent) {
  struct Case {
    std::string content;
    Event::PayloadCase payload;
  } cases[] = {
      {R"("voice":{"file_id":"v","file_unique_id":"u","duration":3,"mime_type":"audio/ogg"})",
       Event::kMedia},
      {R"("location":{"latitude":-6.2,"longitude":106.8})", Event::kLocation},
      {R"("contact":{"phone_number":"+62811","first_name":"Budi","user_id":77})", Event::kContacts},
      {R"("poll":{"id":"p","question":"?"})", Event::kUnsupported},
  };
  for (const auto& c : cases) {
    auto result =
        Normalize(absl::StrCat(R"({"update_id":9,"message":{"message_id":6,)", kChat,
                               R"(,"date":1770000000,"reply_to_message":{"message_id":4,)", kChat,
                               R"(,"date":1},)", c.content, "}}"));
    ASSERT_TRUE(result.ok()) << c.content << " " << result.status();
    const Event& e = result->events.at(0);
    EXPECT_EQ(e.payload_case(), c.payload) << c.content;
    EXPECT_EQ(e.reply_to_external_id(), "42:4");
  }
  auto voice = Normalize(absl::StrCat(R"({"update_id":9,"message":{"message_id":6,)", kChat,
                                      R"(,"date":1,"voice":{"file_id":"v","duration":3}}})"));
  EXPECT_EQ(voice->events[0].media().items(0).kind(), MediaItem::KIND_VOICE);
  EXPECT_EQ(voice->events[0].media().items(0).duration_ms(), 3000u);
  auto poll = Normalize(absl::StrCat(R"({"update_id":9,"message":{"message_id":6,)", kChat,
                                     R"(,"date":1,"poll":{"id":"p"}}})"));
  EXPECT_EQ(poll->events[0].unsupported().type_name(), "poll");
}

TEST_F(TelegramAdapterTest, BlockingTheBotAndReactions) {
  auto blocked = Normalize(
      R"({"update_id":10,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ana"},"date":1770000000,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}})");
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_EQ(blocked->events[0].conversation().kind(),
            omnigate::v1::ConversationEvent::KIND_UNFOLLOW);
  auto removed = Normalize(
      R"({"update_id":11,"message_reaction":{"chat":{"id":42,"type":"private"},"message_id":5,"user":{"id":42,"first_name":"Ana"},"date":1770000000,"old_reaction":[{"type":"emoji","emoji":"👍"}],"new_reaction":[]}})");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->events[0].reaction().action(), omnigate::v1::Reaction::ACTION_UNREACT);
  EXPECT_EQ(removed->events[0].reaction().target_external_id(), "42:5");
  EXPECT_EQ(removed->events[0].idempotency_key(), "telegram:update:11");
}

TEST_F(TelegramAdapterTest, RejectsFloatIdsMissingIdsAndBadTypes) {
  EXPECT_EQ(RejectReason(Normalize(R"({"message":{}})").status()),
            "missing_required_field:update_id");
  EXPECT_EQ(RejectReason(Normalize(R"({"update_id":1.5})").status()),
            "id_precision_loss:update_id");
  EXPECT_EQ(
      RejectReason(
          Normalize(
              R"({"update_id":1,"message":{"message_id":1,"chat":{"id":7.00000101e8},"date":1,"text":"x"}})")
              .status()),
      "id_precision_loss:id");
  EXPECT_EQ(
      RejectReason(
          Normalize(
              R"({"update_id":1,"message":{"message_id":1,"chat":{"id":1},"date":1,"text":5}})")
              .status()),
      "schema_type_mismatch:text");
}

TEST_F(TelegramAdapterTest, SecretTokenIsRequiredAndCompared) {
  Headers headers;
  InboundRequest request;
  request.headers = &headers;
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_missing");
  headers.Add("X-Telegram-Bot-Api-Secret-Token", "test_tg_secret_Token-00");
  EXPECT_EQ(RejectReason(adapter_.Authenticate(request)), "signature_mismatch");
}

}  // namespace
}  // namespace omnigate::channels
