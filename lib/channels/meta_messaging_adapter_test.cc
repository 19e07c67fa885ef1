#include "lib/channels/meta_messaging_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/common/reject.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;

constexpr int64_t kReceivedAtMs = 1770120000000;

connectors::ConnectorSettings Settings(omnigate::v1::Channel channel) {
  connectors::ConnectorSettings settings;
  settings.name = channel == omnigate::v1::CHANNEL_INSTAGRAM ? "ig-main" : "fb-main";
  settings.channel = channel;
  settings.secret = "test-meta-app-secret-0001";
  settings.verify_token = "verify";
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "interactive_type") {
    const std::string type = value.GetString();
    if (type == "postback") {
      EXPECT_TRUE(got.has_postback());
    } else {
      EXPECT_EQ(type, "quick_reply");
      EXPECT_EQ(got.interactive().type(), omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
    }
  } else if (key == "payload_id") {
    EXPECT_EQ(value.GetString(),
              got.has_postback() ? got.postback().payload() : got.interactive().id());
  } else if (key == "link_preview") {
    EXPECT_EQ(testing::FixtureString(value, "url"), got.text().preview_url());
    EXPECT_EQ(testing::FixtureString(value, "title"), testing::Attribute(got, "link_title"));
  } else if (key == "unsupported_type") {
    EXPECT_EQ(value.GetString(), got.unsupported().type_name());
  } else if (key == "standby") {
    EXPECT_EQ(value.IsTrue() ? "true" : "", testing::Attribute(got, "standby"));
  } else if (key == "emoji") {
    EXPECT_EQ(value.GetString(), got.reaction().emoji());
  } else if (key == "reaction") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "reaction"));
  } else if (key == "reaction_action") {
    EXPECT_EQ(
        std::string(value.GetString()),
        got.reaction().action() == omnigate::v1::Reaction::ACTION_REACT ? "react" : "unreact");
  } else if (key == "reply_to_story") {
    EXPECT_EQ(testing::FixtureString(value, "id"), testing::Attribute(got, "reply_to_story_id"));
    EXPECT_EQ(testing::FixtureString(value, "url"), testing::Attribute(got, "reply_to_story_url"));
  } else {
    return false;
  }
  return true;
}

class MetaFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MetaFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  const bool instagram = GetParam().rfind("instagram__", 0) == 0;
  FakeClock clock(kReceivedAtMs);
  MetaMessagingAdapter adapter(
      Settings(instagram ? omnigate::v1::CHANNEL_INSTAGRAM : omnigate::v1::CHANNEL_MESSENGER),
      clock);
  testing::ExpectFixtureOutcome(adapter, testing::LoadChannelFixture(GetParam()), kReceivedAtMs,
                                CheckExtra);
}

std::vector<std::string> MetaFixtures() {
  std::vector<std::string> names = testing::ListFixtures("messenger__");
  for (auto& name : testing::ListFixtures("instagram__")) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MetaFixtureTest, ::testing::ValuesIn(MetaFixtures()),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.replace(name.find("__"), 2, "_");
                         });

class MessengerTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& messaging_json) {
    return testing::NormalizeBody(
        adapter_,
        absl::StrCat(R"({"object":"page","entry":[{"id":"P1","time":1,"messaging":[)",
                     messaging_json, "]}]}"),
        kReceivedAtMs);
  }
  FakeClock clock_{kReceivedAtMs};
  MetaMessagingAdapter adapter_{Settings(omnigate::v1::CHANNEL_MESSENGER), clock_};
};

constexpr char kFrom[] =
    R"("sender":{"id":"U1"},"recipient":{"id":"P1"},"timestamp":1770000000000)";

