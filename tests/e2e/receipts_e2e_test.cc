// Delivery and read receipts end to end, one case per channel whose provider
// sends them: the customer writes through ingest (which opens the messaging
// window and gives the conversation key the channel's adapter makes), an
// agent answers through omnigate-sender, the fake provider accepts it with
// an id shaped like the provider's, and the provider's receipt (signed as
// the provider signs it, built from what the provider would know: its own
// id, and what the send request carried) comes back through ingest. The
// receipt must move the reply's status (Outbound.GetStatus) and be stored in
// the reply's conversation naming the reply (outbound_event_id).
//
// WhatsApp: sender_e2e_test.cc (DeliveredReceiptNamesTheReplysEventId), and
// the early receipt below. Channels with no per-message receipts, so no case
// here: Telegram (bots get no delivery or read callbacks) and LINE (only
// aggregate statistics). Messenger's read receipts name only a watermark time,
// no message id: they cannot name a reply; its delivery receipts (mids) can.

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/json/strict_json.h"
#include "lib/outbound/url_form.h"
#include "rapidjson/pointer.h"
#include "tests/e2e/sender_stack.h"
#include "tools/fake_provider/form_fields.h"

namespace omnigate::e2e {
namespace {

// The signing secret of every stack connector but wa and web (sender_stack.h).
constexpr char kSecret[] = "s3cret";
constexpr char kPageId[] = "200000000000002";
constexpr char kInstagramId[] = "300000000000003";
constexpr char kTwilioNumber[] = "+15550100000";
constexpr char kTwilioAccount[] = "AC0000000000000000000000000000000a";
constexpr char kXAccount[] = "1346889436626259968";
constexpr char kOurAddress[] = "help@shop.example";
constexpr char kSite[] = "site-e2e";
constexpr char kSession[] = "ses_e2e_77";

// A webhook as the channel would post it to ingest.
struct Webhook {
  std::string target;
  Headers headers;
  std::string body;
};

struct Case {
  std::string connector;
  // The customer's id (phone, address) on the channel.
  std::string customer;
  // The id the customer's message is stored under (Event.external_id).
  std::string message_id;
  // Where the receipt moves the reply.
  GetStatusResponse::State state;
};

std::string IsoTime(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

Webhook Meta(const std::string& connector, const std::string& body) {
  return {absl::StrCat("/webhooks/", connector),
          {{"Content-Type", "application/json"},
           {"X-Hub-Signature-256",
            absl::StrCat("sha256=", HexEncode(crypto::HmacSha256(kSecret, body)))}},
          body};
}

std::string MetaEnvelope(const char* object, const std::string& account, int64_t now_ms,
                         const std::string& item) {
  return absl::StrCat(R"({"object":")", object, R"(","entry":[{"id":")", account, R"(","time":)",
                      now_ms, R"(,"messaging":[)", item, "]}]}");
}

// Twilio signs the URL it calls (as configured) and every POST parameter,
// name then value, in name order.
Webhook Twilio(const std::string& url, outbound::FormFields form) {
  std::sort(form.begin(), form.end());
  std::string signed_text = url;
  for (const auto& [name, value] : form) absl::StrAppend(&signed_text, name, value);
  absl::string_view target = url;
  absl::ConsumePrefix(&target, "https://hooks.example.com");
  return {std::string(target),
          {{"Content-Type", "application/x-www-form-urlencoded"},
           {"X-Twilio-Signature", Base64Encode(crypto::HmacSha1(kSecret, signed_text))}},
          outbound::FormEncode(form)};
}

Webhook Viber(const std::string& body) {
  return {"/webhooks/viber",
          {{"Content-Type", "application/json"},
           {"X-Viber-Content-Signature", HexEncode(crypto::HmacSha256(kSecret, body))}},
          body};
}

Webhook X(const std::string& body) {
  return {"/webhooks/x",
          {{"Content-Type", "application/json"},
           {"X-Twitter-Webhooks-Signature",
            absl::StrCat("sha256=", Base64Encode(crypto::HmacSha256(kSecret, body)))}},
          body};
}

// SendGrid signs nothing: the connector's basic_auth, set in the URL.
Webhook SendGrid(const std::string& content_type, const std::string& body) {
  return {"/webhooks/mail-sg",
          {{"Content-Type", content_type},
           {"Authorization", absl::StrCat("Basic ", Base64Encode("parse:s3cret"))}},
          body};
}

struct MailgunSignature {
  std::string timestamp, token, signature;
};

// A fresh signing token per webhook: ingest refuses a token used twice.
MailgunSignature SignMailgun(int64_t now_ms, const std::string& token) {
  const std::string timestamp = absl::StrCat(now_ms / 1000);
  return {timestamp, token, HexEncode(crypto::HmacSha256(kSecret, timestamp + token))};
}

Webhook Webchat(int64_t now_ms, const std::string& body) {
  const std::string t = absl::StrCat(now_ms / 1000);
  return {"/webhooks/web",
          {{"Content-Type", "application/json"},
           {"X-Webchat-Signature",
            absl::StrCat("t=", t,
                         ",v1=", HexEncode(crypto::HmacSha256(kWebchatSecret, t + "." + body)))}},
          body};
}

std::string WebchatEnvelope(int64_t now_ms, const std::string& n, const std::string& event) {
  return absl::StrCat(R"({"schema_version":1,"site_id":")", kSite, R"(","delivery_id":"dlv_)", n,
                      R"(","sent_at":")", IsoTime(now_ms), R"(","events":[{"event_id":"evt_)", n,
                      R"(","occurred_at":")", IsoTime(now_ms), R"(","session":{"id":")", kSession,
                      R"(","visitor_id":"visitor-77"},)", event, "}]}");
}

// The customer's first message, as the channel posts it.
Webhook CustomerMessage(const Case& c, int64_t now_ms) {
  const std::string& who = c.customer;
  if (c.connector == "fb" || c.connector == "ig") {
    const bool ig = c.connector == "ig";
    const std::string account = ig ? kInstagramId : kPageId;
    return Meta(
        c.connector,
        MetaEnvelope(ig ? "instagram" : "page", account, now_ms,
                     absl::StrCat(R"({"sender":{"id":")", who, R"("},"recipient":{"id":")", account,
                                  R"("},"timestamp":)", now_ms, R"(,"message":{"mid":")",
                                  c.message_id, R"(","text":"where is my order?"}})")));
  }
  if (c.connector == "sms") {
    return Twilio("https://hooks.example.com/webhooks/sms", {{"AccountSid", kTwilioAccount},
                                                             {"ApiVersion", "2010-04-01"},
                                                             {"Body", "where is my order?"},
                                                             {"From", who},
                                                             {"MessageSid", c.message_id},
                                                             {"NumMedia", "0"},
                                                             {"SmsMessageSid", c.message_id},
                                                             {"SmsSid", c.message_id},
                                                             {"SmsStatus", "received"},
                                                             {"To", kTwilioNumber}});
  }
  if (c.connector == "viber") {
    return Viber(absl::StrCat(
        R"({"event":"message","timestamp":)", now_ms,
        R"(,"chat_hostname":"SN-CHAT-01_","message_token":)", c.message_id, R"(,"sender":{"id":")",
        who, R"(","name":"Rina","language":"id","country":"ID","api_version":10},)",
        R"("message":{"type":"text","text":"where is my order?"},)", R"("silent":false})"));
  }
  if (c.connector == "x") {
    return X(absl::StrCat(R"({"for_user_id":")", kXAccount,
                          R"(","direct_message_events":[{"type":"message_create","id":")",
                          c.message_id, R"(","created_timestamp":")", now_ms,
                          R"(","message_create":{"target":{"recipient_id":")", kXAccount,
                          R"("},"sender_id":")", who,
                          R"(","message_data":{"text":"where is my order?"}}}]})"));
  }
  if (c.connector == "mail-sg") {  // Inbound Parse, parsed mode
    std::string body;
    for (const auto& [name, value] : Headers{
             {"headers", absl::StrCat("Message-ID: <", c.message_id, ">\nFrom: Rina <", who,
                                      ">\nTo: ", kOurAddress, "\nSubject: Order 4521\n")},
             {"from", absl::StrCat("Rina <", who, ">")},
             {"to", kOurAddress},
             {"subject", "Order 4521"},
             {"text", "where is my order?"},
             {"envelope", absl::StrCat(R"({"to":[")", kOurAddress, R"("],"from":")", who, R"("})")},
             {"charsets", R"({"to":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"})"}}) {
      absl::StrAppend(&body, "--xYzZY\r\nContent-Disposition: form-data; name=\"", name,
                      "\"\r\n\r\n", value, "\r\n");
    }
    return SendGrid("multipart/form-data; boundary=xYzZY", body + "--xYzZY--\r\n");
  }
  if (c.connector == "mail-mg") {  // a route's forward()
    const MailgunSignature s =
        SignMailgun(now_ms, "e2e-token-message-0000000000000000000000000001");
    return {"/webhooks/mail-mg",
            {{"Content-Type", "application/x-www-form-urlencoded"}},
            outbound::FormEncode({{"recipient", kOurAddress},
                                  {"sender", who},
                                  {"from", absl::StrCat("Rina <", who, ">")},
                                  {"subject", "Order 4521"},
                                  {"body-plain", "where is my order?"},
                                  {"Message-Id", absl::StrCat("<", c.message_id, ">")},
                                  {"timestamp", s.timestamp},
                                  {"token", s.token},
                                  {"signature", s.signature}})};
  }
  return Webchat(now_ms, WebchatEnvelope(now_ms, "e2e_1",
                                         absl::StrCat(R"("type":"message.created","message":{)",
                                                      R"("client_message_id":")", c.message_id,
                                                      R"(","text":"where is my order?"})")));
}

