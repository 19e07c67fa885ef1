// The fake provider against the real request builders and classifiers of
// lib/outbound: each channel's Build() goes over HTTP to the fake, which
// checks the wire format against reference/outbound-apis.md, and each answer
// helper must mean to Classify() what it claims.

#include "tools/fake_provider/fake_provider.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"
#include "lib/outbound/sender_factory.h"
#include "rapidjson/pointer.h"
#include "tests/support/http_client.h"

namespace omnigate::fakeprovider {
namespace {

using outbound::ChannelSender;
using outbound::HttpRequest;
using outbound::HttpResponse;
using outbound::OutboundMessage;
using outbound::SendOutcome;
using v1::Channel;

constexpr char kOutboundId[] = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

Channel ChannelOf(Provider p) {
  switch (p) {
    case Provider::kWhatsApp:
      return v1::CHANNEL_WHATSAPP;
    case Provider::kMessenger:
      return v1::CHANNEL_MESSENGER;
    case Provider::kInstagram:
      return v1::CHANNEL_INSTAGRAM;
    case Provider::kTelegram:
      return v1::CHANNEL_TELEGRAM;
    case Provider::kLine:
      return v1::CHANNEL_LINE;
    case Provider::kTwilio:
      return v1::CHANNEL_TWILIO;
    case Provider::kViber:
      return v1::CHANNEL_VIBER;
    case Provider::kX:
      return v1::CHANNEL_X;
    case Provider::kSendGrid:
    case Provider::kMailgun:
      return v1::CHANNEL_EMAIL;
    case Provider::kWebchat:
      return v1::CHANNEL_WEBCHAT;
  }
  return v1::CHANNEL_UNSPECIFIED;
}

std::unique_ptr<ChannelSender> SenderOf(Provider p) {
  const char* email = p == Provider::kSendGrid  ? "sendgrid"
                      : p == Provider::kMailgun ? "mailgun"
                                                : "";
  return outbound::SenderFor(ChannelOf(p), email);
}

// A plain text reply with the settings each channel needs, as the
// lib/outbound tests build them.
OutboundMessage MessageFor(Provider p, const std::string& api_base_url) {
  OutboundMessage m;
  m.channel = ChannelOf(p);
  m.settings.api_base_url = api_base_url;
  m.outbound_id = kOutboundId;
  m.text = "Your order shipped.";
  switch (p) {
    case Provider::kWhatsApp:
      m.settings.token = "wa-token";
      m.settings.account = "100000000000001";
      m.recipient = "15550100001";
      break;
    case Provider::kMessenger:
      m.settings.token = "page token/+";
      m.settings.account = "200000000000002";
      m.recipient = "7000000000000001";
      break;
    case Provider::kInstagram:
      m.settings.token = "ig-page-token";
      m.settings.account = "17841400000000001";
      m.recipient = "6000000000000001";
      break;
    case Provider::kTelegram:
      m.settings.token = "123456:ABC-DEF";
      m.recipient = "123456789";
      break;
    case Provider::kLine:
      m.settings.token = "line-token";
      m.recipient = "U0123456789abcdef0123456789abcdef";
      break;
    case Provider::kTwilio:
      m.settings.token = "auth-token";
      m.settings.account = "AC0123456789abcdef0123456789abcdef";
      m.settings.from = "+15550100000";
      m.recipient = "+15550100001";
      break;
    case Provider::kViber:
      m.settings.token = "viber-token";
      m.settings.from = "Acme Support";
      m.recipient = "01234567890A=";
      break;
    case Provider::kX:
      m.settings.token = "x-user-token";
      m.recipient = "844385345234";
      break;
    case Provider::kSendGrid:
      m.settings.token = "SG.key";
      m.settings.from = "Acme Support <support@example.com>";
      m.recipient = "customer@example.org";
      m.subject = "Where is my order?";
      break;
    case Provider::kMailgun:
      m.settings.token = "key-EXAMPLE";
      m.settings.account = "mg.example.com";
      m.settings.from = "Acme Support <support@mg.example.com>";
      m.recipient = "customer@example.org";
      m.subject = "Where is my order?";
      break;
    case Provider::kWebchat:
      m.settings.secret = "site-secret";
      m.settings.account = "site_demo_01";
      m.conversation_key = "webchat:site_demo_01:ses_01";
      m.recipient = "vis_7f3a9c2e";
      break;
  }
  return m;
}

// Sends a built request (its url on 127.0.0.1) with the blocking test client.
absl::StatusOr<HttpResponse> Send(const HttpRequest& request) {
  absl::string_view url = request.url;
  if (!absl::ConsumePrefix(&url, "http://127.0.0.1:")) {
    return absl::InvalidArgumentError(absl::StrCat("not a loopback url: ", request.url));
  }
  const size_t slash = url.find('/');
  int port = 0;
  if (!absl::SimpleAtoi(url.substr(0, slash), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("no port in ", request.url));
  }
  const std::string target =
      slash == absl::string_view::npos ? "/" : std::string(url.substr(slash));
  auto headers = request.headers;
  if (!request.content_type.empty()) headers.emplace_back("Content-Type", request.content_type);
  auto result = omnigate::testing::HttpRequest(port, request.method, target, headers, request.body);
  if (!result.ok()) return result.status();
  HttpResponse response;
  response.status = result->status;
  response.headers = result->headers;
  response.body = result->body;
  return response;
}

// Build, send and classify; a harness failure fails the test and comes back
// as an outcome no assertion expects.
SendOutcome RoundTrip(const ChannelSender& sender, const OutboundMessage& m) {
  const auto request = sender.Build(m);
  EXPECT_TRUE(request.ok()) << request.status();
  if (!request.ok()) return outbound::Failed(SendOutcome::kPolicy, "harness", "build failed");
  const auto response = Send(*request);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return outbound::Failed(SendOutcome::kPolicy, "harness", "send failed");
  return sender.Classify(m, *response);
}

std::string Describe(const SendOutcome& o) {
  return absl::StrCat(outbound::KindName(o.kind), " id=", o.provider_message_id,
                      " code=", o.error_code, " msg=", o.error_message,
                      " wait=", absl::FormatDuration(o.retry_after));
}

// A string (or an integer as text) in a JSON body; "<absent>" otherwise.
std::string JsonAt(const std::string& body, const char* pointer) {
  auto doc = json::ParseStrictObject(body);
  if (!doc.ok()) return "<not json>";
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(**doc);
  if (v == nullptr) return "<absent>";
  if (v->IsString()) return v->GetString();
  if (v->IsInt64()) return absl::StrCat("int:", v->GetInt64());
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  return "<other>";
}

std::string HeaderOf(const RecordedRequest& r, absl::string_view name) {
  const auto value = r.header(name);
  return value ? std::string(*value) : "<absent>";
}

// ---- Per channel: success, and each answer helper through Classify --------

class ChannelTest : public ::testing::TestWithParam<Provider> {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    sender_ = SenderOf(GetParam());
    ASSERT_NE(sender_, nullptr);
    message_ = MessageFor(GetParam(), fake_->api_base_url(GetParam()));
  }

