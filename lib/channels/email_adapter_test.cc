#include "lib/channels/email_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/channels/email_receipts.h"
#include "lib/channels/mime.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/crypto/hmac.h"
#include "tests/support/fixture_expectations.h"
#include "tests/support/fixture_loader.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;

constexpr char kSigningKey[] = "key-test-mailgun-signing-0000000001";
// The fixtures' receipt time: 2026-02-03T13:45Z.
constexpr int64_t kReceiptMs = 1770126300000;

connectors::ConnectorSettings Settings(const std::string& provider) {
  connectors::ConnectorSettings settings;
  settings.name = "email-" + provider;
  settings.channel = omnigate::v1::CHANNEL_EMAIL;
  settings.provider = provider;
  settings.secret = provider == "mailgun" ? kSigningKey : "";
  settings.basic_auth = provider == "sendgrid" ? "parse:secret" : "";
  return settings;
}

bool CheckExtra(const std::string& key, const Value& value, const Event& got) {
  if (key == "subject" || key == "envelope_from" || key == "source_charset" ||
      key == "text_without_quote") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, key)) << key;
  } else if (key == "sender_name") {
    EXPECT_EQ(value.GetString(), got.sender().display_name());
  } else if (key == "recipient_name") {
    EXPECT_EQ(value.GetString(), got.recipient().display_name());
  } else if (key == "to") {
    EXPECT_EQ(value.GetString(), testing::Attribute(got, "to"));
  } else if (key == "mailgun_timestamp_ms") {
    EXPECT_EQ(json::Serialize(value), testing::Attribute(got, "mailgun_timestamp") + "000");
  } else {
    return false;
  }
  return true;
}

class EmailFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EmailFixtureTest, AuthenticatesAndNormalizesAsExpected) {
  const testing::ChannelFixture fixture = testing::LoadChannelFixture(GetParam());
  const bool mailgun = GetParam().find("mailgun") != std::string::npos;
  // A live Mailgun delivery arrives seconds after it was signed; the stale
  // example is judged at the fixtures' receipt time.
  int64_t now_ms = kReceiptMs;
  if (GetParam() == "email__mailgun_forward_urlencoded") now_ms = 1770125404000 + 4000;
  FakeClock clock(now_ms);
  EmailAdapter adapter(Settings(mailgun ? "mailgun" : "sendgrid"), clock);
  testing::ExpectFixtureOutcome(adapter, fixture, now_ms, CheckExtra);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EmailFixtureTest,
                         ::testing::ValuesIn(testing::ListFixtures("email__")),
                         [](const auto& info) { return info.param.substr(7); });

std::string Multipart(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    absl::StrAppend(&body, "--B\r\nContent-Disposition: form-data; name=\"", name, "\"\r\n\r\n",
                    value, "\r\n");
  }
  return body + "--B--\r\n";
}

TEST(EmailAdapterTest, RawModeReplyThreadsOnReferencesAndPrefersPlainText) {
  FakeClock clock(kReceiptMs);
  EmailAdapter adapter(Settings("sendgrid"), clock);
  const std::string raw =
      "Date: Tue, 03 Feb 2026 21:00:00 +0700\r\n"
      "From: \"Budi\" <Budi@Example.net>\r\nTo: Support <support@inbound.example.com>\r\n"
      "Message-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\nReferences: <m1@x> <m2@x>\r\n"
      "Subject: Re: garansi\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
      "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n"
      "--alt\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\n"
      "T2ygIGJhaWsuCgpPbiBNb24sIEEgd3JvdGU6Cj4gb2xk\r\n--alt--\r\n";
  const std::string body = Multipart({{"email", raw}, {"to", "support@inbound.example.com"}});
  Headers headers;
  headers.Add("Content-Type", "multipart/form-data; boundary=B");
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  NormalizeResult result;
  const absl::Status status = adapter.Normalize(request, &result);
  ASSERT_TRUE(status.ok()) << status;
  const Event& e = result.events.at(0);
  EXPECT_EQ(e.conversation_key(), "email:support@inbound.example.com:m1@x");
  EXPECT_EQ(e.reply_to_external_id(), "m2@x");
  EXPECT_EQ(e.sender().id(), "budi@example.net");
  EXPECT_EQ(e.text().body(), "Ol\xC2\xA0 baik.\n\nOn Mon, A wrote:\n> old");
  EXPECT_EQ(e.attributes().at("text_without_quote"), "Ol\xC2\xA0 baik.");
  EXPECT_EQ(e.sent_at_ms(), 1770127200000);
}

