#include "tools/fake_provider/default_answers.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/json/strict_json.h"
#include "rapidjson/pointer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace omnigate::fakeprovider {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Bases that give the ids the providers' own lengths.
constexpr uint64_t kLineIdBase = 461230966842000000;
constexpr int64_t kViberTokenBase = 5741311803571720000;
constexpr uint64_t kXEventBase = 1582838000000000000;
constexpr char kXSelfId[] = "1346889436626259968";

// The request body as JSON, or null when it is not a JSON object.
std::unique_ptr<rapidjson::Document> ParseJson(absl::string_view body) {
  auto doc = json::ParseStrictObject(body);
  return doc.ok() ? *std::move(doc) : nullptr;
}

// A string, or an integer as text, at a JSON Pointer; "" otherwise.
std::string At(const rapidjson::Document* doc, const char* pointer) {
  if (doc == nullptr) return "";
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(*doc);
  if (v == nullptr) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsInt64()) return absl::StrCat(v->GetInt64());
  if (v->IsUint64()) return absl::StrCat(v->GetUint64());
  return "";
}

void Str(Writer& w, absl::string_view key, absl::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// A string member, or null when empty (Twilio's style for unset fields).
void StrOrNull(Writer& w, absl::string_view key, absl::string_view value) {
  if (!value.empty()) return Str(w, key, value);
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Null();
}

void Int(Writer& w, absl::string_view key, int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}

http::Response Answer(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

http::Response ErrorAnswer(int status, absl::string_view error) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "error", error);
  w.EndObject();
  return Answer(status, buffer.GetString());
}

std::vector<absl::string_view> Segments(absl::string_view path) {
  return absl::StrSplit(absl::StripPrefix(path, "/"), '/');
}

http::Response WhatsApp(const RecordedRequest& r, uint64_t seq) {
  const auto doc = ParseJson(r.body);
  const std::string to = At(doc.get(), "/to");
  std::string wa_id;
  for (const char c : to) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) wa_id.push_back(c);
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "messaging_product", "whatsapp");
  w.Key("contacts");
  w.StartArray();
  w.StartObject();
  Str(w, "input", to);
  Str(w, "wa_id", wa_id);
  w.EndObject();
  w.EndArray();
  w.Key("messages");
  w.StartArray();
  w.StartObject();
  Str(w, "id", absl::StrFormat("wamid.FAKE%010d", seq));
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return Answer(200, buffer.GetString());
}

http::Response Messenger(const RecordedRequest& r, uint64_t seq, bool instagram) {
  const auto doc = ParseJson(r.body);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "recipient_id", At(doc.get(), "/recipient/id"));
  Str(w, "message_id", absl::StrFormat(instagram ? "aWdfFAKE%010d" : "m_FAKE%010d", seq));
  w.EndObject();
  return Answer(200, buffer.GetString());
}

http::Response Telegram(const RecordedRequest& r, uint64_t seq, absl::Time now) {
  // Telegram takes parameters as JSON, a form or the query.
  const auto doc = ParseJson(r.body);
  const FormFields form = ParseForm(doc ? "" : absl::StrCat(r.body, "&", r.query));
  auto param = [&](const char* name) {
    return doc ? At(doc.get(), absl::StrCat("/", name).c_str()) : FormValue(form, name);
  };
  int64_t chat = 0;
  if (!absl::SimpleAtoi(param("chat_id"), &chat)) chat = -1000000000001;  // "@channel"
  const std::vector<absl::string_view> s = Segments(r.provider_path);
  int64_t bot_id = 0;
  const absl::string_view token = absl::StripPrefix(s[0], "bot");
  if (!absl::SimpleAtoi(token.substr(0, token.find(':')), &bot_id)) bot_id = 1;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("ok");
  w.Bool(true);
  w.Key("result");
  w.StartObject();
  Int(w, "message_id", static_cast<int64_t>(seq));
  w.Key("from");
  w.StartObject();
  Int(w, "id", bot_id);
  w.Key("is_bot");
  w.Bool(true);
  Str(w, "first_name", "Fake Bot");
  Str(w, "username", "fake_bot");
  w.EndObject();
  w.Key("chat");
  w.StartObject();
  Int(w, "id", chat);
  Str(w, "type", chat < 0 ? "supergroup" : "private");
  w.EndObject();
  Int(w, "date", absl::ToUnixSeconds(now));
  if (const std::string text = param("text"); !text.empty()) Str(w, "text", text);
  if (const std::string caption = param("caption"); !caption.empty()) Str(w, "caption", caption);
  w.EndObject();
  w.EndObject();
  return Answer(200, buffer.GetString());
}