  SendOutcome RoundTrip() { return fakeprovider::RoundTrip(*sender_, message_); }

  std::unique_ptr<FakeProvider> fake_;
  std::unique_ptr<ChannelSender> sender_;
  OutboundMessage message_;
};

std::string ParamName(const ::testing::TestParamInfo<Provider>& info) {
  return std::string(ProviderName(info.param));
}

// The documented id shape of each provider's success answer, as Classify
// reports it.
void ExpectProviderId(Provider p, const std::string& id, const OutboundMessage& m) {
  switch (p) {
    case Provider::kWhatsApp:
      EXPECT_TRUE(absl::StartsWith(id, "wamid.")) << id;
      break;
    case Provider::kMessenger:
      EXPECT_TRUE(absl::StartsWith(id, "m_")) << id;
      break;
    case Provider::kInstagram:
      EXPECT_TRUE(absl::StartsWith(id, "aWdf")) << id;
      break;
    case Provider::kTelegram:  // chat_id:message_id, message ids being per chat
      EXPECT_TRUE(absl::StartsWith(id, absl::StrCat(m.recipient, ":"))) << id;
      break;
    case Provider::kTwilio:
      EXPECT_TRUE(absl::StartsWith(id, "SM") && id.size() == 34) << id;
      break;
    case Provider::kLine:
    case Provider::kViber:
    case Provider::kX: {
      uint64_t n = 0;
      EXPECT_TRUE(absl::SimpleAtoi(id, &n) && id.size() >= 18) << id;
      break;
    }
    case Provider::kSendGrid:  // X-Message-Id: 22 characters, no dot (events add ".filter...")
      EXPECT_TRUE(id.size() == 22 && !absl::StrContains(id, ".")) << id;
      break;
    case Provider::kMailgun:  // the Message-ID the sender set, without the angle brackets
      EXPECT_EQ(id, absl::StrCat(m.outbound_id, "@mg.example.com"));
      break;
    case Provider::kWebchat:  // our protocol: the widget keys on our id
      EXPECT_EQ(id, m.outbound_id);
      break;
  }
}

TEST_P(ChannelTest, SuccessIsSentWithAFreshProviderId) {
  const SendOutcome first = RoundTrip();
  ASSERT_EQ(first.kind, SendOutcome::kSent) << Describe(first);
  ExpectProviderId(GetParam(), first.provider_message_id, message_);

  // Another reply (another outbound id: LINE would refuse a reused retry key).
  message_.outbound_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
  const SendOutcome second = RoundTrip();
  ASSERT_EQ(second.kind, SendOutcome::kSent) << Describe(second);
  ExpectProviderId(GetParam(), second.provider_message_id, message_);
  EXPECT_NE(first.provider_message_id, second.provider_message_id);

  const auto recorded = fake_->requests_for(GetParam());
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_GE(recorded[0].answered_status, 200);
  EXPECT_LT(recorded[0].answered_status, 300);
  EXPECT_LE(recorded[0].arrived, recorded[1].arrived);
}

TEST_P(ChannelTest, ThrottleIsThrottledWithTheProvidersWait) {
  const Provider p = GetParam();
  fake_->Script(p, {Throttle(p, 120), Throttle(p, 0)});

  const SendOutcome waited = RoundTrip();
  ASSERT_EQ(waited.kind, SendOutcome::kThrottled) << Describe(waited);
  const SendOutcome unsaid = RoundTrip();
  ASSERT_EQ(unsaid.kind, SendOutcome::kThrottled) << Describe(unsaid);
  if (p == Provider::kViber) {
    // Viber names no wait: its 100-per-hour count resets when the user replies.
    EXPECT_EQ(waited.retry_after, absl::Hours(1));
    EXPECT_EQ(waited.throttle_scope, SendOutcome::Scope::kRecipient);
  } else if (p == Provider::kX || p == Provider::kSendGrid) {
    // A reset time in whole epoch seconds: up to a second shorter.
    EXPECT_LE(waited.retry_after, absl::Seconds(120)) << Describe(waited);
    EXPECT_GE(waited.retry_after, absl::Seconds(119)) << Describe(waited);
    EXPECT_LE(unsaid.retry_after, absl::ZeroDuration()) << Describe(unsaid);
  } else {
    EXPECT_EQ(waited.retry_after, absl::Seconds(120)) << Describe(waited);
    EXPECT_EQ(unsaid.retry_after, absl::ZeroDuration()) << Describe(unsaid);
  }
  // The script is used up: back to success.
  const SendOutcome after = RoundTrip();
  EXPECT_EQ(after.kind, SendOutcome::kSent) << Describe(after);
}

TEST_P(ChannelTest, ServerErrorIsTransient) {
  fake_->Script(GetParam(), {ServerError()});
  const SendOutcome outcome = RoundTrip();
  EXPECT_EQ(outcome.kind, SendOutcome::kTransient) << Describe(outcome);
}

TEST_P(ChannelTest, PermanentIsPermanent) {
  fake_->Script(GetParam(), {Permanent(GetParam())});
  const SendOutcome outcome = RoundTrip();
  EXPECT_EQ(outcome.kind, SendOutcome::kPermanent) << Describe(outcome);
  EXPECT_FALSE(outcome.error_message.empty());
}

TEST_P(ChannelTest, BadTokenIsConnector) {
  fake_->Script(GetParam(), {BadToken(GetParam())});
  const SendOutcome outcome = RoundTrip();
  EXPECT_EQ(outcome.kind, SendOutcome::kConnector) << Describe(outcome);
}

TEST_P(ChannelTest, PolicyIsPolicyWhereTheChannelHasOne) {
  const std::optional<FakeAnswer> policy = Policy(GetParam());
  const bool has_policy = GetParam() == Provider::kWhatsApp || GetParam() == Provider::kMessenger ||
                          GetParam() == Provider::kInstagram || GetParam() == Provider::kTelegram ||
                          GetParam() == Provider::kLine || GetParam() == Provider::kTwilio;
  ASSERT_EQ(policy.has_value(), has_policy);
  if (!policy) return;
  fake_->Script(GetParam(), {*policy});
  const SendOutcome outcome = RoundTrip();
  EXPECT_EQ(outcome.kind, SendOutcome::kPolicy) << Describe(outcome);
}

TEST_P(ChannelTest, BareBaseUrlIsRoutedByThePathShape) {
  message_.settings.api_base_url = fake_->base_url();
  const SendOutcome outcome = RoundTrip();
  EXPECT_EQ(outcome.kind, SendOutcome::kSent) << Describe(outcome);
  const auto recorded = fake_->requests();
  ASSERT_EQ(recorded.size(), 1u);
  // Instagram's path and body are Messenger's.
  const Provider expected = GetParam() == Provider::kInstagram ? Provider::kMessenger : GetParam();
  EXPECT_EQ(recorded[0].provider, expected) << recorded[0].path;
}

INSTANTIATE_TEST_SUITE_P(AllChannels, ChannelTest, ::testing::ValuesIn(AllProviders()), ParamName);

// ---- Per channel: the request on the wire against the reference ------------

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
  }

  // Sends `m` (or the default message of `p`) and returns what the fake got.
  RecordedRequest SendAndRecord(Provider p) {
    return SendAndRecord(p, MessageFor(p, fake_->api_base_url(p)));
  }
  RecordedRequest SendAndRecord(Provider p, const OutboundMessage& m) {
    const SendOutcome outcome = RoundTrip(*SenderOf(p), m);
    EXPECT_EQ(outcome.kind, SendOutcome::kSent) << Describe(outcome);
    const auto recorded = fake_->requests();
    EXPECT_EQ(recorded.size(), 1u);
    fake_->ClearRequests();
    return recorded.empty() ? RecordedRequest() : recorded.back();
  }

  std::unique_ptr<FakeProvider> fake_;
};