// The members of the JSON object at `pointer` in `json`, without braces
// ("" when absent): what SendGrid echoes of custom_args on every event.
std::string MembersAt(const std::string& json, const char* pointer) {
  auto doc = json::ParseStrictObject(json);
  if (!doc.ok()) return "";
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(**doc);
  if (v == nullptr || !v->IsObject()) return "";
  const std::string text = json::Serialize(*v);
  return text.substr(1, text.size() - 2);
}

// The provider's receipt for the reply it accepted as `pid`; `sent` is the
// send request it got (Twilio's StatusCallback, SendGrid's custom_args and
// Mailgun's v: variables come back from it).
Webhook ReceiptFor(const Case& c, const std::string& pid, const fakeprovider::RecordedRequest& sent,
                   int64_t now_ms) {
  const std::string& who = c.customer;
  if (c.connector == "fb") {
    return Meta(
        "fb",
        MetaEnvelope("page", kPageId, now_ms,
                     absl::StrCat(R"({"sender":{"id":")", who, R"("},"recipient":{"id":")", kPageId,
                                  R"("},"timestamp":)", now_ms, R"(,"delivery":{"mids":[")", pid,
                                  R"("],"watermark":)", now_ms, "}}")));
  }
  if (c.connector == "ig") {  // messaging_seen: one message read
    return Meta("ig",
                MetaEnvelope("instagram", kInstagramId, now_ms,
                             absl::StrCat(R"({"sender":{"id":")", who, R"("},"recipient":{"id":")",
                                          kInstagramId, R"("},"timestamp":)", now_ms,
                                          R"(,"read":{"mid":")", pid, R"("}})")));
  }
  if (c.connector == "sms") {  // posted to the StatusCallback the send named
    const std::string callback =
        fakeprovider::FormValue(fakeprovider::ParseForm(sent.body), "StatusCallback");
    EXPECT_TRUE(absl::StartsWith(callback, "https://hooks.example.com/webhooks/sms?out="))
        << sent.body;
    return Twilio(callback, {{"AccountSid", kTwilioAccount},
                             {"ApiVersion", "2010-04-01"},
                             {"From", kTwilioNumber},
                             {"MessageSid", pid},
                             {"MessageStatus", "delivered"},
                             {"SmsSid", pid},
                             {"SmsStatus", "delivered"},
                             {"To", who}});
  }
  if (c.connector == "viber") {  // the token as Viber sends it: a JSON number
    return Viber(absl::StrCat(R"({"event":"delivered","timestamp":)", now_ms,
                              R"(,"chat_hostname":"SN-CHAT-01_","message_token":)", pid,
                              R"(,"user_id":")", who, R"("})"));
  }
  if (c.connector == "x") {
    return X(absl::StrCat(R"({"for_user_id":")", kXAccount,
                          R"(","direct_message_mark_read_events":[{"created_timestamp":")", now_ms,
                          R"(","sender_id":")", who, R"(","target":{"recipient_id":")", kXAccount,
                          R"("},"last_read_event_id":")", pid, R"("}]})"));
  }
  if (c.connector == "mail-sg") {  // Event Webhook: sg_message_id = X-Message-Id + suffix
    const std::string custom_args = MembersAt(sent.body, "/custom_args");
    EXPECT_FALSE(custom_args.empty()) << sent.body;
    return SendGrid(
        "application/json",
        absl::StrCat(R"([{"email":")", who, R"(","timestamp":)", now_ms / 1000, R"(,"smtp-id":"<)",
                     pid, R"(@geopod-ismtpd-4>","event":"delivered",)",
                     R"("category":[],"sg_event_id":"ZGVsaXZlcmVkLTAtZTJl","sg_message_id":")", pid,
                     R"(.filterdrecv-5645d9c87f-kb4fh-1-62D6F1B2-1B.0","response":"250 OK",)",
                     R"("tls":1,)", custom_args, "}]"));
  }
  if (c.connector == "mail-mg") {
    // The Message-ID the mail went out with (the sender's h:Message-Id), as
    // Mailgun shows it: without angle brackets.
    const fakeprovider::FormFields form = fakeprovider::ParseForm(sent.body);
    const std::string message_id(absl::StripSuffix(
        absl::StripPrefix(fakeprovider::FormValue(form, "h:Message-Id"), "<"), ">"));
    EXPECT_FALSE(message_id.empty()) << sent.body;
    std::string variables;
    for (const auto& [name, value] : form) {
      if (!absl::StartsWith(name, "v:")) continue;
      absl::StrAppend(&variables, variables.empty() ? "" : ",", "\"", name.substr(2), "\":\"",
                      value, "\"");
    }
    EXPECT_FALSE(variables.empty()) << sent.body;
    const MailgunSignature s =
        SignMailgun(now_ms, "e2e-token-receipt-0000000000000000000000000001");
    return {"/webhooks/mail-mg",
            {{"Content-Type", "application/json"}},
            absl::StrCat(R"({"signature":{"timestamp":")", s.timestamp, R"(","token":")", s.token,
                         R"(","signature":")", s.signature,
                         R"("},"event-data":{"event":"delivered","id":"CPgfbmQMTCKtHW6uIWtuVe",)",
                         R"("timestamp":)", now_ms / 1000, R"(.25,"log-level":"info",)",
                         R"("recipient":")", who, R"(","message":{"headers":{"to":")", who,
                         R"(","message-id":")", message_id, R"(","from":")", kOurAddress,
                         R"(","subject":"Re: Order 4521"}},"user-variables":{)", variables,
                         R"(},"delivery-status":{"code":250,"message":"OK"}}})")};
  }
  return Webchat(now_ms,
                 WebchatEnvelope(now_ms, "e2e_2",
                                 absl::StrCat(R"("type":"message.read","read":{)",
                                              R"("server_message_ids":[")", pid, R"("]})")));
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.connector; }

