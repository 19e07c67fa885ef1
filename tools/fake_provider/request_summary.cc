#include "tools/fake_provider/request_summary.h"

#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/json/strict_json.h"
#include "rapidjson/pointer.h"
#include "tools/fake_provider/form_fields.h"

namespace omnigate::fakeprovider {
namespace {

constexpr size_t kMaxText = 120;

// A string, or an integer as text, at the first JSON Pointer that has one.
std::string First(const rapidjson::Document* doc, std::initializer_list<const char*> pointers) {
  if (doc == nullptr) return "";
  for (const char* pointer : pointers) {
    const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(*doc);
    if (v == nullptr) continue;
    if (v->IsString() && v->GetStringLength() > 0)
      return std::string(v->GetString(), v->GetStringLength());
    if (v->IsInt64()) return absl::StrCat(v->GetInt64());
  }
  return "";
}

// Quoted, on one line, cut at a character boundary.
std::string Quoted(absl::string_view text) {
  std::string line = absl::StrReplaceAll(text, {{"\r", ""}, {"\n", "\\n"}});
  if (line.size() > kMaxText) {
    size_t cut = kMaxText;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = absl::StrCat(line.substr(0, cut), "...");
  }
  return absl::StrCat("'", line, "'");
}

struct Gist {
  std::string recipient;
  std::string kind;  // "photo", "template", ...: shown in brackets
  std::string text;
};

Gist Extract(const RecordedRequest& r) {
  Gist g;
  auto parsed = json::ParseStrictObject(r.body);
  const std::unique_ptr<rapidjson::Document> doc = parsed.ok() ? *std::move(parsed) : nullptr;
  const rapidjson::Document* d = doc.get();
  const FormFields form = doc ? FormFields{} : ParseForm(r.body);
  const std::vector<absl::string_view> path =
      absl::StrSplit(absl::StripPrefix(r.provider_path, "/"), '/');
  switch (r.provider.value_or(Provider::kWebchat)) {
    case Provider::kWhatsApp:
      g.recipient = First(d, {"/to"});
      g.kind = First(d, {"/type"});
      g.text = First(d, {"/text/body", "/interactive/body/text", "/image/caption", "/video/caption",
                         "/document/caption", "/template/name"});
      if (g.kind == "text") g.kind.clear();
      break;
    case Provider::kMessenger:
    case Provider::kInstagram:
      g.recipient = First(d, {"/recipient/id"});
      g.kind = First(d, {"/message/attachment/type"});
      g.text = First(d, {"/message/text", "/message/attachment/payload/url"});
      break;
    case Provider::kTelegram:
      g.recipient = doc ? First(d, {"/chat_id"}) : FormValue(form, "chat_id");
      if (path.size() == 2 && path[1] != "sendMessage") {
        g.kind = std::string(absl::StripPrefix(path[1], "send"));
      }
      g.text = doc ? First(d, {"/text", "/caption"}) : FormValue(form, "text");
      break;
    case Provider::kLine:
      g.recipient = First(d, {"/to"});
      if (g.recipient.empty() && !First(d, {"/replyToken"}).empty()) g.recipient = "(reply)";
      g.text = First(d, {"/messages/0/text", "/messages/1/text", "/messages/0/originalContentUrl"});
      break;
    case Provider::kTwilio:
      g.recipient = FormValue(form, "To");
      g.text = FormValue(form, "Body");
      if (g.text.empty()) g.text = FormValue(form, "MediaUrl");
      break;
    case Provider::kViber:
      g.recipient = First(d, {"/receiver"});
      g.kind = First(d, {"/type"});
      g.text = First(d, {"/text", "/media"});
      if (g.kind == "text") g.kind.clear();
      break;
    case Provider::kX:
      g.recipient = path.size() >= 4 && path[2] == "with" ? std::string(path[3]) : "";
      g.text = First(d, {"/text"});
      break;
    case Provider::kSendGrid:
      g.recipient = First(d, {"/personalizations/0/to/0/email"});
      g.text = First(d, {"/subject"});
      break;
    case Provider::kMailgun:
      g.recipient = FormValue(form, "to");
      g.text = FormValue(form, "subject");
      break;
    case Provider::kWebchat:
      g.recipient = First(d, {"/events/0/session/id", "/to"});
      g.text = First(d, {"/events/0/message/text", "/text"});
      break;
  }
  return g;
}

}  // namespace

std::string SummarizeRequest(const RecordedRequest& request) {
  std::string line;
  if (!request.provider) {
    line = absl::StrCat("? ", request.method, " ", request.path);
  } else {
    const Gist g = Extract(request);
    line = absl::StrCat(ProviderName(*request.provider), " → ",
                        g.recipient.empty() ? "?" : g.recipient, ":");
    if (!g.kind.empty()) absl::StrAppend(&line, " [", g.kind, "]");
    if (!g.text.empty()) absl::StrAppend(&line, " ", Quoted(g.text));
  }
  if (request.answered_status < 200 || request.answered_status >= 300) {
    absl::StrAppend(&line, " (answered ", request.answered_status, ")");
  }
  return line;
}

}  // namespace omnigate::fakeprovider