TEST_F(WireTest, WhatsAppPostsToThePhoneNumberWithABearerToken) {
  const RecordedRequest r = SendAndRecord(Provider::kWhatsApp);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/whatsapp/100000000000001/messages");
  EXPECT_EQ(HeaderOf(r, "authorization"), "Bearer wa-token");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  EXPECT_EQ(JsonAt(r.body, "/messaging_product"), "whatsapp");
  EXPECT_EQ(JsonAt(r.body, "/to"), "15550100001");
  EXPECT_EQ(JsonAt(r.body, "/type"), "text");
  EXPECT_EQ(JsonAt(r.body, "/text/body"), "Your order shipped.");
}

TEST_F(WireTest, MessengerAndInstagramCarryThePageTokenInTheQuery) {
  for (const Provider p : {Provider::kMessenger, Provider::kInstagram}) {
    const OutboundMessage m = MessageFor(p, fake_->api_base_url(p));
    const RecordedRequest r = SendAndRecord(p, m);
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, absl::StrCat("/", ProviderName(p), "/", m.settings.account, "/messages"));
    EXPECT_EQ(r.query_param("access_token"), m.settings.token);
    EXPECT_EQ(HeaderOf(r, "authorization"), "<absent>");
    EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
    EXPECT_EQ(JsonAt(r.body, "/recipient/id"), m.recipient);
    EXPECT_EQ(JsonAt(r.body, "/messaging_type"), "RESPONSE");
    EXPECT_EQ(JsonAt(r.body, "/message/text"), "Your order shipped.");
  }
}

