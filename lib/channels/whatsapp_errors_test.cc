// WhatsApp `errors` arrays, shaped as the Cloud API "messages" webhook
// reference and error-code pages describe them (code, title, message,
// error_data.details, href) at value, message and status level.

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "lib/channels/channel_errors.h"
#include "lib/channels/whatsapp_adapter.h"
#include "lib/common/clock.h"
#include "lib/common/reject.h"
#include "tests/support/fixture_expectations.h"

namespace omnigate::channels {
namespace {

using omnigate::v1::Event;

constexpr int64_t kReceivedAtMs = 1770099999000;

std::string Wrap(const std::string& value) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"300","changes":[{"field":"messages","value":)" +
         value + "}]}]}";
}

// Records what reaches the process-wide observer while it lives.
class RecordingObserver : public ChannelErrorObserver {
 public:
  RecordingObserver() { SetChannelErrorObserver(this); }
  ~RecordingObserver() override { ClearChannelErrorObserver(this); }
  void OnChannelError(omnigate::v1::Channel channel, absl::string_view code) override {
    absl::MutexLock lock(&mu_);
    EXPECT_EQ(channel, omnigate::v1::CHANNEL_WHATSAPP);
    codes_.emplace_back(code);
  }
  std::vector<std::string> codes() {
    absl::MutexLock lock(&mu_);
    return codes_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> codes_;
};

class WhatsAppErrorsTest : public ::testing::Test {
 protected:
  absl::StatusOr<NormalizeResult> Normalize(const std::string& value) {
    return testing::NormalizeBody(adapter_, Wrap(value), kReceivedAtMs);
  }
  static connectors::ConnectorSettings Settings() {
    connectors::ConnectorSettings settings;
    settings.name = "wa-main";
    settings.channel = omnigate::v1::CHANNEL_WHATSAPP;
    settings.secret = "s";
    return settings;
  }

  FakeClock clock_{kReceivedAtMs};
  WhatsAppAdapter adapter_{Settings(), clock_};
  RecordingObserver observer_;
};

TEST_F(WhatsAppErrorsTest, ValueLevelErrorsAreCountedNotQueued) {
  auto result = Normalize(
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},)"
      R"("errors":[{"code":130429,"title":"Rate limit hit","message":"(#130429) Rate limit hit",)"
      R"("error_data":{"details":"Cloud API message throughput has been reached."},"href":"/docs/whatsapp/cloud-api/support/error-codes/"}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->events.empty()) << "not a conversation event";
  ASSERT_EQ(result->channel_errors.size(), 1u);
  EXPECT_EQ(result->channel_errors[0].code, "130429");
  EXPECT_EQ(result->channel_errors[0].title, "Rate limit hit");
  EXPECT_EQ(result->channel_errors[0].message, "(#130429) Rate limit hit");
  EXPECT_EQ(result->channel_errors[0].details, "Cloud API message throughput has been reached.");
  EXPECT_EQ(observer_.codes(), std::vector<std::string>{"130429"});
}

TEST_F(WhatsAppErrorsTest, UnsupportedInboundMessageKeepsItsErrors) {
  auto result = Normalize(
      R"({"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},)"
      R"("contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],)"
      R"("messages":[{"from":"16505551234","id":"wamid.U1","timestamp":"1749416383","type":"unsupported",)"
      R"("errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown",)"
      R"("error_data":{"details":"Message type is currently not supported."}}],"unsupported":{"type":"edit"}}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& e = result->events[0];
  EXPECT_TRUE(e.has_unsupported());
  EXPECT_EQ(testing::Attribute(e, "error_code"), "131051");
  EXPECT_EQ(testing::Attribute(e, "error_title"), "Message type unknown");
  EXPECT_EQ(testing::Attribute(e, "error_details"), "Message type is currently not supported.");
  EXPECT_EQ(testing::Attribute(e, "error_count"), "1");
  EXPECT_NE(testing::Attribute(e, "errors").find("\"code\":131051"), std::string::npos);
  EXPECT_TRUE(result->channel_errors.empty());
  EXPECT_TRUE(observer_.codes().empty()) << "message errors travel with the message";
}

TEST_F(WhatsAppErrorsTest, FailedStatusKeepsEveryError) {
  auto result = Normalize(
      R"({"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},)"
      R"("statuses":[{"id":"wamid.S1","status":"failed","timestamp":"1749416383","recipient_id":"16505551234",)"
      R"("errors":[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement.",)"
      R"("message":"This message was not delivered to maintain healthy ecosystem engagement.",)"
      R"("error_data":{"details":"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},)"
      R"("href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"},)"
      R"({"code":131026,"title":"Message undeliverable"}]}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->events.size(), 1u);
  const Event& e = result->events[0];
  EXPECT_EQ(e.status().error_code(), "131049");
  EXPECT_EQ(e.status().error_message(),
            "This message was not delivered to maintain healthy ecosystem engagement.");
  EXPECT_EQ(testing::Attribute(e, "error_details"),
            "In order to maintain a healthy ecosystem engagement, the message failed to be "
            "delivered.");
  EXPECT_EQ(testing::Attribute(e, "error_count"), "2");
  EXPECT_NE(testing::Attribute(e, "errors").find("131026"), std::string::npos);
}

TEST_F(WhatsAppErrorsTest, StatusWithOnlyDetailsUsesThemAsTheMessage) {
  auto result = Normalize(
      R"({"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":"failed","timestamp":"1","recipient_id":"2",)"
      R"("errors":[{"code":"131047","error_data":{"details":"Re-engagement message"}}]}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->events[0].status().error_code(), "131047");
  EXPECT_EQ(result->events[0].status().error_message(), "Re-engagement message");
}

TEST_F(WhatsAppErrorsTest, MalformedErrorsAreRefusedAndNothingIsReported) {
  const std::string metadata = R"({"metadata":{"phone_number_id":"1"},)";
  EXPECT_EQ(RejectReason(Normalize(metadata + R"("errors":{"code":1}})").status()),
            "schema_type_mismatch:errors");
  EXPECT_EQ(RejectReason(Normalize(metadata + R"("errors":["oops"]})").status()),
            "schema_type_mismatch:errors[]");
  EXPECT_EQ(RejectReason(Normalize(metadata + R"("errors":[{"code":1.5}]})").status()),
            "id_precision_loss:code");
  EXPECT_EQ(
      RejectReason(Normalize(metadata + R"("errors":[{"code":1,"error_data":"x"}]})").status()),
      "schema_type_mismatch:error_data");
  // A valid value-level error in a request refused for another reason is
  // not counted: the channel will send it again.
  EXPECT_FALSE(Normalize(metadata + R"("errors":[{"code":130429}],"messages":[{"id":"x"}]})").ok());
  EXPECT_TRUE(observer_.codes().empty());
}

TEST(ChannelErrorsTest, CodeLabelsAreBounded) {
  EXPECT_EQ(ErrorCodeLabel("131051"), "131051");
  EXPECT_EQ(ErrorCodeLabel(""), "other");
  EXPECT_EQ(ErrorCodeLabel("1234567890123"), "other");
  EXPECT_EQ(ErrorCodeLabel("13x"), "other");
}

}  // namespace
}  // namespace omnigate::channels
