#include "tools/loadgen/payloads.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"

namespace omnigate::loadgen {
namespace {

using omnigate::v1::Channel;

// Filler text of about `bytes` bytes, JSON- and form-safe as is.
std::string Text(int64_t seq, size_t bytes) {
  std::string text = absl::StrCat("load message ", seq, " ");
  while (text.size() < bytes) text.push_back(static_cast<char>('a' + text.size() % 26));
  return text;
}

std::string FormEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ') {
      out.push_back('+');
    } else if (isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

WebhookRequest Json(std::string body) {
  WebhookRequest r;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

std::string Meta(absl::string_view object, const WebhookSpec& s, int64_t seq, int64_t now_s) {
  const int64_t sender = 7000000000000000 + seq % s.senders;
  return absl::StrCat(R"({"object":")", object, R"(","entry":[{"id":"100000000000101","time":)",
                      now_s * 1000, R"(,"messaging":[{"sender":{"id":")", sender,
                      R"("},"recipient":{"id":"100000000000101"},"timestamp":)", now_s * 1000,
                      R"(,"message":{"mid":"m_)", s.run_id, "_", seq, R"(","text":")",
                      Text(seq, s.text_bytes), R"("}}]}]})");
}

std::string HubSignature(const WebhookSpec& s, absl::string_view body) {
  return absl::StrCat("sha256=", HexEncode(crypto::HmacSha256(s.secret, body)));
}

}  // namespace