TEST_F(WireTest, TelegramPutsTheTokenInThePathAndChatIdAsAnInteger) {
  const RecordedRequest r = SendAndRecord(Provider::kTelegram);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/telegram/bot123456:ABC-DEF/sendMessage");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  EXPECT_EQ(JsonAt(r.body, "/chat_id"), "int:123456789");
  EXPECT_EQ(JsonAt(r.body, "/text"), "Your order shipped.");
}

TEST_F(WireTest, LinePushesWithARetryKeyAndRepliesWithout) {
  const RecordedRequest push = SendAndRecord(Provider::kLine);
  EXPECT_EQ(push.path, "/line/v2/bot/message/push");
  EXPECT_EQ(HeaderOf(push, "authorization"), "Bearer line-token");
  EXPECT_EQ(HeaderOf(push, "content-type"), "application/json");
  EXPECT_EQ(HeaderOf(push, "x-line-retry-key"), kOutboundId);  // a UUID already
  EXPECT_EQ(JsonAt(push.body, "/to"), "U0123456789abcdef0123456789abcdef");
  EXPECT_EQ(JsonAt(push.body, "/messages/0/type"), "text");
  EXPECT_EQ(JsonAt(push.body, "/messages/0/text"), "Your order shipped.");

  OutboundMessage m = MessageFor(Provider::kLine, fake_->api_base_url(Provider::kLine));
  m.line_reply_token = "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA";
  m.line_reply_token_usable = true;
  const RecordedRequest reply = SendAndRecord(Provider::kLine, m);
  EXPECT_EQ(reply.path, "/line/v2/bot/message/reply");
  EXPECT_EQ(HeaderOf(reply, "x-line-retry-key"), "<absent>");
  EXPECT_EQ(JsonAt(reply.body, "/replyToken"), "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA");
}

