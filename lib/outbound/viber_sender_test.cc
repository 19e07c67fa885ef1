#include "lib/outbound/viber_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Json;
using testing::Response;
using testing::Str;

OutboundMessage Message() {
  OutboundMessage m;
  m.channel = omnigate::v1::CHANNEL_VIBER;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "viber-token";
  m.settings.from = "Acme Support Team of the Great Company";
  m.outbound_id = "out_01JEXAMPLE";
  m.recipient = "01234567890A=";
  m.text = "Pick one";
  return m;
}

TEST(ViberSenderTest, TextRequestWithKeyboard) {
  OutboundMessage m = Message();
  m.options = {{"yes", "Yes"}, {"no", "No"}};
  const auto request = ViberSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/pa/send_message");
  EXPECT_EQ(testing::Header(*request, "X-Viber-Auth-Token"), "viber-token");
  EXPECT_EQ(request->content_type, "application/json");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/receiver"), "01234567890A=");
  EXPECT_EQ(Str(*doc, "/type"), "text");
  EXPECT_EQ(Str(*doc, "/text"), "Pick one");
  EXPECT_EQ(Str(*doc, "/sender/name"), "Acme Support Team of the Gre");  // 28 characters
  EXPECT_EQ(Str(*doc, "/tracking_data"), "out_01JEXAMPLE");
  EXPECT_EQ(testing::Int(*doc, "/min_api_version"), 3);
  EXPECT_EQ(Str(*doc, "/keyboard/Type"), "keyboard");
  EXPECT_EQ(testing::Size(*doc, "/keyboard/Buttons"), 2u);
  EXPECT_EQ(Str(*doc, "/keyboard/Buttons/0/ActionType"), "reply");
  EXPECT_EQ(Str(*doc, "/keyboard/Buttons/0/ActionBody"), "yes");
  EXPECT_EQ(Str(*doc, "/keyboard/Buttons/0/Text"), "Yes");
  EXPECT_EQ(testing::Int(*doc, "/keyboard/Buttons/1/Columns"), 3);
}

TEST(ViberSenderTest, PlainTextHasNoKeyboard) {
  const auto doc = Json(ViberSender().Build(Message())->body);
  EXPECT_EQ(testing::At(*doc, "/keyboard"), nullptr);
  EXPECT_EQ(testing::At(*doc, "/min_api_version"), nullptr);
}

TEST(ViberSenderTest, PictureWithCaptionAndFileNeedsSize) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  const auto doc = Json(ViberSender().Build(m)->body);
  EXPECT_EQ(Str(*doc, "/type"), "picture");
  EXPECT_EQ(Str(*doc, "/media"), "https://cdn.example.com/a.jpg");
  EXPECT_EQ(Str(*doc, "/text"), "Receipt");
  MediaAttachment file;
  file.kind = omnigate::v1::MediaItem::KIND_DOCUMENT;
  file.url = "https://cdn.example.com/a.pdf";
  file.file_name = "a.pdf";
  m.media = {file};
  EXPECT_EQ(ViberSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m.media[0].size_bytes = 2048;
  const auto file_doc = Json(ViberSender().Build(m)->body);
  EXPECT_EQ(Str(*file_doc, "/type"), "file");
  EXPECT_EQ(testing::Int(*file_doc, "/size"), 2048);
  EXPECT_EQ(Str(*file_doc, "/file_name"), "a.pdf");
}

TEST(ViberSenderTest, RejectsMissingSenderNameAndLongText) {
  OutboundMessage m = Message();
  m.settings.from.clear();
  EXPECT_EQ(ViberSender().Build(m).status().code(), absl::StatusCode::kFailedPrecondition);
  m = Message();
  m.text = std::string(7001, 'v');
  EXPECT_EQ(ViberSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body) {
  return ViberSender().Classify(Message(), Response(status, body));
}

TEST(ViberSenderTest, ClassifySuccessKeepsTokenExact) {
  const SendOutcome outcome = Classify(
      200,
      R"({"status":0,"status_message":"ok","message_token":5741311803571721087,"chat_hostname":"SN-CHAT-05_","billing_status":1})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "5741311803571721087");  // above 2^53
}

TEST(ViberSenderTest, ClassifyStatusesIn200Bodies) {
  SendOutcome outcome = Classify(200, R"({"status":12,"status_message":"Too many requests"})");
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.throttle_scope, SendOutcome::Scope::kRecipient);
  EXPECT_EQ(outcome.error_code, "12");
  for (int status : {5, 6, 11, 13, 21}) {
    EXPECT_EQ(
        Classify(200, R"({"status":)" + std::to_string(status) + R"(,"status_message":"x"})").kind,
        SendOutcome::kPermanent)
        << status;
  }
  for (int status : {2, 7, 9, 10, 15, 23, 24}) {
    EXPECT_EQ(
        Classify(200, R"({"status":)" + std::to_string(status) + R"(,"status_message":"x"})").kind,
        SendOutcome::kConnector)
        << status;
  }
}

TEST(ViberSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(500, "oops").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "oops").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, "oops").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(200, R"({"status_message":"ok"})").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(200, R"({"status":0,"message_token":1.5e300})").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