TEST(EmailAdapterTest, MailgunSignatureChecks) {
  FakeClock clock(1770000000000);
  EmailAdapter adapter(Settings("mailgun"), clock);
  const std::string good = HexEncode(crypto::HmacSha256(kSigningKey, "1770000000tok"));
  auto check = [&](const std::string& form) {
    InboundRequest request;
    request.body = form;
    return RejectReason(adapter.Authenticate(request));
  };
  EXPECT_EQ(check("timestamp=1770000000&token=tok&signature=" + good), "");
  EXPECT_EQ(check("timestamp=1770000001&token=tok&signature=" + good), "signature_mismatch");
  EXPECT_EQ(check("timestamp=1770000000&token=tok"), "signature_missing");
  EXPECT_EQ(check("timestamp=1770000000&token=tok&signature=zz"), "signature_malformed");
  const std::string old = HexEncode(crypto::HmacSha256(kSigningKey, "1769999000tok"));
  EXPECT_EQ(check("timestamp=1769999000&token=tok&signature=" + old), "signature_stale_timestamp");
}

TEST(EmailAdapterTest, BadInputIsRejectedNotCrashed) {
  FakeClock clock(kReceiptMs);
  EmailAdapter adapter(Settings("sendgrid"), clock);
  Headers headers;
  headers.Add("Content-Type", "multipart/form-data; boundary=B");
  InboundRequest request;
  request.headers = &headers;
  NormalizeResult result;
  request.body = "--B\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nunterminated";
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &result)), "multipart_truncated");
  const std::string bad_charset = Multipart({{"from", "a@b"},
                                             {"to", "c@d"},
                                             {"text", "x"},
                                             {"charsets", R"({"text":"no-such-charset"})"}});
  request.body = bad_charset;
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &result)), "email_bad_charset:no-such-charset");
  const std::string no_from = Multipart({{"to", "c@d"}, {"text", "x"}});
  request.body = no_from;
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &result)), "missing_required_field:from");
}

// ---- Receipts: the providers' event webhooks ------------------------------

// The X-Message-Id SendGridSender records (sendgrid_sender_test.cc) is what
// the events' sg_message_id starts with, whatever suffix follows.
TEST(EmailReceiptsTest, SendGridMessageIdIsTheSendAnswersHeader) {
  EXPECT_EQ(email::SendGridMessageId(
                "W8mB2bW7TqKxq9r3bq0Yiw.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0"),
            "W8mB2bW7TqKxq9r3bq0Yiw");
  EXPECT_EQ(email::SendGridMessageId("XBg2anf2TqCy6WXKQFhieQ.filter0905p1mdw1-4434-59E0C6FF-3.0"),
            "XBg2anf2TqCy6WXKQFhieQ");
  EXPECT_EQ(
      email::SendGridMessageId("W8mB2bW7TqKxq9r3bq0Yiw.recvd-5b7bd4d6c7-jzw9v-1-6613E6AD-5.0"),
      "W8mB2bW7TqKxq9r3bq0Yiw");
  // The older, dotted form (SendGrid's event example).
  EXPECT_EQ(email::SendGridMessageId("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"),
            "14c5d75ce93.dfd.64b469");
  EXPECT_EQ(email::SendGridMessageId("W8mB2bW7TqKxq9r3bq0Yiw"), "W8mB2bW7TqKxq9r3bq0Yiw");
}

NormalizeResult NormalizeJson(const EmailAdapter& adapter, const std::string& body) {
  Headers headers;
  headers.Add("Content-Type", "application/json");
  InboundRequest request;
  request.headers = &headers;
  request.body = body;
  request.received_at_ms = kReceiptMs;
  NormalizeResult result;
  const absl::Status status = adapter.Normalize(request, &result);
  EXPECT_TRUE(status.ok()) << status;
  return result;
}