bool SupportsWebhookChannel(Channel channel) {
  switch (channel) {
    case omnigate::v1::CHANNEL_WHATSAPP:
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM:
    case omnigate::v1::CHANNEL_TELEGRAM:
    case omnigate::v1::CHANNEL_LINE:
    case omnigate::v1::CHANNEL_TWILIO:
    case omnigate::v1::CHANNEL_VIBER:
    case omnigate::v1::CHANNEL_X:
    case omnigate::v1::CHANNEL_WEBCHAT:
    case omnigate::v1::CHANNEL_EMAIL:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<WebhookRequest> BuildWebhook(const WebhookSpec& s, int64_t seq, int64_t now_s) {
  const std::string text = Text(seq, s.text_bytes);
  const int64_t customer = seq % s.senders;
  switch (s.channel) {
    case omnigate::v1::CHANNEL_WHATSAPP: {
      WebhookRequest r = Json(absl::StrCat(
          R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Load"},"wa_id":")",
          12025550000 + customer, R"("}],"messages":[{"from":")", 12025550000 + customer,
          R"(","id":"wamid.)", s.run_id, ".", seq, R"(","timestamp":")", now_s,
          R"(","type":"text","text":{"body":")", text, R"("}}]}}]}]})"));
      r.headers.emplace_back("X-Hub-Signature-256", HubSignature(s, r.body));
      return r;
    }
    case omnigate::v1::CHANNEL_MESSENGER:
    case omnigate::v1::CHANNEL_INSTAGRAM: {
      WebhookRequest r = Json(
          Meta(s.channel == omnigate::v1::CHANNEL_MESSENGER ? "page" : "instagram", s, seq, now_s));
      r.headers.emplace_back("X-Hub-Signature-256", HubSignature(s, r.body));
      return r;
    }
    case omnigate::v1::CHANNEL_TELEGRAM: {
      WebhookRequest r = Json(
          absl::StrCat(R"({"update_id":)", 100000000 + seq, R"(,"message":{"message_id":)", seq + 1,
                       R"(,"from":{"id":)", 500000000 + customer,
                       R"(,"is_bot":false,"first_name":"Load"},"chat":{"id":)",
                       500000000 + customer, R"(,"first_name":"Load","type":"private"},"date":)",
                       now_s, R"(,"text":")", text, R"("}})"));
      r.headers.emplace_back("X-Telegram-Bot-Api-Secret-Token", s.secret);
      return r;
    }
    case omnigate::v1::CHANNEL_LINE: {
      WebhookRequest r = Json(absl::StrCat(
          R"({"destination":"Ubd11a21097ee37fcdda37fe0ca1d3222","events":[{"type":"message","webhookEventId":"LG)",
          s.run_id, seq, R"(","deliveryContext":{"isRedelivery":false},"timestamp":)", now_s * 1000,
          R"(,"source":{"type":"user","userId":"U)", absl::Hex(customer, absl::kZeroPad16),
          absl::Hex(customer, absl::kZeroPad16), R"("},"mode":"active","replyToken":"r)", seq,
          R"(","message":{"type":"text","id":")", s.run_id, seq, R"(","text":")", text,
          R"("}}]})"));
      r.content_type = "application/json; charset=utf-8";
      r.headers.emplace_back("X-Line-Signature",
                             Base64Encode(crypto::HmacSha256(s.secret, r.body)));
      return r;
    }
    case omnigate::v1::CHANNEL_VIBER: {
      WebhookRequest r = Json(absl::StrCat(
          R"({"event":"message","timestamp":)", now_s * 1000,
          R"(,"chat_hostname":"SN-CHAT-07_","message_token":)", 5491893034500000000 + seq,
          R"(,"sender":{"id":"LOAD)", customer, R"(==","name":"Load","api_version":10},)",
          R"("message":{"text":")", text, R"(","type":"text"},"silent":false})"));
      r.headers.emplace_back("X-Viber-Content-Signature",
                             HexEncode(crypto::HmacSha256(s.secret, r.body)));
      return r;
    }
    case omnigate::v1::CHANNEL_X: {
      WebhookRequest r = Json(absl::StrCat(
          R"({"for_user_id":"1600000000000000001","direct_message_events":[{"type":"message_create","id":")",
          1890000000000000000 + seq, R"(","created_timestamp":")", now_s * 1000,
          R"(","message_create":{"target":{"recipient_id":"1600000000000000001"},"sender_id":")",
          1500000000000000000 + customer, R"(","message_data":{"text":")", text, R"("}}}]})"));
      r.headers.emplace_back(
          "x-twitter-webhooks-signature",
          absl::StrCat("sha256=", Base64Encode(crypto::HmacSha256(s.secret, r.body))));
      return r;
    }
    case omnigate::v1::CHANNEL_WEBCHAT: {
      WebhookRequest r = Json(absl::StrCat(
          R"({"schema_version":1,"site_id":"site_load","delivery_id":"dlv_)", s.run_id, "_", seq,
          R"(","events":[{"event_id":"evt_)", s.run_id, "_", seq,
          R"(","type":"message.created","session":{"id":"ses_)", customer,
          R"(","visitor_id":"vis_)", customer, R"("},"message":{"client_message_id":"cm_)", seq,
          R"(","text":")", text, R"(","attachments":[]}}]})"));
      r.content_type = "application/json; charset=utf-8";
      const std::string mac =
          HexEncode(crypto::HmacSha256(s.secret, absl::StrCat(now_s, ".", r.body)));
      r.headers.emplace_back("X-Webchat-Signature", absl::StrCat("t=", now_s, ",v1=", mac));
      return r;
    }
    case omnigate::v1::CHANNEL_TWILIO: {
      // Twilio signs URL + name/value pairs in name order.
      std::map<std::string, std::string> params = {
          {"AccountSid", "ACc634eb09bb16410602227e1487375157"},
          {"Body", text},
          {"From", absl::StrCat("+1202555", 1000 + customer % 9000)},
          {"MessageSid", absl::StrCat("SM", s.run_id, seq)},
          {"NumMedia", "0"},
          {"SmsMessageSid", absl::StrCat("SM", s.run_id, seq)},
          {"SmsStatus", "received"},
          {"To", "+12025550100"},
          {"ApiVersion", "2010-04-01"}};
      WebhookRequest r;
      r.content_type = "application/x-www-form-urlencoded; charset=UTF-8";
      std::string signed_text = s.public_url;
      for (const auto& [name, value] : params) {
        if (!r.body.empty()) r.body.push_back('&');
        absl::StrAppend(&r.body, name, "=", FormEscape(value));
        absl::StrAppend(&signed_text, name, value);
      }
      r.headers.emplace_back("X-Twilio-Signature",
                             Base64Encode(crypto::HmacSha1(s.secret, signed_text)));
      return r;
    }
    case omnigate::v1::CHANNEL_EMAIL: {
      // Mailgun's parsed-message form; it signs timestamp + token with the
      // webhook signing key, the token unique per delivery.
      const std::string token = absl::StrCat("tok", s.run_id, "x", seq);
      const std::vector<std::pair<std::string, std::string>> fields = {
          {"recipient", "support@inbound.example.com"},
          {"sender", absl::StrCat("customer", customer, "@example.org")},
          {"from", absl::StrCat("Customer ", customer, " <customer", customer, "@example.org>")},
          {"subject", absl::StrCat("Order question ", seq)},
          {"body-plain", text},
          {"stripped-text", text},
          {"Message-Id", absl::StrCat("<", s.run_id, ".", seq, "@mail.example.org>")},
          {"timestamp", absl::StrCat(now_s)},
          {"token", token},
          {"signature", HexEncode(crypto::HmacSha256(s.secret, absl::StrCat(now_s, token)))}};
      WebhookRequest r;
      r.content_type = "application/x-www-form-urlencoded";
      for (const auto& [name, value] : fields) {
        if (!r.body.empty()) r.body.push_back('&');
        absl::StrAppend(&r.body, name, "=", FormEscape(value));
      }
      return r;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("no webhook builder for channel ", static_cast<int>(s.channel)));
  }
}

omnigate::v1::Event BuildEvent(absl::string_view run_id, int64_t seq, int conversations,
                               size_t text_bytes) {
  omnigate::v1::Event e;
  const int64_t c = seq % std::max(1, conversations);
  e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  e.set_connector("loadgen");
  e.set_account_id("site-load");
  e.set_conversation_key(absl::StrCat("webchat:site-load:visitor-", c));
  e.set_external_id(absl::StrCat("lg-", run_id, "-", seq));
  e.mutable_sender()->set_id(absl::StrCat("visitor-", c));
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  e.mutable_text()->set_body(Text(seq, text_bytes));
  return e;
}

}  // namespace omnigate::loadgen