TEST_F(MessengerTest, SeveralAttachmentsReceiptsEchoesAndReactions) {
  auto result = Normalize(absl::StrCat(
      "{", kFrom,
      R"(,"message":{"mid":"m1","text":"two pics","attachments":[{"type":"image","payload":{"url":"https://x/1.jpg"}},{"type":"image","payload":{"url":"https://x/2.jpg","sticker_id":369239263222822}}]}},)",
      "{", kFrom, R"(,"delivery":{"mids":["o1","o2"],"watermark":1770000000000}},)", "{", kFrom,
      R"(,"read":{"watermark":1770000000500}},)",
      R"({"sender":{"id":"P1"},"recipient":{"id":"U1"},"timestamp":1770000001000,"message":{"mid":"m2","text":"hi from us","is_echo":true,"app_id":1}},)",
      "{", kFrom, R"(,"reaction":{"mid":"o1","action":"unreact"}},)", "{", kFrom,
      R"(,"message":{"mid":"m3","attachments":[{"type":"location","title":"Shop","payload":{"coordinates":{"lat":-6.2,"long":106.8}}}]}},)",
      "{", kFrom, R"(,"optin":{"ref":"landing"}})"));
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& e = result->events;
  ASSERT_EQ(e.size(), 8u);
  EXPECT_EQ(e[0].media().items_size(), 2);
  EXPECT_EQ(e[0].media().caption(), "two pics");
  EXPECT_EQ(e[0].media().items(1).kind(), omnigate::v1::MediaItem::KIND_STICKER);
  EXPECT_EQ(e[0].media().items(1).media_id(), "369239263222822");
  EXPECT_EQ(e[1].idempotency_key(), "messenger:status:o1:delivered");
  EXPECT_EQ(e[2].idempotency_key(), "messenger:status:o2:delivered");
  EXPECT_EQ(e[3].status().state(), omnigate::v1::Status::STATE_READ);
  EXPECT_EQ(e[3].idempotency_key(), "messenger:read:U1:1770000000500");
  EXPECT_TRUE(e[4].is_echo());
  EXPECT_EQ(e[4].sender().role(), omnigate::v1::ROLE_BUSINESS);
  EXPECT_EQ(e[4].conversation_key(), "messenger:P1:U1");
  EXPECT_EQ(e[5].reaction().action(), omnigate::v1::Reaction::ACTION_UNREACT);
  EXPECT_DOUBLE_EQ(e[6].location().longitude(), 106.8);
  EXPECT_EQ(e[6].location().name(), "Shop");
  EXPECT_EQ(e[7].unsupported().type_name(), "optin");
  for (const Event& event : e) EXPECT_EQ(event.conversation_key(), "messenger:P1:U1");
}

TEST_F(MessengerTest, RejectsMissingIdsAndFloatSenders) {
  EXPECT_EQ(
      RejectReason(Normalize(absl::StrCat("{", kFrom, R"(,"message":{"text":"x"}})")).status()),
      "missing_required_field:mid");
  EXPECT_EQ(RejectReason(
                Normalize(R"({"sender":{"id":1.5},"recipient":{"id":"P1"},"message":{"mid":"m"}})")
                    .status()),
            "id_precision_loss:id");
  EXPECT_EQ(RejectReason(Normalize(R"({"recipient":{"id":"P1"},"message":{"mid":"m"}})").status()),
            "missing_required_field:sender");
}

TEST(InstagramTest, DeletedAndEditedMessagesAreAppliedNotDropped) {
  FakeClock clock(kReceivedAtMs);
  MetaMessagingAdapter adapter(Settings(omnigate::v1::CHANNEL_INSTAGRAM), clock);
  const std::string body =
      R"({"object":"instagram","entry":[{"id":"IG1","time":1,"messaging":[)"
      R"({"sender":{"id":"U1"},"recipient":{"id":"IG1"},"timestamp":1770000000000,"message":{"mid":"m1","is_deleted":true}},)"
      R"({"sender":{"id":"U1"},"recipient":{"id":"IG1"},"timestamp":1770000000001,"message_edit":{"mid":"m2","text":"fixed","num_edit":1}})"
      "]}]}";
  InboundRequest request;
  request.body = body;
  NormalizeResult result;
  ASSERT_TRUE(adapter.Normalize(request, &result).ok());
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].delete_().target_external_id(), "m1");
  EXPECT_EQ(result.events[0].idempotency_key(), "instagram:delete:m1");
  EXPECT_EQ(result.events[1].edit().body(), "fixed");
  EXPECT_EQ(result.events[1].idempotency_key(), "instagram:edit:m2:1");
}

}  // namespace
}  // namespace omnigate::channels