TEST(EmailReceiptsTest, SendGridEventWebhookBecomesStatusesOfTheReply) {
  FakeClock clock(kReceiptMs);
  EmailAdapter adapter(Settings("sendgrid"), clock);
  const std::string common =
      R"("email":"Customer@Example.org","sg_message_id":"W8mB2bW7TqKxq9r3bq0Yiw.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<W8mB2bW7TqKxq9r3bq0Yiw@geopod-ismtpd-1>","outbound_id":"out_01JEXAMPLE","conversation_key":"email:support@example.com:CAF1x2y3@mail.gmail.com")";
  const std::string body = absl::StrCat(
      "[", R"({"event":"processed","timestamp":1770126000,"sg_event_id":"e1",)", common, "},",
      R"({"event":"delivered","timestamp":1770126001,"sg_event_id":"e2","response":"250 OK",)",
      common, "},", R"({"event":"open","timestamp":1770126100,"sg_event_id":"e3",)", common, "},",
      R"({"event":"bounce","timestamp":1770126002,"sg_event_id":"e4","type":"bounce","status":"5.1.1","reason":"550 5.1.1 no such user",)",
      common, "},", R"({"event":"deferred","timestamp":1770126003,"sg_event_id":"e5",)", common,
      "},", R"({"event":"unsubscribe","timestamp":1770126004,"sg_event_id":"e6",)", common, "}]");
  const NormalizeResult result = NormalizeJson(adapter, body);
  ASSERT_EQ(result.events.size(), 6u);
  using S = omnigate::v1::Status;
  const S::State states[] = {S::STATE_SENT, S::STATE_DELIVERED, S::STATE_READ, S::STATE_FAILED,
                             S::STATE_QUEUED};
  for (size_t i = 0; i < 5; ++i) {
    const Event& e = result.events[i];
    SCOPED_TRACE(i);
    ASSERT_TRUE(e.has_status());
    EXPECT_EQ(e.status().state(), states[i]);
    EXPECT_EQ(e.status().target_external_id(), "W8mB2bW7TqKxq9r3bq0Yiw");
    EXPECT_EQ(e.status().recipient_id(), "customer@example.org");
    // The reply's conversation, from custom_args: its partition holds the
    // provider id the sender recorded.
    EXPECT_EQ(e.conversation_key(), "email:support@example.com:CAF1x2y3@mail.gmail.com");
    EXPECT_EQ(e.account_id(), "support@example.com");
    EXPECT_EQ(e.sender().role(), omnigate::v1::ROLE_SYSTEM);
    EXPECT_EQ(e.connector(), "email-sendgrid");
  }
  EXPECT_EQ(result.events[1].idempotency_key(),
            "email:sgevent:W8mB2bW7TqKxq9r3bq0Yiw.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-"
            "9.0:delivered:1770126001000");
  EXPECT_EQ(result.events[1].sent_at_ms(), 1770126001000);
  EXPECT_EQ(result.events[3].status().error_code(), "5.1.1");
  EXPECT_EQ(result.events[3].status().error_message(), "550 5.1.1 no such user");
  EXPECT_EQ(result.events[5].conversation().kind(), omnigate::v1::ConversationEvent::KIND_OPT_OUT);
}

TEST(EmailReceiptsTest, SendGridEventOfMailSentElsewhereIsKeptApart) {
  FakeClock clock(kReceiptMs);
  EmailAdapter adapter(Settings("sendgrid"), clock);
  const NormalizeResult result = NormalizeJson(
      adapter,
      R"([{"event":"delivered","email":"a@b.org","timestamp":1770126001,"sg_message_id":"Abc.filter1.0","conversation_key":"not-ours"},{"event":"spamreport","email":"a@b.org","timestamp":1770126002,"sg_event_id":"x9"}])");
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].conversation_key(), "email:email-sendgrid:Abc");
  EXPECT_EQ(result.events[1].idempotency_key(), "email:sgevent:x9");
  InboundRequest request;
  NormalizeResult bad;
  request.body = R"({"event":"delivered"})";
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &bad)), "schema_type_mismatch:body");
  request.body = R"([{"event":"delivered","timestamp":1.5}])";
  EXPECT_NE(RejectReason(adapter.Normalize(request, &bad)), "");
  request.body = R"([{"timestamp":1}])";
  EXPECT_EQ(RejectReason(adapter.Normalize(request, &bad)), "missing_required_field:event");
}

// A Mailgun webhook as documented: the signature object beside event-data.
std::string MailgunWebhook(const std::string& timestamp, const std::string& event_data,
                           const std::string& key = kSigningKey) {
  const std::string token = "b6cbd2e5a0c1f7d8e9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";
  return absl::StrCat(R"({"signature":{"timestamp":")", timestamp, R"(","token":")", token,
                      R"(","signature":")", HexEncode(crypto::HmacSha256(key, timestamp + token)),
                      R"("},"event-data":)", event_data, "}");
}

TEST(EmailReceiptsTest, MailgunWebhookIsSignedInsideTheJson) {
  FakeClock clock(1770000000000);
  EmailAdapter adapter(Settings("mailgun"), clock);
  auto check = [&](const std::string& body) {
    InboundRequest request;
    request.body = body;
    return RejectReason(adapter.Authenticate(request));
  };
  EXPECT_EQ(check(MailgunWebhook("1770000000", R"({"event":"delivered"})")), "");
  EXPECT_EQ(check(MailgunWebhook("1770000000", R"({"event":"delivered"})", "other-key")),
            "signature_mismatch");
  EXPECT_EQ(check(MailgunWebhook("1769999000", R"({"event":"delivered"})")),
            "signature_stale_timestamp");
  EXPECT_EQ(check(R"({"event-data":{"event":"delivered"}})"), "signature_missing");
}