class ReceiptE2ETest : public SenderE2ETest, public ::testing::WithParamInterface<Case> {
 protected:
  static Channel ChannelNamed(const std::string& connector) {
    for (const Channel& c : Channels()) {
      if (c.connector == connector) return c;
    }
    ADD_FAILURE() << "no connector " << connector;
    return Channels().front();
  }
};

TEST_P(ReceiptE2ETest, ReceiptMovesTheReplysStatusAndNamesIt) {
  const Case& c = GetParam();
  const Channel channel = ChannelNamed(c.connector);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());

  const Webhook in = CustomerMessage(c, now_ms);
  ASSERT_EQ(PostWebhook(in.target, in.headers, in.body), 200);
  const std::optional<StoredEntry> customer = FindStored(c.connector, c.message_id);
  ASSERT_TRUE(customer.has_value()) << "the customer's message was not stored";
  const std::string conversation = customer->event.conversation_key();

  Event reply = Reply(channel, c.customer, "It ships today");
  reply.set_conversation_key(conversation);
  std::string id;
  const grpc::Status sent = Send(reply, &id);
  ASSERT_TRUE(sent.ok()) << sent.error_message();
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_SENT))
      << Status(id).DebugString() << senders_->front()->ReadLog();
  const std::string provider_id = Status(id).provider_message_id();
  const auto requests = fake_->requests_for(channel.provider);
  ASSERT_EQ(requests.size(), 1u);

  const Webhook receipt = ReceiptFor(c, provider_id, requests[0], now_ms);
  ASSERT_EQ(PostWebhook(receipt.target, receipt.headers, receipt.body), 200);
  ASSERT_TRUE(WaitState(id, c.state)) << Status(id).DebugString() << ingest_->ReadLog();

  // Stored once, in the reply's conversation, naming the reply.
  int receipts = 0;
  for (const StoredEntry& entry : Entries(queue::PartitionOf(conversation, kPartitions))) {
    if (!entry.event.has_status() || entry.event.status().target_external_id() != provider_id) {
      continue;
    }
    ++receipts;
    EXPECT_EQ(entry.event.conversation_key(), conversation);
    EXPECT_EQ(entry.event.connector(), c.connector);
    const auto named = entry.fields.find("outbound_event_id");
    ASSERT_NE(named, entry.fields.end()) << entry.event.DebugString();
    EXPECT_EQ(named->second, id);
  }
  EXPECT_EQ(receipts, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Channels, ReceiptE2ETest,
    ::testing::Values(
        Case{"fb", "7100000000000077", "m_IN_e2e_fb_0001", GetStatusResponse::STATE_DELIVERED},
        Case{"ig", "17840000000000077", "aWdfIN_e2e_ig_0001", GetStatusResponse::STATE_READ},
        Case{"sms", "+15550100077", "SM0e2e0000000000000000000000000077",
             GetStatusResponse::STATE_DELIVERED},
        Case{"viber", "01234567890Bxyz=", "5491893034500000077",
             GetStatusResponse::STATE_DELIVERED},
        Case{"x", "9876543277", "1890000000000000077", GetStatusResponse::STATE_READ},
        Case{"mail-sg", "rina@example.net", "in-e2e-sg@mail.example.net",
             GetStatusResponse::STATE_DELIVERED},
        Case{"mail-mg", "rina@example.net", "in-e2e-mg@mail.example.net",
             GetStatusResponse::STATE_DELIVERED},
        Case{"web", "visitor-77", "cm_e2e_77", GetStatusResponse::STATE_READ}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return absl::StrReplaceAll(info.param.connector, {{"-", "_"}});
    });

