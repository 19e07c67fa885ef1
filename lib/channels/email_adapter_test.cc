#include "lib/channels/email_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
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
