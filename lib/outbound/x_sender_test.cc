#include "lib/outbound/x_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Json;
using testing::Response;
using testing::Str;

constexpr int64_t kNowMs = 1760000000000;

OutboundMessage Message() {
  OutboundMessage m;
  m.channel = omnigate::v1::CHANNEL_X;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "x-user-token";
  m.outbound_id = "out-1";
  m.recipient = "844385345234";
  m.text = "Hello!";
  return m;
}

TEST(XSenderTest, TextRequest) {
  FakeClock clock(kNowMs);
  const auto request = XSender(clock).Build(Message());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/2/dm_conversations/with/844385345234/messages");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Bearer x-user-token");
  EXPECT_EQ(request->content_type, "application/json");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/text"), "Hello!");
  EXPECT_EQ(testing::Size(*doc, ""), 1u);
}

TEST(XSenderTest, ButtonsAsNumberedTextAndNoMedia) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.text = "Pick one";
  m.options = {{"yes", "Yes"}, {"no", "No"}};
  EXPECT_EQ(Str(*Json(XSender(clock).Build(m)->body), "/text"), "Pick one\n\n1. Yes\n2. No");
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  EXPECT_EQ(XSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.text = std::string(10001, 'x');
  EXPECT_EQ(XSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body, HeaderList headers = {}) {
  FakeClock clock(kNowMs);
  return XSender(clock).Classify(Message(), Response(status, body, std::move(headers)));
}

TEST(XSenderTest, ClassifySuccess) {
  const SendOutcome outcome = Classify(
      201,
      R"({"data":{"dm_conversation_id":"1346889436626259968-2244994945","dm_event_id":"1582838223416422400"}})");
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "1582838223416422400");
}

TEST(XSenderTest, ClassifyRateLimitUntilReset) {
  const SendOutcome outcome = Classify(
      429,
      R"({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})",
      {{"x-rate-limit-limit", "200"},
       {"x-rate-limit-remaining", "0"},
       {"x-rate-limit-reset", std::to_string(kNowMs / 1000 + 90)}});
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(90));
  EXPECT_EQ(Classify(429, R"({"errors":[{"code":88,"message":"Rate limit exceeded"}]})").error_code,
            "88");
}

TEST(XSenderTest, ClassifyErrors) {
  EXPECT_EQ(
      Classify(
          401,
          R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})")
          .kind,
      SendOutcome::kConnector);
  EXPECT_EQ(
      Classify(
          403,
          R"({"title":"Client Forbidden","type":"https://api.twitter.com/2/problems/client-forbidden","detail":"not enrolled"})")
          .kind,
      SendOutcome::kConnector);
  const SendOutcome blocked = Classify(
      403, R"({"errors":[{"code":349,"message":"You cannot send messages to this user."}]})");
  EXPECT_EQ(blocked.kind, SendOutcome::kPermanent);
  EXPECT_EQ(blocked.error_code, "349");
  EXPECT_EQ(Classify(400, R"({"title":"Invalid Request","detail":"text too long"})").kind,
            SendOutcome::kPermanent);
  EXPECT_EQ(Classify(503, R"({"title":"Service Unavailable"})").kind, SendOutcome::kTransient);
}

TEST(XSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(500, "<html/>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(404, "<html/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(201, "[]").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
