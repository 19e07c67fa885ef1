// Webhook security on the real omnigate-ingest with a real Redis. For every
// connector, a valid delivery of one of its examples is accepted (the
// control), and the same delivery with its proof of origin missing, wrong,
// truncated or written in another encoding, or with its signed body
// re-encoded, is answered 401 with nothing stored. Bodies over the limit are
// answered 413, slow or stalled senders are cut off by the header and body
// deadlines without holding up others, and the log holds neither a secret
// nor message text.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/fixture_delivery.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_client.h"
#include "tests/support/redis_test.h"

namespace omnigate::faults {
namespace {

using testing::FixtureDelivery;

constexpr int kMaxBodyBytes = 64 << 10;

std::string HexToBase64(const std::string& hex) { return Base64Encode(HexDecode(hex).value()); }
std::string Base64ToHex(const std::string& b64) { return HexEncode(Base64Decode(b64).value()); }

// How a connector carries its proof of origin, and that proof written in
// another encoding a lenient verifier might accept.
struct Scheme {
  std::string fixture;  // an accepted example of the channel
  std::string header;   // carries the proof; empty: Mailgun's "signature" form field
  bool body_signed;     // the proof covers the raw body bytes
  std::function<std::string(const std::string&)> reencode;
};

std::vector<Scheme> Schemes() {
  auto meta = [](const std::string& v) { return "sha256=" + HexToBase64(v.substr(7)); };
  return {
      {"whatsapp__text_basic", "x-hub-signature-256", true, meta},
      {"messenger__text", "x-hub-signature-256", true, meta},
      {"instagram__text", "x-hub-signature-256", true, meta},
      {"telegram__document", "x-telegram-bot-api-secret-token", false,
       [](const std::string& v) { return Base64Encode(v); }},
      {"line__text_user_emoji", "x-line-signature", true, Base64ToHex},
      {"viber__message_text", "x-viber-content-signature", true, HexToBase64},
      {"twitter__dm_text", "x-twitter-webhooks-signature", true,
       [](const std::string& v) { return "sha256=" + Base64ToHex(v.substr(7)); }},
      {"webchat__message_text", "x-webchat-signature", true,
       [](const std::string& v) {
         const size_t at = v.find("v1=") + 3;
         return v.substr(0, at) + HexToBase64(v.substr(at));
       }},
      // Twilio signs the URL and the decoded parameters, not the raw bytes.
      {"twilio__sms_text", "x-twilio-signature", false, Base64ToHex},
      {"email__mailgun_forward_urlencoded", "", false,
       [](const std::string& v) {
         return absl::StrReplaceAll(HexToBase64(v), {{"+", "%2B"}, {"/", "%2F"}, {"=", "%3D"}});
       }},
      // Basic credentials sent without their base64 encoding.
      {"email__sendgrid_raw_mode", "authorization", false,
       [](const std::string&) { return std::string("Basic parse:s3cret"); }},
  };
}

// The same value with one character changed to another of its kind, so its
// format stays valid.
std::string OneCharWrong(std::string v) {
  for (size_t i = v.size(); i-- > 0;) {
    char& c = v[i];
    if (c >= '0' && c <= '9') {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
      return v;
    }
    if (c >= 'a' && c <= 'z') {
      c = c == 'z' ? 'a' : static_cast<char>(c + 1);
      return v;
    }
    if (c >= 'A' && c <= 'Z') {
      c = c == 'Z' ? 'A' : static_cast<char>(c + 1);
      return v;
    }
  }
  return v + "x";
}

enum class Tamper { kMissing, kWrong, kTruncated, kReencoded, kBodyReencoded };

const char* Name(Tamper t) {
  switch (t) {
    case Tamper::kMissing:
      return "missing";
    case Tamper::kWrong:
      return "wrong";
    case Tamper::kTruncated:
      return "truncated";
    case Tamper::kReencoded:
      return "re-encoded signature";
    case Tamper::kBodyReencoded:
      return "re-encoded body";
  }
  return "?";
}

// `d` with its proof changed by `t`; the rest of the delivery is untouched.
FixtureDelivery Tampered(const Scheme& scheme, FixtureDelivery d, Tamper t) {
  if (t == Tamper::kBodyReencoded) {
    // Same JSON document, other bytes: a verifier that signs a re-serialized
    // body instead of the bytes received would accept it.
    d.body.insert(d.body.find('{') + 1, " ");
    return d;
  }
  auto change = [&](const std::string& v) {
    switch (t) {
      case Tamper::kWrong:
        return OneCharWrong(v);
      case Tamper::kTruncated:
        return v.substr(0, v.size() - 4);
      default:
        return scheme.reencode(v);
    }
  };
  if (scheme.header.empty()) {  // Mailgun: the last form field, "&signature=<hex>"
    const size_t at = d.body.find("&signature=");
    const std::string value = d.body.substr(at + 11);
    d.body = d.body.substr(0, at);
    if (t != Tamper::kMissing) absl::StrAppend(&d.body, "&signature=", change(value));
    return d;
  }
  for (auto it = d.headers.begin(); it != d.headers.end(); ++it) {
    if (!absl::EqualsIgnoreCase(it->first, scheme.header)) continue;
    if (t == Tamper::kMissing) {
      d.headers.erase(it);
    } else {
      it->second = change(it->second);
    }
    return d;
  }
  ADD_FAILURE() << scheme.fixture << ": no " << scheme.header << " header";
  return d;
}

class WebhookSecurityTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    const std::string config = dir_ + "/omnigate.yaml";
    ASSERT_TRUE(testing::WriteFile(config, absl::StrCat(testing::kFixtureConnectorsYaml,
                                                        "ingest:\n  partitions: 4\n"
                                                        "  max_body_bytes: ",
                                                        kMaxBodyBytes,
                                                        "\n  header_timeout: 1s\n"
                                                        "  body_timeout: 1s\n"))
                    .ok());
    ingest_ = std::make_unique<IngestProcess>(config, redis_->url(), dir_);
    ASSERT_TRUE(ingest_->Start());
    ASSERT_TRUE(ingest_->WaitReady(absl::Seconds(15))) << ingest_->process()->ReadLog();
  }

