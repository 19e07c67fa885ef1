#include "lib/outbound/sendgrid_sender.h"

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
  m.channel = omnigate::v1::CHANNEL_EMAIL;
  m.settings.api_base_url = testing::kApiBase;
  m.settings.token = "SG.key";
  m.settings.from = "Acme Support <support@example.com>";
  m.outbound_id = "out_01JEXAMPLE";
  m.recipient = "customer@example.org";
  m.text = "Hi, it shipped today.";
  m.subject = "Where is my order?";
  return m;
}

TEST(SendGridSenderTest, ThreadedReplyRequest) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.in_reply_to = "CAF1x2y3@mail.gmail.com";
  m.references = {"<a1@example.org>"};
  const auto request = SendGridSender(clock).Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/api/v3/mail/send");
  EXPECT_EQ(testing::Header(*request, "Authorization"), "Bearer SG.key");
  EXPECT_EQ(request->content_type, "application/json");
  const auto doc = Json(request->body);
  EXPECT_EQ(Str(*doc, "/personalizations/0/to/0/email"), "customer@example.org");
  EXPECT_EQ(Str(*doc, "/from/email"), "support@example.com");
  EXPECT_EQ(Str(*doc, "/from/name"), "Acme Support");
  EXPECT_EQ(Str(*doc, "/subject"), "Re: Where is my order?");
  EXPECT_EQ(Str(*doc, "/content/0/type"), "text/plain");
  EXPECT_EQ(Str(*doc, "/content/0/value"), "Hi, it shipped today.");
  EXPECT_EQ(Str(*doc, "/headers/In-Reply-To"), "<CAF1x2y3@mail.gmail.com>");
  EXPECT_EQ(Str(*doc, "/headers/References"), "<a1@example.org> <CAF1x2y3@mail.gmail.com>");
  EXPECT_EQ(Str(*doc, "/custom_args/outbound_id"), "out_01JEXAMPLE");
  EXPECT_EQ(testing::At(*doc, "/custom_args/conversation_key"), nullptr) << "none known";
}

// The Event Webhook echoes custom_args on each event: the receipt finds the
// reply's conversation (and so its partition) by it.
TEST(SendGridSenderTest, ConversationKeyRidesInCustomArgs) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.conversation_key = "email:support@example.com:CAF1x2y3@mail.gmail.com";
  const auto doc = Json(SendGridSender(clock).Build(m)->body);
  EXPECT_EQ(Str(*doc, "/custom_args/conversation_key"),
            "email:support@example.com:CAF1x2y3@mail.gmail.com");
  EXPECT_EQ(Str(*doc, "/custom_args/outbound_id"), "out_01JEXAMPLE");
}

TEST(SendGridSenderTest, NewThreadKeepsSubjectAndHasNoThreadHeaders) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.subject = "RE: Where is my order?";
  m.in_reply_to = "<p@x>";
  EXPECT_EQ(Str(*Json(SendGridSender(clock).Build(m)->body), "/subject"), "RE: Where is my order?");
  const auto doc = Json(SendGridSender(clock).Build(Message())->body);
  EXPECT_EQ(Str(*doc, "/subject"), "Where is my order?");
  EXPECT_EQ(testing::At(*doc, "/headers"), nullptr);
}

TEST(SendGridSenderTest, MediaAsLinksAndButtonsAsNumberedLines) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.media.push_back(testing::Image("https://cdn.example.com/a.jpg", "Receipt"));
  m.options = {{"yes", "Yes"}, {"no", "No"}};
  EXPECT_EQ(Str(*Json(SendGridSender(clock).Build(m)->body), "/content/0/value"),
            "Hi, it shipped today.\n\nReceipt: https://cdn.example.com/a.jpg\n\n1. Yes\n2. No");
}

TEST(SendGridSenderTest, RejectsHeaderInjectionAndMissingSubject) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.subject = "Hi\r\nBcc: all@example.org";
  EXPECT_EQ(SendGridSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.subject.clear();
  EXPECT_EQ(SendGridSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Message();
  m.recipient = "a@example.org, b@example.org";
  EXPECT_EQ(SendGridSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body, HeaderList headers = {}) {
  FakeClock clock(kNowMs);
  return SendGridSender(clock).Classify(Message(), Response(status, body, std::move(headers)));
}

TEST(SendGridSenderTest, ClassifyAcceptedByHeader) {
  const SendOutcome outcome = Classify(202, "", {{"X-Message-Id", "W8mB2bW7TqKxq9r3bq0Yiw"}});
  EXPECT_EQ(outcome.kind, SendOutcome::kSent);
  EXPECT_EQ(outcome.provider_message_id, "W8mB2bW7TqKxq9r3bq0Yiw");
  EXPECT_EQ(Classify(202, "").kind, SendOutcome::kSent);  // accepted, just untrackable
}

TEST(SendGridSenderTest, ClassifyErrors) {
  SendOutcome outcome =
      Classify(429, R"({"errors":[{"field":null,"message":"too many requests"}]})",
               {{"X-RateLimit-Reset", std::to_string(kNowMs / 1000 + 30)}});
  EXPECT_EQ(outcome.kind, SendOutcome::kThrottled);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(30));
  EXPECT_EQ(outcome.error_message, "too many requests");
  outcome = Classify(
      400, R"({"errors":[{"field":"from.email","message":"does not contain a valid address."}]})");
  EXPECT_EQ(outcome.kind, SendOutcome::kPermanent);
  EXPECT_EQ(outcome.error_message, "from.email: does not contain a valid address.");
  EXPECT_EQ(Classify(401, R"({"errors":[{"message":"authorization required"}]})").kind,
            SendOutcome::kConnector);
  EXPECT_EQ(
      Classify(
          403,
          R"({"errors":[{"message":"The from address does not match a verified Sender Identity."}]})")
          .kind,
      SendOutcome::kConnector);
  EXPECT_EQ(Classify(413, "").kind, SendOutcome::kPermanent);
}

TEST(SendGridSenderTest, ClassifyMalformedBodies) {
  EXPECT_EQ(Classify(500, "<html/>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "<html/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(0, "").kind, SendOutcome::kTransient);
}

}  // namespace
}  // namespace omnigate::outbound