TEST(EmailReceiptsTest, MailgunEventsNameTheSendAnswersIdWithoutAngles) {
  FakeClock clock(kReceiptMs);
  EmailAdapter adapter(Settings("mailgun"), clock);
  // MailgunSender records the answer's id "<out_01JEXAMPLE@mg.example.com>"
  // without its brackets; webhooks show it bare (sometimes bracketed).
  const std::string delivered = MailgunWebhook(
      "1770126300",
      R"({"event":"delivered","id":"CPgfbmQMTCKtHW6uIWtuVe","timestamp":1770126290.908181,"recipient":"customer@example.org","message":{"headers":{"message-id":"out_01JEXAMPLE@mg.example.com","to":"customer@example.org"}},"user-variables":{"outbound_id":"out_01JEXAMPLE","conversation_key":"email:support@mg.example.com:a1@example.org"},"delivery-status":{"code":250,"message":"OK"}})");
  NormalizeResult result = NormalizeJson(adapter, delivered);
  ASSERT_EQ(result.events.size(), 1u);
  const Event& e = result.events[0];
  EXPECT_EQ(e.status().state(), omnigate::v1::Status::STATE_DELIVERED);
  EXPECT_EQ(e.status().target_external_id(), "out_01JEXAMPLE@mg.example.com");
  EXPECT_EQ(e.conversation_key(), "email:support@mg.example.com:a1@example.org");
  EXPECT_EQ(e.idempotency_key(), "email:mgevent:CPgfbmQMTCKtHW6uIWtuVe");
  EXPECT_EQ(e.sent_at_ms(), 1770126290908);

  result = NormalizeJson(
      adapter,
      MailgunWebhook(
          "1770126300",
          R"({"event":"failed","severity":"permanent","reason":"bounce","id":"f1","timestamp":1770126291,"recipient":"customer@example.org","message":{"headers":{"message-id":"<out_01JEXAMPLE@mg.example.com>"}},"delivery-status":{"code":550,"message":"5.1.1 The email account does not exist"}})"));
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].status().state(), omnigate::v1::Status::STATE_FAILED);
  EXPECT_EQ(result.events[0].status().target_external_id(), "out_01JEXAMPLE@mg.example.com");
  EXPECT_EQ(result.events[0].status().error_code(), "550");
  EXPECT_EQ(result.events[0].status().error_message(), "5.1.1 The email account does not exist");
  EXPECT_EQ(result.events[0].conversation_key(),
            "email:email-mailgun:out_01JEXAMPLE@mg.example.com");

  // Mailgun retries temporary failures itself: not final.
  result = NormalizeJson(
      adapter,
      MailgunWebhook(
          "1770126300",
          R"({"event":"failed","severity":"temporary","id":"t1","timestamp":1770126292,"message":{"headers":{"message-id":"m@x"}}})"));
  EXPECT_EQ(result.events.at(0).status().state(), omnigate::v1::Status::STATE_QUEUED);
}

TEST(MimeTest, EncodedWordsDatesAndAddresses) {
  EXPECT_EQ(*mime::DecodeHeader("=?UTF-8?Q?Budi_Santoso?= <b@x>"), "Budi Santoso <b@x>");
  EXPECT_EQ(*mime::DecodeHeader("=?ISO-8859-1?Q?In=EAs?= =?UTF-8?B?w6k=?="), "In\xC3\xAAs\xC3\xA9");
  EXPECT_EQ(mime::ParseDateMs("Tue, 03 Feb 2026 20:15:00 +0700"), 1770124500000);
  EXPECT_EQ(mime::ParseDateMs("03 Feb 2026 13:15:00 +0000 (UTC)"), 1770124500000);
  EXPECT_EQ(mime::ParseDateMs("yesterday"), -1);
  EXPECT_EQ(mime::ParseAddress("\"Ana B\" <Ana@X.org>").second, "ana@x.org");
  EXPECT_EQ(mime::ParseAddress("\"Ana B\" <Ana@X.org>").first, "Ana B");
  // A comma inside a quoted display name does not end the first mailbox.
  EXPECT_EQ(mime::ParseAddress(mime::FirstMailbox("\"Doe, Jane\" <jane@x.org>, k@y.org")).second,
            "jane@x.org");
  EXPECT_EQ(mime::FirstMailbox("a@x.org, b@y.org"), "a@x.org");
}

}  // namespace
}  // namespace omnigate::channels
