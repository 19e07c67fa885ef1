#include "tests/support/fixture_delivery.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"

namespace omnigate::testing {

namespace {

constexpr char kMetaSecret[] = "test-meta-app-secret-0001";
constexpr char kWebchatSecret[] = "test-webchat-signing-secret";
constexpr char kMailgunKey[] = "key-test-mailgun-signing-0000000001";
constexpr char kSendgridBasicAuth[] = "parse:s3cret";

}  // namespace

const char kFixtureConnectorsYaml[] = R"(connectors:
  - {name: wa, channel: whatsapp, secret: test-meta-app-secret-0001}
  - {name: fb, channel: messenger, secret: test-meta-app-secret-0001}
  - {name: ig, channel: instagram, secret: test-meta-app-secret-0001}
  - {name: tg, channel: telegram, secret: test_tg_secret_Token-001, account_id: "7000000001"}
  - {name: line, channel: line, secret: 00112233445566778899aabbccddeeff}
  - {name: viber, channel: viber, secret: 1a2b3c4d5e6f7a8b-1a2b3c4d5e6f7a8b-testtesttesttest, account_id: contohshop}
  - {name: x, channel: x, secret: test_x_consumer_secret_000000000000000000000000001}
  - {name: web, channel: webchat, secret: test-webchat-signing-secret}
  - {name: twilio-inbound, channel: twilio, secret: feedfacefeedfacefeedfacefeedface, public_url: "https://hooks.example.com/webhooks/twilio/inbound"}
  - {name: twilio-status, channel: twilio, secret: feedfacefeedfacefeedfacefeedface, public_url: "https://hooks.example.com/webhooks/twilio/status"}
  - {name: email-mailgun, channel: email, provider: mailgun, secret: key-test-mailgun-signing-0000000001}
  - {name: email-sendgrid, channel: email, provider: sendgrid, basic_auth: "parse:s3cret"}
)";

std::vector<std::string> FixtureSecrets() {
  return {kMetaSecret,
          "test_tg_secret_Token-001",
          "00112233445566778899aabbccddeeff",
          "1a2b3c4d5e6f7a8b-1a2b3c4d5e6f7a8b-testtesttesttest",
          "test_x_consumer_secret_000000000000000000000000001",
          kWebchatSecret,
          "feedfacefeedfacefeedfacefeedface",
          kMailgunKey,
          "s3cret",
          Base64Encode(kSendgridBasicAuth)};
}

FixtureDelivery DeliveryOf(const std::string& name,
                           const channels::testing::ChannelFixture& fixture, absl::Time now) {
  static const auto* connectors = new std::map<std::string, std::string>{
      {"whatsapp", "wa"},   {"messenger", "fb"}, {"instagram", "ig"}, {"telegram", "tg"},
      {"line", "line"},     {"viber", "viber"},  {"twitter", "x"},    {"webchat", "web"},
      {"twilio", "twilio"}, {"email", "email"}};
  using channels::testing::FixtureString;
  const json::Value& expected = *fixture.expected;
  const json::Value& request = *json::Find(expected, "request");
  const std::string channel = name.substr(0, name.find("__"));
  const bool rejected = FixtureString(expected, "outcome") == "reject";

  FixtureDelivery out;
  out.connector = connectors->at(channel);
  if (channel == "twilio") {
    out.connector = FixtureString(request, "url").find("/status") != std::string::npos
                        ? "twilio-status"
                        : "twilio-inbound";
  }
  if (channel == "email") {
    out.connector = name.find("mailgun") != std::string::npos ? "email-mailgun" : "email-sendgrid";
  }
  const std::string path = FixtureString(request, "path");
  const size_t query = path.find('?');
  out.target = absl::StrCat("/webhooks/", out.connector,
                            query == std::string::npos ? "" : path.substr(query));
  out.body = fixture.body;
  for (const auto& [header, value] : fixture.headers.entries()) {
    out.headers.emplace_back(header, value);
  }
  const std::string t = absl::StrCat(absl::ToUnixSeconds(now));
  if (channel == "webchat") {
    // Signed long ago; the replay window is 300 s: sign again as the
    // widget's backend does.
    for (auto& [header, value] : out.headers) {
      if (header != "x-webchat-signature") continue;
      value = absl::StrCat(
          "t=", t, ",v1=", HexEncode(crypto::HmacSha256(kWebchatSecret, t + "." + fixture.body)));
    }
  }
  if (out.connector == "email-sendgrid") {
    out.headers.emplace_back("Authorization", "Basic " + Base64Encode(kSendgridBasicAuth));
  }
  if (out.connector == "email-mailgun" && !rejected) {
    // Mailgun signs timestamp + token inside the form; stale ones are refused.
    const std::string token = "e2e-token-0001";
    out.body = out.body.substr(0, out.body.find("&timestamp=")) +
               absl::StrCat("&timestamp=", t, "&token=", token,
                            "&signature=", HexEncode(crypto::HmacSha256(kMailgunKey, t + token)));
  }
  return out;
}

}  // namespace omnigate::testing