TEST_F(WireTest, TwilioPostsAFormWithBasicAuth) {
  const RecordedRequest r = SendAndRecord(Provider::kTwilio);
  EXPECT_EQ(r.path, "/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
  EXPECT_EQ(HeaderOf(r, "authorization"),
            "Basic " + absl::Base64Escape("AC0123456789abcdef0123456789abcdef:auth-token"));
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/x-www-form-urlencoded");
  const FormFields form = ParseForm(r.body);
  EXPECT_EQ(FormValue(form, "To"), "+15550100001");
  EXPECT_EQ(FormValue(form, "From"), "+15550100000");
  EXPECT_EQ(FormValue(form, "Body"), "Your order shipped.");
}

TEST_F(WireTest, ViberSendsTheTokenInItsHeader) {
  const RecordedRequest r = SendAndRecord(Provider::kViber);
  EXPECT_EQ(r.path, "/viber/pa/send_message");
  EXPECT_EQ(HeaderOf(r, "x-viber-auth-token"), "viber-token");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  EXPECT_EQ(JsonAt(r.body, "/receiver"), "01234567890A=");
  EXPECT_EQ(JsonAt(r.body, "/type"), "text");
  EXPECT_EQ(JsonAt(r.body, "/text"), "Your order shipped.");
  EXPECT_EQ(JsonAt(r.body, "/sender/name"), "Acme Support");
  EXPECT_EQ(JsonAt(r.body, "/tracking_data"), kOutboundId);
}

TEST_F(WireTest, XPostsToTheOneToOneConversationWithAUserToken) {
  const RecordedRequest r = SendAndRecord(Provider::kX);
  EXPECT_EQ(r.path, "/x/2/dm_conversations/with/844385345234/messages");
  EXPECT_EQ(HeaderOf(r, "authorization"), "Bearer x-user-token");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  EXPECT_EQ(JsonAt(r.body, "/text"), "Your order shipped.");
}

TEST_F(WireTest, SendGridPostsJsonWithABearerKey) {
  const RecordedRequest r = SendAndRecord(Provider::kSendGrid);
  EXPECT_EQ(r.path, "/sendgrid/v3/mail/send");
  EXPECT_EQ(HeaderOf(r, "authorization"), "Bearer SG.key");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  EXPECT_EQ(JsonAt(r.body, "/personalizations/0/to/0/email"), "customer@example.org");
  EXPECT_EQ(JsonAt(r.body, "/from/email"), "support@example.com");
  EXPECT_EQ(JsonAt(r.body, "/from/name"), "Acme Support");
  EXPECT_EQ(JsonAt(r.body, "/subject"), "Where is my order?");
  EXPECT_EQ(JsonAt(r.body, "/content/0/type"), "text/plain");
  EXPECT_EQ(JsonAt(r.body, "/custom_args/outbound_id"), kOutboundId);
}

TEST_F(WireTest, MailgunPostsAFormWithApiBasicAuth) {
  const RecordedRequest r = SendAndRecord(Provider::kMailgun);
  EXPECT_EQ(r.path, "/mailgun/v3/mg.example.com/messages");
  EXPECT_EQ(HeaderOf(r, "authorization"), "Basic " + absl::Base64Escape("api:key-EXAMPLE"));
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/x-www-form-urlencoded");
  const FormFields form = ParseForm(r.body);
  EXPECT_EQ(FormValue(form, "from"), "Acme Support <support@mg.example.com>");
  EXPECT_EQ(FormValue(form, "to"), "customer@example.org");
  EXPECT_EQ(FormValue(form, "subject"), "Where is my order?");
  EXPECT_EQ(FormValue(form, "h:Message-Id"), absl::StrCat("<", kOutboundId, "@mg.example.com>"));
}

TEST_F(WireTest, WebchatSignsTheBodyLikeItsInboundWebhooks) {
  const RecordedRequest r = SendAndRecord(Provider::kWebchat);
  EXPECT_EQ(r.path, "/webchat");
  EXPECT_EQ(HeaderOf(r, "content-type"), "application/json");
  const std::string signature = HeaderOf(r, "x-webchat-signature");
  absl::string_view rest = signature;
  ASSERT_TRUE(absl::ConsumePrefix(&rest, "t=")) << signature;
  const size_t comma = rest.find(",v1=");
  ASSERT_NE(comma, absl::string_view::npos) << signature;
  const absl::string_view t = rest.substr(0, comma);
  EXPECT_EQ(rest.substr(comma + 4),
            HexEncode(crypto::HmacSha256("site-secret", absl::StrCat(t, ".", r.body))));
  EXPECT_EQ(JsonAt(r.body, "/delivery_id"), kOutboundId);
  EXPECT_EQ(JsonAt(r.body, "/events/0/session/id"), "ses_01");
  EXPECT_EQ(JsonAt(r.body, "/events/0/message/text"), "Your order shipped.");
}

// ---- The fake itself ---------------------------------------------------------

class FakeProviderTest : public ::testing::Test {
 protected:
  void StartFake(FakeProvider::Options options = {}) {
    auto fake = FakeProvider::Start(std::move(options));
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
  }
  absl::StatusOr<omnigate::testing::HttpResult> Post(
      const std::string& target, const std::string& body = "{}",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return omnigate::testing::HttpRequest(fake_->port(), "POST", target, headers, body);
  }

  std::unique_ptr<FakeProvider> fake_;
};

TEST_F(FakeProviderTest, RecordsEveryPartOfARequest) {
  StartFake();
  EXPECT_EQ(fake_->base_url(), absl::StrCat("http://127.0.0.1:", fake_->port()));
  EXPECT_EQ(fake_->api_base_url(Provider::kX), fake_->base_url() + "/x");
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Post("/viber/pa/send_message?a=1&b=x%20y+z", R"({"receiver":"r"})",
                   {{"X-Custom-Header", "Value"}})
                  .ok());
  const auto recorded = fake_->requests();
  ASSERT_EQ(recorded.size(), 1u);
  const RecordedRequest& r = recorded[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/viber/pa/send_message");
  EXPECT_EQ(r.query, "a=1&b=x%20y+z");
  EXPECT_EQ(r.query_param("b"), "x y z");
  EXPECT_EQ(r.query_param("missing"), "");
  EXPECT_EQ(HeaderOf(r, "x-custom-header"), "Value");
  EXPECT_EQ(HeaderOf(r, "X-CUSTOM-HEADER"), "Value");
  EXPECT_EQ(r.body, R"({"receiver":"r"})");
  EXPECT_GE(r.arrived, before);
  EXPECT_LE(r.arrived, absl::Now());
  EXPECT_EQ(r.provider, Provider::kViber);
  EXPECT_EQ(r.provider_path, "/pa/send_message");
  EXPECT_EQ(r.answered_status, 200);
}

TEST_F(FakeProviderTest, RequestsForFiltersByPrefixOrProvider) {
  StartFake();
  ASSERT_TRUE(Post("/viber/pa/send_message").ok());
  ASSERT_TRUE(Post("/x/2/dm_conversations/with/1/messages").ok());
  ASSERT_TRUE(Post("/viber/pa/send_message").ok());
  EXPECT_EQ(fake_->requests_for("/viber").size(), 2u);
  EXPECT_EQ(fake_->requests_for("/x/2/").size(), 1u);
  EXPECT_EQ(fake_->requests_for(Provider::kX).size(), 1u);
  EXPECT_EQ(fake_->requests_for("/line").size(), 0u);
  fake_->ClearRequests();
  EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(FakeProviderTest, WaitForRequestsWaitsOrTimesOut) {
  StartFake();
  EXPECT_FALSE(fake_->WaitForRequests(1, absl::Milliseconds(50)));
  std::thread sender([&] { ASSERT_TRUE(Post("/viber/pa/send_message").ok()); });
  EXPECT_TRUE(fake_->WaitForRequests(1, absl::Seconds(10)));
  sender.join();
  EXPECT_FALSE(fake_->WaitForRequests(2, absl::Milliseconds(50)));
}

TEST_F(FakeProviderTest, ScriptedAnswersComeInOrderThenTheDefault) {
  StartFake();
  FakeAnswer teapot;
  teapot.status = 418;
  teapot.body = R"({"a":1})";
  teapot.headers = {{"X-Fake", "yes"}};
  fake_->Script("/viber", {teapot, ServerError()});
  const auto first = Post("/viber/pa/send_message");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 418);
  EXPECT_EQ(first->body, R"({"a":1})");
  bool has_header = false;
  for (const auto& [name, value] : first->headers) has_header |= name == "x-fake" && value == "yes";
  EXPECT_TRUE(has_header);
  EXPECT_EQ(Post("/viber/pa/send_message")->status, 503);
  EXPECT_EQ(Post("/viber/pa/send_message")->status, 200);
  EXPECT_EQ(fake_->requests()[0].answered_status, 418);
}

TEST_F(FakeProviderTest, TheLongestMatchingPrefixAnswersFirst) {
  StartFake();
  fake_->Script("/telegram", {BadToken(Provider::kTelegram)});
  fake_->Script("/telegram/bot1:a/sendPhoto", {Permanent(Provider::kTelegram)});
  EXPECT_EQ(Post("/telegram/bot1:a/sendPhoto", R"({"chat_id":1})")->status, 403);
  EXPECT_EQ(Post("/telegram/bot1:a/sendPhoto", R"({"chat_id":1})")->status, 401);
  EXPECT_EQ(Post("/telegram/bot1:a/sendPhoto", R"({"chat_id":1})")->status, 200);
  fake_->Script("/telegram", {ServerError()});
  fake_->ClearScripts();
  EXPECT_EQ(Post("/telegram/bot1:a/sendMessage", R"({"chat_id":1})")->status, 200);
}

TEST_F(FakeProviderTest, ADelayedAnswerDoesNotHoldTheServer) {
  // One I/O thread: a blocking delay would hold the second request too.
  FakeProvider::Options options;
  options.threads = 1;
  StartFake(std::move(options));
  fake_->Script("/x", {FakeAnswer::Success(absl::Seconds(2))});
  std::atomic<bool> slow_done{false};
  int slow_status = 0;
  std::thread slow([&] {
    const auto result = Post("/x/2/dm_conversations/with/1/messages", R"({"text":"hi"})");
    slow_status = result.ok() ? result->status : -1;
    slow_done = true;
  });
  ASSERT_TRUE(fake_->WaitForRequests(1, absl::Seconds(10)));
  const absl::Time start = absl::Now();
  EXPECT_EQ(Post("/viber/pa/send_message")->status, 200);
  EXPECT_FALSE(slow_done.load()) << "the slow answer came before the fast one";
  slow.join();
  EXPECT_EQ(slow_status, 201);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
}

TEST_F(FakeProviderTest, DefaultDelayAppliesToUnscriptedAnswers) {
  StartFake();
  fake_->set_default_delay(absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  EXPECT_EQ(Post("/viber/pa/send_message")->status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST_F(FakeProviderTest, StoppingAnswersDelayedRequestsAtOnce) {
  StartFake();
  fake_->Script("/viber", {FakeAnswer::Success(absl::Seconds(60))});
  int status = 0;
  std::thread slow([&] {
    const auto result = Post("/viber/pa/send_message");
    status = result.ok() ? result->status : -1;
  });
  ASSERT_TRUE(fake_->WaitForRequests(1, absl::Seconds(10)));
  const absl::Time start = absl::Now();
  fake_.reset();
  slow.join();
  EXPECT_EQ(status, 200);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(FakeProviderTest, LineRunsAPushWithAKnownRetryKeyOnce) {
  StartFake();
  const auto sender = SenderOf(Provider::kLine);
  const OutboundMessage m = MessageFor(Provider::kLine, fake_->api_base_url(Provider::kLine));
  const auto request = sender->Build(m);
  ASSERT_TRUE(request.ok()) << request.status();
  const auto first = Send(*request);
  const auto again = Send(*request);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(again->status, 409);
  const auto accepted = outbound::FindHeader(again->headers, "x-line-accepted-request-id");
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(*accepted, *outbound::FindHeader(first->headers, "x-line-request-id"));
  // The sender reads 409 as "already sent".
  EXPECT_EQ(sender->Classify(m, *again).kind, SendOutcome::kSent);
}

TEST_F(FakeProviderTest, UnknownPathsAndMethodsAreRefusedButRecorded) {
  StartFake();
  EXPECT_EQ(Post("/nowhere")->status, 404);
  EXPECT_EQ(Post("/whatsapp/only-one-segment")->status, 404);
  const auto telegram = Post("/telegram/bot1:a/getMe");
  EXPECT_EQ(telegram->status, 404);
  EXPECT_EQ(JsonAt(telegram->body, "/ok"), "false");
  EXPECT_EQ(omnigate::testing::HttpRequest(fake_->port(), "GET", "/viber/pa/send_message")->status,
            405);
  const auto recorded = fake_->requests();
  ASSERT_EQ(recorded.size(), 4u);
  EXPECT_FALSE(recorded[0].provider.has_value());
  EXPECT_EQ(recorded[3].method, "GET");
}

TEST_F(FakeProviderTest, SuccessBodiesEchoTheRequest) {
  StartFake();
  const auto wa =
      Post("/whatsapp/1/messages", R"({"messaging_product":"whatsapp","to":"+15550100001"})");
  EXPECT_EQ(JsonAt(wa->body, "/contacts/0/input"), "+15550100001");
  EXPECT_EQ(JsonAt(wa->body, "/contacts/0/wa_id"), "15550100001");
  const auto line = Post("/line/v2/bot/message/reply",
                         R"({"replyToken":"t","messages":[{"type":"text"},{"type":"audio"}]})");
  EXPECT_EQ(JsonAt(line->body, "/sentMessages/1/id").size(), 18u);
  EXPECT_NE(JsonAt(line->body, "/sentMessages/0/quoteToken"), "<absent>");
  EXPECT_EQ(JsonAt(line->body, "/sentMessages/1/quoteToken"), "<absent>");  // audio
  const auto twilio = Post("/twilio/2010-04-01/Accounts/AC1/Messages.json",
                           "To=%2B1555&MessagingServiceSid=MG1&Body=hi&MediaUrl=https%3A%2F%2Fa");
  EXPECT_EQ(twilio->status, 201);
  EXPECT_TRUE(absl::StartsWith(JsonAt(twilio->body, "/sid"), "MM"));
  EXPECT_EQ(JsonAt(twilio->body, "/status"), "accepted");
  EXPECT_EQ(JsonAt(twilio->body, "/to"), "+1555");
  EXPECT_EQ(JsonAt(twilio->body, "/account_sid"), "AC1");
  EXPECT_EQ(JsonAt(twilio->body, "/uri"), absl::StrCat("/2010-04-01/Accounts/AC1/Messages/",
                                                       JsonAt(twilio->body, "/sid"), ".json"));
  const auto telegram = Post("/telegram/bot42:x/sendMessage", R"({"chat_id":"@news","text":"t"})");
  EXPECT_EQ(JsonAt(telegram->body, "/result/from/id"), "int:42");
  EXPECT_EQ(JsonAt(telegram->body, "/result/chat/type"), "supergroup");
}

}  // namespace
}  // namespace omnigate::fakeprovider