http::Response Line(const RecordedRequest& r, uint64_t seq) {
  const auto doc = ParseJson(r.body);
  const rapidjson::Value* messages = doc ? rapidjson::Pointer("/messages").Get(*doc) : nullptr;
  const rapidjson::SizeType count =
      messages != nullptr && messages->IsArray() && !messages->Empty() ? messages->Size() : 1;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("sentMessages");
  w.StartArray();
  for (rapidjson::SizeType i = 0; i < count; ++i) {
    const std::string id = absl::StrCat(kLineIdBase + seq * 8 + i);
    const std::string type = At(doc.get(), absl::StrCat("/messages/", i, "/type").c_str());
    w.StartObject();
    Str(w, "id", id);
    // Only quotable types get a quote token (not audio, for one).
    if (type == "text" || type == "image" || type == "video" || type == "sticker") {
      Str(w, "quoteToken", absl::StrCat("q", id, "FakeQuoteToken"));
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  http::Response response = Answer(200, buffer.GetString());
  response.headers.emplace_back("x-line-request-id", absl::StrFormat("fake-request-%010d", seq));
  return response;
}

http::Response Twilio(const RecordedRequest& r, uint64_t seq, absl::Time now) {
  const FormFields form = ParseForm(r.body);
  const std::string account(Segments(r.provider_path)[2]);  // 2010-04-01/Accounts/{sid}
  const std::string service = FormValue(form, "MessagingServiceSid");
  size_t media = 0;
  for (const auto& [name, value] : form) media += name == "MediaUrl" ? 1 : 0;
  const std::string sid = absl::StrFormat("%s%032x", media > 0 ? "MM" : "SM", seq);
  const std::string date =
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now, absl::UTCTimeZone());
  const std::string uri = absl::StrCat("/2010-04-01/Accounts/", account, "/Messages/", sid);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "account_sid", account);
  Str(w, "api_version", "2010-04-01");
  Str(w, "body", FormValue(form, "Body"));
  Str(w, "date_created", date);
  w.Key("date_sent");
  w.Null();
  Str(w, "date_updated", date);
  Str(w, "direction", "outbound-api");
  w.Key("error_code");
  w.Null();
  w.Key("error_message");
  w.Null();
  StrOrNull(w, "from", FormValue(form, "From"));
  StrOrNull(w, "messaging_service_sid", service);
  Str(w, "num_media", absl::StrCat(media));
  Str(w, "num_segments", "1");
  w.Key("price");
  w.Null();
  Str(w, "price_unit", "USD");
  Str(w, "sid", sid);
  // With a Messaging Service the first status is "accepted" (6.2).
  Str(w, "status", service.empty() ? "queued" : "accepted");
  w.Key("subresource_uris");
  w.StartObject();
  Str(w, "media", absl::StrCat(uri, "/Media.json"));
  w.EndObject();
  Str(w, "to", FormValue(form, "To"));
  Str(w, "uri", absl::StrCat(uri, ".json"));
  w.EndObject();
  return Answer(201, buffer.GetString());
}

http::Response Viber(uint64_t seq) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Int(w, "status", 0);
  Str(w, "status_message", "ok");
  Int(w, "message_token", kViberTokenBase + static_cast<int64_t>(seq));
  Str(w, "chat_hostname", "SN-CHAT-05_");
  Int(w, "billing_status", 1);
  w.EndObject();
  return Answer(200, buffer.GetString());
}