  absl::StatusOr<testing::HttpResult> Post(const FixtureDelivery& d) {
    return testing::HttpRequest(ingest_->http_port(), "POST", d.target, d.headers, d.body);
  }

  int64_t KeysInRedis() {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(*redis_->Cli({"DBSIZE"}), &n));
    return n;
  }

  std::unique_ptr<IngestProcess> ingest_;
};

TEST_F(WebhookSecurityTest, EveryConnectorRefusesBadProofsAndStoresNothing) {
  int refused = 0;
  std::vector<std::string> texts;  // message text that must never reach the log
  for (const Scheme& scheme : Schemes()) {
    SCOPED_TRACE(scheme.fixture);
    const auto fixture = channels::testing::LoadChannelFixture(scheme.fixture);
    const FixtureDelivery valid = testing::DeliveryOf(scheme.fixture, fixture, absl::Now());
    if (const json::Value* events = json::Find(*fixture.expected, "events")) {
      for (const json::Value& e : events->GetArray()) {
        const std::string text = channels::testing::FixtureString(e, "text");
        if (text.size() >= 8) texts.push_back(text);
      }
    }

    // The control: the delivery as the channel sends it is accepted, so each
    // refusal below is the tampering's doing.
    auto accepted = Post(valid);
    ASSERT_TRUE(accepted.ok()) << accepted.status();
    ASSERT_EQ(accepted->status, 200) << accepted->body << "\n" << ingest_->process()->ReadLog();
    EXPECT_GT(KeysInRedis(), 0);
    ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");

    for (Tamper t : {Tamper::kMissing, Tamper::kWrong, Tamper::kTruncated, Tamper::kReencoded,
                     Tamper::kBodyReencoded}) {
      if (t == Tamper::kBodyReencoded && !scheme.body_signed) continue;
      SCOPED_TRACE(Name(t));
      const FixtureDelivery bad = Tampered(scheme, valid, t);
      ASSERT_TRUE(bad.body != valid.body || bad.headers != valid.headers)
          << "tampering changed nothing";
      auto r = Post(bad);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->status, 401) << r->body;
      EXPECT_EQ(KeysInRedis(), 0) << "nothing stored, not even a dedupe marker or quarantine";
      refused += r->status == 401 ? 1 : 0;
      ASSERT_EQ(*redis_->Cli({"FLUSHALL"}), "OK");  // each case on its own
    }
  }
  EXPECT_EQ(refused, 11 * 4 + 7);
  Report("webhook signatures",
         absl::StrCat(refused,
                      " tampered deliveries over 11 connectors (missing, wrong, truncated, "
                      "re-encoded signature; re-encoded body where the bytes are signed) answered "
                      "401, 0 keys stored; each connector's untampered delivery answered 200"));

  // Neither a secret nor message text at info level, rejected or accepted.
  const std::string log = ingest_->process()->ReadLog();
  ASSERT_TRUE(absl::StrContains(log, "omnigate-ingest started")) << log;
  for (const std::string& secret : testing::FixtureSecrets()) {
    EXPECT_FALSE(absl::StrContains(log, secret)) << "secret in the log: " << secret;
  }
  ASSERT_FALSE(texts.empty());
  for (const std::string& text : texts) {
    EXPECT_FALSE(absl::StrContains(log, text)) << "message text in the log: " << text;
  }
}