// WhatsApp's status webhook can beat its own send answer (about a second):
// the receipt waits and is applied when the sender records the id.
TEST_F(SenderE2ETest, ReceiptBeforeTheSendAnswerIsNotLost) {
  const std::string customer = "6281200000088";
  const std::string conversation = absl::StrCat("whatsapp:", kPhoneNumberId, ":", customer);
  ASSERT_EQ(CustomerWritesOnWhatsApp(customer, "Dewi", "wamid.IN88", "is it shipped?"), 200);
  const std::string provider_id = "wamid.HBgNNjI4MTIwMDAwMDA4OBUCABEYEkVBUkxZMDAwMDAwMDAwMDg4AA==";
  fakeprovider::FakeAnswer late;
  late.body = absl::StrCat(R"({"messaging_product":"whatsapp","contacts":[{"input":")", customer,
                           R"(","wa_id":")", customer, R"("}],"messages":[{"id":")", provider_id,
                           R"("}]})");
  late.delay = absl::Milliseconds(1500);
  fake_->Script(Provider::kWhatsApp, {late});

  Event reply = Reply(Channels()[0], customer, "Yes, this morning");
  reply.set_conversation_key(conversation);
  std::string id;
  ASSERT_TRUE(Send(reply, &id).ok());
  ASSERT_TRUE(fake_->WaitForRequests(1, absl::Seconds(5)));
  ASSERT_EQ(PostWhatsApp(WhatsAppEnvelope(absl::StrCat(
                R"("statuses":[{"id":")", provider_id, R"(","status":"delivered","timestamp":")",
                absl::ToUnixSeconds(absl::Now()), R"(","recipient_id":")", customer, R"("}])"))),
            200);
  // The answer is still on its way: nothing recorded the provider id yet.
  EXPECT_EQ(Status(id).state(), GetStatusResponse::STATE_QUEUED) << Status(id).DebugString();
  ASSERT_TRUE(WaitState(id, GetStatusResponse::STATE_DELIVERED)) << Status(id).DebugString();
  EXPECT_EQ(Status(id).provider_message_id(), provider_id);
}

}  // namespace
}  // namespace omnigate::e2e