http::Response X(const RecordedRequest& r, uint64_t seq, absl::Time now) {
  const std::vector<absl::string_view> s = Segments(r.provider_path);
  // "/2/dm_conversations/with/{participant}/messages" or "/2/dm_conversations/{id}/messages".
  const std::string conversation =
      s[2] == "with" ? absl::StrCat(s[3], "-", kXSelfId) : std::string(s[2]);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartObject();
  Str(w, "dm_conversation_id", conversation);
  Str(w, "dm_event_id", absl::StrCat(kXEventBase + seq));
  w.EndObject();
  w.EndObject();
  http::Response response = Answer(201, buffer.GetString());
  // X sends its rate limit headers on every answer (8.3).
  response.headers.emplace_back("x-rate-limit-limit", "200");
  response.headers.emplace_back("x-rate-limit-remaining", "199");
  response.headers.emplace_back("x-rate-limit-reset",
                                absl::StrCat(absl::ToUnixSeconds(now + absl::Minutes(15))));
  return response;
}

http::Response SendGrid(uint64_t seq) {
  http::Response response = Answer(202, "");
  response.content_type.clear();
  response.headers.emplace_back("X-Message-Id", absl::StrFormat("FakeSendGridId%08d", seq));
  return response;
}

http::Response Mailgun(const RecordedRequest& r, uint64_t seq) {
  const std::string domain(Segments(r.provider_path)[1]);
  // The answer's id is the Message-ID the mail went out with: the sender's
  // own h:Message-Id when it set one, else one Mailgun makes up.
  std::string id = FormValue(ParseForm(r.body), "h:Message-Id");
  if (id.empty()) id = absl::StrFormat("<20260101000000.%016x@%s>", seq, domain);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "id", id);
  Str(w, "message", "Queued. Thank you.");
  w.EndObject();
  return Answer(200, buffer.GetString());
}

http::Response Webchat(const RecordedRequest& r, uint64_t seq) {
  const auto doc = ParseJson(r.body);
  std::string id = At(doc.get(), "/delivery_id");
  if (id.empty()) id = absl::StrFormat("wc_FAKE%010d", seq);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "id", id);
  w.EndObject();
  return Answer(200, buffer.GetString());
}

}  // namespace

http::Response DefaultAnswer(const RecordedRequest& request, uint64_t seq, absl::Time now) {
  if (!request.provider) {
    return ErrorAnswer(404, absl::StrCat("fake provider: no provider at ", request.path));
  }
  const Provider provider = *request.provider;
  if (!IsSendPath(provider, request.provider_path)) {
    if (provider == Provider::kTelegram) {
      return Answer(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
    }
    return ErrorAnswer(404, absl::StrCat("fake ", ProviderName(provider), ": no send endpoint at ",
                                         request.provider_path));
  }
  if (request.method != "POST") return ErrorAnswer(405, "method not allowed");
  switch (provider) {
    case Provider::kWhatsApp:
      return WhatsApp(request, seq);
    case Provider::kMessenger:
      return Messenger(request, seq, /*instagram=*/false);
    case Provider::kInstagram:
      return Messenger(request, seq, /*instagram=*/true);
    case Provider::kTelegram:
      return Telegram(request, seq, now);
    case Provider::kLine:
      return Line(request, seq);
    case Provider::kTwilio:
      return Twilio(request, seq, now);
    case Provider::kViber:
      return Viber(seq);
    case Provider::kX:
      return X(request, seq, now);
    case Provider::kSendGrid:
      return SendGrid(seq);
    case Provider::kMailgun:
      return Mailgun(request, seq);
    case Provider::kWebchat:
      return Webchat(request, seq);
  }
  return ErrorAnswer(500, "fake provider: unknown provider");
}

}  // namespace omnigate::fakeprovider