TEST_F(WebhookSecurityTest, BodiesOverTheLimitAreAnswered413AndNothingIsStored) {
  const std::string secret = "test-meta-app-secret-0001";
  const std::string big = WhatsAppBody("wamid.big", "6281100000", std::string(kMaxBodyBytes, 'a'));
  const std::string signature = "sha256=" + HexEncode(crypto::HmacSha256(secret, big));
  auto r = testing::HttpRequest(
      ingest_->http_port(), "POST", "/webhooks/wa",
      {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}}, big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413) << r->body;

  // Chunked, so the size is only known while reading.
  testing::RawClient client(ingest_->http_port());
  ASSERT_TRUE(client.connected());
  std::string chunked = absl::StrCat(
      "POST /webhooks/wa HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "X-Hub-Signature-256: ",
      signature, "\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (size_t at = 0; at < big.size(); at += 8192) {
    const std::string chunk = big.substr(at, 8192);
    absl::StrAppend(&chunked, absl::Hex(chunk.size()), "\r\n", chunk, "\r\n");
  }
  absl::StrAppend(&chunked, "0\r\n\r\n");
  client.Send(chunked);  // the server may close before reading it all
  const auto responses = client.ReadResponses(1);
  ASSERT_EQ(responses.size(), 1u) << client.received();
  EXPECT_TRUE(absl::StartsWith(responses[0], "HTTP/1.1 413")) << responses[0];
  EXPECT_EQ(KeysInRedis(), 0);
  Report("webhook body limit", absl::StrCat("bodies over ingest.max_body_bytes (", kMaxBodyBytes,
                                            ") by Content-Length and chunked: 413, 0 stored"));
}

TEST_F(WebhookSecurityTest, SlowAndStalledSendersAreCutOffWithoutHoldingUpOthers) {
  // 40 senders that stall after the headers, and 1 that trickles headers.
  std::vector<std::unique_ptr<testing::RawClient>> stalled;
  for (int i = 0; i < 40; ++i) {
    stalled.push_back(std::make_unique<testing::RawClient>(ingest_->http_port()));
    ASSERT_TRUE(stalled.back()->connected());
    ASSERT_TRUE(stalled.back()->Send(
        "POST /webhooks/wa HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"object\""));
  }
  testing::RawClient trickler(ingest_->http_port());
  ASSERT_TRUE(trickler.Send("POST /webhooks/wa HTTP/1.1\r\nHost: t\r\n"));
  const absl::Time start = absl::Now();

  // Meanwhile a real delivery is answered at once.
  const auto fixture = channels::testing::LoadChannelFixture("whatsapp__text_basic");
  const FixtureDelivery valid = testing::DeliveryOf("whatsapp__text_basic", fixture, absl::Now());
  auto r = Post(valid);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  const absl::Duration answered = absl::Now() - start;
  EXPECT_LT(answered, absl::Milliseconds(900)) << "a stalled sender held up a real one";

  // The trickler keeps sending header lines: only a total deadline stops it.
  bool cut = false;
  for (int i = 0; i < 60 && !cut; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    cut = !trickler.Send(absl::StrCat("X-", i, ": v\r\n")) ||
          trickler.WaitClosed(absl::Milliseconds(1));
  }
  EXPECT_TRUE(cut || trickler.WaitClosed(absl::Seconds(2)));
  const absl::Duration trickle_cut = absl::Now() - start;
  EXPECT_LT(trickle_cut, absl::Seconds(3));
  int closed = 0;
  for (auto& c : stalled) closed += c->WaitClosed(absl::Seconds(3)) ? 1 : 0;
  const absl::Duration stall_cut = absl::Now() - start;
  EXPECT_EQ(closed, 40);
  EXPECT_LT(stall_cut, absl::Seconds(4));
  // Only the real delivery's event was stored.
  EXPECT_EQ(StoredExternalIds(redis_->url()).size(), 1u);
  Report("slow senders",
         absl::StrCat("header_timeout/body_timeout 1 s: a header trickler cut off after ",
                      absl::FormatDuration(absl::Trunc(trickle_cut, absl::Milliseconds(10))),
                      ", 40 stalled bodies closed by ",
                      absl::FormatDuration(absl::Trunc(stall_cut, absl::Milliseconds(10))),
                      ", a real delivery meanwhile answered 200 in ",
                      absl::FormatDuration(absl::Trunc(answered, absl::Milliseconds(1)))));
}

}  // namespace
}  // namespace omnigate::faults
