#include "lib/outbound/line_sender.h"

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
  m.channel = omnigate::v1::CHANNEL_LINE;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "line-token";
  m.outbound_id = "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B";
  m.recipient = "U0123456789abcdef0123456789abcdef";
  m.text = "Pick one";
  return m;
}

TEST(LineSenderTest, PushWithRetryKeyAndQuickReply) {
  OutboundMessage m = Message();
  m.options = {{"ans=yes", "Yes"}, {"ans=no", "No thank you, not today at all"}};
  const auto request = LineSender().Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/v2/bot/message/push");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Bearer line-token");
  EXPECT_EQ(testing::Header(*request, "X-Line-Retry-Key"), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(request->content_type, "application/json");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/to"), "U0123456789abcdef0123456789abcdef");
  EXPECT_EQ(testing::At(*doc, "/replyToken"), nullptr);
  EXPECT_EQ(testing::Size(*doc, "/messages"), 1u);
  EXPECT_EQ(Str(*doc, "/messages/0/type"), "text");
  EXPECT_EQ(Str(*doc, "/messages/0/text"), "Pick one");
  EXPECT_EQ(testing::Size(*doc, "/messages/0/quickReply/items"), 2u);
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/type"), "action");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/action/type"), "postback");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/action/label"), "Yes");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/action/data"), "ans=yes");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/action/displayText"), "Yes");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/1/action/label"), "No thank you, not to");
}

TEST(LineSenderTest, ReplyTokenWhileUsable) {
  OutboundMessage m = Message();
  m.line_reply_token = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA";
  m.line_reply_token_usable = true;
  const auto request = LineSender().Build(m);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/v2/bot/message/reply");
  EXPECT_EQ(testing::Header(*request, "X-Line-Retry-Key"), "<absent>");  // reply refuses it
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/replyToken"), "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA");
  EXPECT_EQ(testing::At(*doc, "/to"), nullptr);
  // A stale token falls back to push.
  m.line_reply_token_usable = false;
  EXPECT_EQ(LineSender().Build(m)->url, "http://127.0.0.1:9/api/v2/bot/message/push");
}

TEST(LineSenderTest, RetryKeyIsStableUuidForNonUuidIds) {
  const std::string key = LineSender::RetryKey("out_01JEXAMPLE");
  EXPECT_EQ(key, LineSender::RetryKey("out_01JEXAMPLE"));
  EXPECT_NE(key, LineSender::RetryKey("out_01JEXAMPLF"));
  ASSERT_EQ(key.size(), 36u);
  EXPECT_EQ(key[8], '-');
  EXPECT_EQ(key[14], '8');  // version nibble
}

TEST(LineSenderTest, ImageThenCaptionInOneRequest) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  m.media[0].thumbnail_url = "https://cdn.example.com/a_s.jpg";
  const auto doc = Json(LineSender().Build(m)->body);
  EXPECT_EQ(testing::Size(*doc, "/messages"), 2u);
  EXPECT_EQ(Str(*doc, "/messages/0/type"), "image");
  EXPECT_EQ(Str(*doc, "/messages/0/originalContentUrl"), "https://cdn.example.com/a.jpg");
  EXPECT_EQ(Str(*doc, "/messages/0/previewImageUrl"), "https://cdn.example.com/a_s.jpg");
  EXPECT_EQ(Str(*doc, "/messages/1/type"), "text");
  EXPECT_EQ(Str(*doc, "/messages/1/text"), "Receipt");
}

TEST(LineSenderTest, QuickReplyRidesOnLastMediaWithoutText) {
  OutboundMessage m = Message();
  m.text.clear();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg"));
  m.options = {{"again", "Again"}};
  const auto doc = Json(LineSender().Build(m)->body);
  EXPECT_EQ(testing::Size(*doc, "/messages"), 1u);
  EXPECT_EQ(Str(*doc, "/messages/0/previewImageUrl"), "https://cdn.example.com/a.jpg");
  EXPECT_EQ(Str(*doc, "/messages/0/quickReply/items/0/action/data"), "again");
}

TEST(LineSenderTest, RejectsWhatLineCannotCarry) {
  OutboundMessage m = Message();
  MediaAttachment pdf;
  pdf.kind = omnigate::v1::MediaItem::KIND_DOCUMENT;
  pdf.url = "https://cdn.example.com/a.pdf";
  m.media.push_back(pdf);
  EXPECT_EQ(LineSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.media.assign(5, testing::Image("https://cdn.example.com/a.jpg"));
  const auto status = LineSender().Build(m).status();  // 5 images + text = 6 objects
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("5"), std::string::npos);
  m = Message();
  m.text = std::string(5001, 'x');
  EXPECT_EQ(LineSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.outbound_id.clear();
  EXPECT_EQ(LineSender().Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body, HeaderList headers = {},
                     OutboundMessage m = Message()) {
  return LineSender().Classify(m, Response(status, body, std::move(headers)));
}

TEST(LineSenderTest, ClassifySuccessAndAcceptedRetry) {
  SendOutcome outcome =
      Classify(200, R"({"sentMessages":[{"id":"461230966842064897","quoteToken":"IStG5h1Tz7b"}]})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "461230966842064897");
  outcome = Classify(409, R"({"message":"The retry key is already accepted"})",
                     {{"x-line-accepted-request-id", "abcd-1234"}});
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
}

TEST(LineSenderTest, ClassifyRateLimitVersusMonthlyLimit) {
  SendOutcome outcome =
      Classify(429, R"({"message":"The API rate limit has been exceeded. Try again later."})");
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.throttle_scope, SendOutcome::Scope::kConnector);
  outcome = Classify(429, R"({"message":"You have reached your monthly limit."})");
  EXPECT_EQ(outcome.kind, SendOutcome::kConnector);
  EXPECT_EQ(outcome.error_code, "429");
}

TEST(LineSenderTest, ClassifyErrors) {
  OutboundMessage replying = Message();
  replying.line_reply_token = "tok";
  replying.line_reply_token_usable = true;
  EXPECT_EQ(Classify(400, R"({"message":"Invalid reply token"})", {}, replying).kind,
            SendOutcome::kPolicy);
  const SendOutcome bad = Classify(
      400,
      R"j({"message":"The request body has 1 error(s)","details":[{"message":"May not be empty","property":"messages[0].text"}]})j");
  EXPECT_EQ(bad.kind, SendOutcome::kPermanent);
  EXPECT_NE(bad.error_message.find("messages[0].text"), std::string::npos);
  EXPECT_EQ(Classify(401, R"({"message":"Authentication failed"})").kind, SendOutcome::kConnector);
  EXPECT_EQ(Classify(500, R"({"message":"Internal error"})").kind, SendOutcome::kTransient);
}

TEST(LineSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(503, "<html>Service Unavailable</html>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "<html>Bad Request</html>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(200, R"({"sentMessages":[]})").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
