#include "lib/outbound/webchat_sender.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/outbound/test_support.h"

namespace omnigate::outbound {
namespace {

using testing::Json;
using testing::Response;
using testing::Str;

constexpr int64_t kNowMs = 1770000000123;

OutboundMessage Message() {
  OutboundMessage m;
  m.channel = omnigate::v1::CHANNEL_WEBCHAT;
  m.settings.api_base_url = "http://127.0.0.1:9/site/omnigate-replies";
  m.settings.secret = "site-secret";
  m.settings.account = "site_demo_01";
  m.outbound_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  m.conversation_key = "webchat:site_demo_01:ses_01";
  m.recipient = "vis_7f3a9c2e";
  m.reply_to_external_id = "cm_0001";
  m.text = "Bisa, QRIS diterima.";
  return m;
}

TEST(WebchatSenderTest, SignedRequestVerifiesWithTheInboundScheme) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.options = {{"pay_qris", "QRIS"}};
  m.media.push_back(testing::Image("https://cdn.example.com/qris.png", "QR"));
  const auto request = WebchatSender(clock).Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:9/site/omnigate-replies");
  EXPECT_EQ(request->content_type, "application/json");
  EXPECT_EQ(testing::Header(*request, "X-Webchat-Signature").substr(0, 13), "t=1770000000,");

  // Signed exactly as inbound webhooks are: HMAC-SHA256(secret, t "." body), hex.
  const std::string expected =
      "t=1770000000,v1=" +
      HexEncode(crypto::HmacSha256("site-secret", "1770000000." + request->body));
  EXPECT_EQ(testing::Header(*request, "X-Webchat-Signature"), expected);

  const auto doc = Json(request->body);
  EXPECT_EQ(testing::Int(*doc, "/schema_version"), 1);
  EXPECT_EQ(Str(*doc, "/site_id"), "site_demo_01");
  EXPECT_EQ(Str(*doc, "/delivery_id"), m.outbound_id);
  EXPECT_EQ(Str(*doc, "/sent_at"), "2026-02-02T02:40:00.123Z");
  EXPECT_EQ(Str(*doc, "/events/0/type"), "message.created");
  EXPECT_EQ(Str(*doc, "/events/0/event_id"), m.outbound_id);
  EXPECT_EQ(Str(*doc, "/events/0/session/id"), "ses_01");
  EXPECT_EQ(Str(*doc, "/events/0/session/visitor_id"), "vis_7f3a9c2e");
  EXPECT_EQ(Str(*doc, "/events/0/author/role"), "bot");
  EXPECT_EQ(Str(*doc, "/events/0/message/server_message_id"), m.outbound_id);
  EXPECT_EQ(Str(*doc, "/events/0/message/text"), "Bisa, QRIS diterima.");
  EXPECT_EQ(Str(*doc, "/events/0/message/reply_to"), "cm_0001");
  EXPECT_EQ(Str(*doc, "/events/0/message/attachments/0/url"), "https://cdn.example.com/qris.png");
  EXPECT_EQ(Str(*doc, "/events/0/message/attachments/0/caption"), "QR");
  EXPECT_EQ(Str(*doc, "/events/0/message/quick_replies/0/payload"), "pay_qris");
  EXPECT_EQ(Str(*doc, "/events/0/message/quick_replies/0/title"), "QRIS");
}

TEST(WebchatSenderTest, SiteFromConversationKeyWhenNotConfigured) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.settings.account.clear();
  m.conversation_key = "webchat:site_other:ses_9";
  const auto doc = Json(WebchatSender(clock).Build(m)->body);
  EXPECT_EQ(Str(*doc, "/site_id"), "site_other");
  EXPECT_EQ(Str(*doc, "/events/0/session/id"), "ses_9");
}

TEST(WebchatSenderTest, RejectsMissingSecretAndTemplates) {
  FakeClock clock(kNowMs);
  OutboundMessage m = Message();
  m.settings.secret.clear();
  EXPECT_EQ(WebchatSender(clock).Build(m).status().code(), absl::StatusCode::kFailedPrecondition);
  m = Message();
  m.whatsapp_template = WhatsAppTemplate{"t", "en", {}};
  EXPECT_EQ(WebchatSender(clock).Build(m).status().code(), absl::StatusCode::kInvalidArgument);
}

SendOutcome Classify(int status, const std::string& body) {
  FakeClock clock(kNowMs);
  return WebchatSender(clock).Classify(Message(), Response(status, body));
}

TEST(WebchatSenderTest, Classify) {
  const SendOutcome sent = Classify(200, "");
  EXPECT_EQ(sent.kind, SendOutcome::kSent);
  EXPECT_EQ(sent.provider_message_id, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  const SendOutcome denied = Classify(401, R"({"error":"signature_mismatch"})");
  EXPECT_EQ(denied.kind, SendOutcome::kConnector);
  EXPECT_EQ(denied.error_message, "signature_mismatch");
  EXPECT_EQ(Classify(410, R"({"error":"session_ended"})").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(503, "<html/>").kind, SendOutcome::kTransient);
  EXPECT_EQ(Classify(400, "<html/>").kind, SendOutcome::kPermanent);
  EXPECT_EQ(Classify(429, "").kind, SendOutcome::kThrottled);
}

}  // namespace
}  // namespace omnigate::outbound
