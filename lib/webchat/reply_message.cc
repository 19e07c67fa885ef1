#include "lib/webchat/reply_message.h"

#include "absl/strings/match.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/json/strict_json.h"
#include "lib/webchat/json_out.h"
#include "lib/webchat/visitor_token.h"

namespace omnigate::webchat {
namespace {

using json::Value;

bool IsWebUrl(absl::string_view url) {
  return absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://");
}

absl::Status WriteQuickReplies(const Value& message, JsonOut* out) {
  const Value* replies = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "quick_replies", &replies));
  out->Key("quick_replies").BeginArray();
  if (replies != nullptr) {
    for (const Value& option : replies->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&option, "quick_replies[]"));
      std::string payload, title;
      OG_RETURN_IF_ERROR(json::GetString(option, "payload", &payload));
      OG_RETURN_IF_ERROR(json::GetString(option, "title", &title));
      out->BeginObject().Field("payload", payload).Field("title", title).EndObject();
    }
  }
  out->EndArray();
  return absl::OkStatus();
}

absl::Status WriteAttachments(const Value& message, JsonOut* out) {
  const Value* attachments = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "attachments", &attachments));
  out->Key("attachments").BeginArray();
  if (attachments != nullptr) {
    for (const Value& item : attachments->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&item, "attachments[]"));
      std::string url, mime, name, caption;
      OG_RETURN_IF_ERROR(json::GetString(item, "url", &url));
      OG_RETURN_IF_ERROR(json::GetString(item, "mime_type", &mime));
      OG_RETURN_IF_ERROR(json::GetString(item, "filename", &name));
      OG_RETURN_IF_ERROR(json::GetString(item, "caption", &caption));
      if (!IsWebUrl(url)) continue;  // javascript:, data: ... never reach a page
      out->BeginObject().Field("url", url).Field("mime_type", mime).Field("filename", name);
      out->Field("caption", caption).EndObject();
    }
  }
  out->EndArray();
  return absl::OkStatus();
}

absl::StatusOr<ReplyForVisitor> ParseOne(const Value& item, int64_t now_ms) {
  std::string type;
  OG_RETURN_IF_ERROR(json::RequireString(item, "type", &type));
  if (type != "message.created") return Malformed("unsupported_type", type);
  const Value* session = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "session", &session));
  ReplyForVisitor reply;
  OG_RETURN_IF_ERROR(json::RequireString(*session, "id", &reply.visitor_id));
  if (!IsSafeId(reply.visitor_id)) return Malformed("bad_session_id");
  std::string role = "bot";
  const Value* author = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(item, "author", &author));
  if (author != nullptr) OG_RETURN_IF_ERROR(json::GetString(*author, "role", &role));
  if (role != "bot" && role != "agent") role = "bot";
  const Value* message = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "message", &message));
  OG_RETURN_IF_ERROR(json::RequireString(*message, "server_message_id", &reply.message_id));
  if (!IsSafeId(reply.message_id)) return Malformed("bad_server_message_id");
  std::string text;
  OG_RETURN_IF_ERROR(json::GetString(*message, "text", &text));

  JsonOut out;
  out.BeginObject().Field("id", reply.message_id).Field("role", role).Field("text", text);
  out.IntField("at", now_ms);
  OG_RETURN_IF_ERROR(WriteQuickReplies(*message, &out));
  OG_RETURN_IF_ERROR(WriteAttachments(*message, &out));
  out.EndObject();
  reply.json = out.Take();
  return reply;
}

}  // namespace

absl::StatusOr<std::vector<ReplyForVisitor>> ParseReplyBatch(absl::string_view body,
                                                             int64_t now_ms) {
  auto doc = json::ParseStrictObject(body);
  if (!doc.ok()) return doc.status();
  const Value* events = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(**doc, "events", &events));
  std::vector<ReplyForVisitor> replies;
  for (const Value& item : events->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&item, "events[]"));
    auto reply = ParseOne(item, now_ms);
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  return replies;
}

}  // namespace omnigate::webchat
