// The 1000-update batch fixture checked event by event, and inputs that must
// be refused (or at least survived) without a crash.
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/whatsapp_adapter.h"
#include "lib/common/clock.h"
#include "lib/common/reject.h"
#include "lib/json/strict_json.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;

constexpr int64_t kReceivedAtMs = 1770099999000;

connectors::ConnectorSettings Settings() {
  connectors::ConnectorSettings settings;
  settings.name = "wa-main";
  settings.channel = omnigate::v1::CHANNEL_WHATSAPP;
  settings.secret = "test-meta-app-secret-0001";
  return settings;
}

class WhatsAppBatchTest : public ::testing::Test {
 protected:
  absl::Status Normalize(absl::string_view body, NormalizeResult* result) {
    auto normalized = testing::NormalizeBody(adapter_, body, kReceivedAtMs);
    if (normalized.ok()) *result = *std::move(normalized);
    return normalized.status();
  }

  FakeClock clock_{kReceivedAtMs};
  WhatsAppAdapter adapter_{Settings(), clock_};
};

std::string Str(const Value& object, const char* key) {
  return testing::FixtureString(object, key);
}

int64_t SecondsToMs(const Value& item) { return std::stoll(Str(item, "timestamp")) * 1000; }

// What one update of the body must become; written out from the body itself
// (not from our adapter) so every field of every event is compared.
void ExpectMessage(const Value& message, const std::string& waba_id,
                   const std::string& phone_number_id, const std::string& name, const Event& got) {
  const std::string from = Str(message, "from");
  const std::string id = Str(message, "id");
  ASSERT_EQ(Str(message, "type"), "text") << "the batch holds text messages only";
  EXPECT_EQ(got.channel(), omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(got.connector(), "wa-main");
  EXPECT_EQ(got.account_id(), phone_number_id);
  EXPECT_EQ(got.external_id(), id);
  EXPECT_EQ(got.idempotency_key(), "whatsapp:msg:" + id);
  EXPECT_EQ(got.conversation_key(), absl::StrCat("whatsapp:", phone_number_id, ":", from));
  EXPECT_EQ(got.sender().id(), from);
  EXPECT_EQ(got.sender().role(), omnigate::v1::ROLE_CUSTOMER);
  EXPECT_EQ(got.sender().phone(), "+" + from);
  EXPECT_EQ(got.sender().display_name(), name);
  EXPECT_EQ(got.recipient().id(), phone_number_id);
  EXPECT_EQ(got.recipient().role(), omnigate::v1::ROLE_BUSINESS);
  EXPECT_EQ(got.sent_at_ms(), SecondsToMs(message));
  EXPECT_EQ(got.timestamp_source(), omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
  EXPECT_EQ(got.reply_to_external_id(), "");
  ASSERT_TRUE(got.has_text());
  EXPECT_EQ(got.text().body(), Str(*json::Find(message, "text"), "body"));
  EXPECT_EQ(got.attributes().at("waba_id"), waba_id);
}

void ExpectStatus(const Value& item, const std::string& waba_id, const std::string& phone_number_id,
                  const Event& got) {
  const std::string id = Str(item, "id");
  const std::string state = Str(item, "status");
  const std::string recipient = Str(item, "recipient_id");
  EXPECT_EQ(got.channel(), omnigate::v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(got.connector(), "wa-main");
  EXPECT_EQ(got.account_id(), phone_number_id);
  EXPECT_EQ(got.external_id(), id);
  // Ids repeat across sent/delivered/read: the key must carry the state.
  EXPECT_EQ(got.idempotency_key(), absl::StrCat("whatsapp:status:", id, ":", state));
  EXPECT_EQ(got.conversation_key(), absl::StrCat("whatsapp:", phone_number_id, ":", recipient));
  EXPECT_EQ(got.sender().id(), phone_number_id);
  EXPECT_EQ(got.sender().role(), omnigate::v1::ROLE_SYSTEM);
  EXPECT_EQ(got.recipient().id(), recipient);
  EXPECT_EQ(got.sent_at_ms(), SecondsToMs(item));
  EXPECT_EQ(got.timestamp_source(), omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
  ASSERT_TRUE(got.has_status());
  EXPECT_EQ(got.status().target_external_id(), id);
  EXPECT_EQ(got.status().recipient_id(), recipient);
  const auto want_state = state == "sent"        ? omnigate::v1::Status::STATE_SENT
                          : state == "delivered" ? omnigate::v1::Status::STATE_DELIVERED
                          : state == "read"      ? omnigate::v1::Status::STATE_READ
                                                 : omnigate::v1::Status::STATE_UNSPECIFIED;
  EXPECT_EQ(got.status().state(), want_state) << state;
  EXPECT_EQ(got.status().error_code(), "");
  EXPECT_EQ(got.attributes().at("waba_id"), waba_id);
}

std::string KindOf(const Event& e) {
  if (e.has_status()) return "status:" + std::to_string(e.status().state());
  if (e.has_text()) return "text";
  return std::to_string(e.payload_case());
}

TEST_F(WhatsAppBatchTest, EveryEventOfTheThousandUpdateBatchMatchesItsUpdate) {
  const testing::ChannelFixture fixture =
      testing::LoadChannelFixture("whatsapp__large_batch_1000_updates");
  NormalizeResult result;
  ASSERT_TRUE(Normalize(fixture.body, &result).ok());
  auto body = json::ParseStrict(fixture.body);
  ASSERT_TRUE(body.ok());

  // Walk the body in the order the adapter promises: entries, changes, then
  // a change's messages before its statuses.
  std::map<std::string, int> want_kinds;
  size_t next = 0;
  for (const Value& entry : json::Find(**body, "entry")->GetArray()) {
    const std::string waba_id = Str(entry, "id");
    for (const Value& change : json::Find(entry, "changes")->GetArray()) {
      ASSERT_EQ(Str(change, "field"), "messages");
      const Value& value = *json::Find(change, "value");
      const std::string phone_number_id = Str(*json::Find(value, "metadata"), "phone_number_id");
      std::map<std::string, std::string> names;
      if (const Value* contacts = json::Find(value, "contacts")) {
        for (const Value& c : contacts->GetArray()) {
          names[Str(c, "wa_id")] = Str(*json::Find(c, "profile"), "name");
        }
      }
      if (const Value* messages = json::Find(value, "messages")) {
        for (const Value& m : messages->GetArray()) {
          ASSERT_LT(next, result.events.size());
          SCOPED_TRACE(absl::StrCat("event ", next));
          ExpectMessage(m, waba_id, phone_number_id, names[Str(m, "from")], result.events[next++]);
          ++want_kinds["text"];
        }
      }
      if (const Value* statuses = json::Find(value, "statuses")) {
        for (const Value& s : statuses->GetArray()) {
          ASSERT_LT(next, result.events.size());
          SCOPED_TRACE(absl::StrCat("event ", next));
          ExpectStatus(s, waba_id, phone_number_id, result.events[next++]);
          ++want_kinds["status:" + Str(s, "status")];
        }
      }
    }
  }
  EXPECT_EQ(next, result.events.size()) << "events beyond the body's updates";

  // Counts per kind, against the fixture's summary too.
  std::map<std::string, int> got_kinds;
  for (const Event& e : result.events) ++got_kinds[KindOf(e)];
  const auto state_key = [](omnigate::v1::Status::State s) {
    return "status:" + std::to_string(s);
  };
  EXPECT_EQ(got_kinds["text"], want_kinds["text"]);
  EXPECT_EQ(got_kinds[state_key(omnigate::v1::Status::STATE_SENT)], want_kinds["status:sent"]);
  EXPECT_EQ(got_kinds[state_key(omnigate::v1::Status::STATE_DELIVERED)],
            want_kinds["status:delivered"]);
  EXPECT_EQ(got_kinds[state_key(omnigate::v1::Status::STATE_READ)], want_kinds["status:read"]);
  EXPECT_EQ(got_kinds.size(), 4u) << "no other kind of event";
  const Value& summary = *json::Find(*fixture.expected, "summary");
  EXPECT_EQ(got_kinds["text"], json::Find(summary, "message_events")->GetInt());
  EXPECT_EQ(result.events.size() - got_kinds["text"],
            json::Find(summary, "status_events")->GetUint64());
}

// Every strict prefix of a fixture is refused as malformed, never crashes.
// Each cut re-parses the whole prefix, so in the middle of the 310 KB batch
// only every 64th cut is taken: checking all would cost seconds for nothing.
TEST_F(WhatsAppBatchTest, EveryFixtureTruncatedAtEvery97thByteIsRejected) {
  constexpr size_t kStride = 97;
  constexpr size_t kDenseEdge = 4 * 1024;
  for (const std::string& name : testing::ListFixtures("whatsapp__")) {
    const testing::ChannelFixture fixture = testing::LoadChannelFixture(name);
    const size_t size = fixture.body.size();
    for (size_t cut = 0; cut < size; cut += kStride) {
      const bool middle = cut > kDenseEdge && cut + kDenseEdge < size;
      if (middle && (cut / kStride) % 64 != 0) continue;
      NormalizeResult result;
      const absl::Status status =
          Normalize(absl::string_view(fixture.body).substr(0, cut), &result);
      ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name << " cut at " << cut;
    }
  }
}

TEST_F(WhatsAppBatchTest, GarbageIsRefusedOrSurvived) {
  const std::vector<std::string> malformed = {
      "",
      "[]",
      "null",
      "true",
      "0",
      "\"x\"",
      "{\"object\":1}",
      "\xff\xfe",
      std::string(1, '\0'),
      "{\"object\":\"whatsapp_business_account\",\"entry\":[1]}",
      "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":7}]}]}"};
  for (const std::string& garbage : malformed) {
    NormalizeResult result;
    EXPECT_EQ(Normalize(garbage, &result).code(), absl::StatusCode::kInvalidArgument)
        << "input: " << garbage;
  }
  // Seeded so a failure is reproducible.
  std::mt19937 random(20261124);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 300, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xff);
    NormalizeResult result;
    (void)Normalize(bytes, &result);  // any status, no crash
  }
  // Single bytes of a real payload overwritten: may still parse; must not crash.
  const testing::ChannelFixture fixture = testing::LoadChannelFixture("whatsapp__text_basic");
  for (size_t i = 0; i < fixture.body.size(); ++i) {
    for (char c : {'"', '{', ']', '1', '\xc3'}) {
      std::string body = fixture.body;
      body[i] = c;
      NormalizeResult result;
      (void)Normalize(body, &result);
    }
  }
}

}  // namespace
}  // namespace omnigate::channels
