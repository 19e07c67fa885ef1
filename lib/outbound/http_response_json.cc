#include "lib/outbound/http_response_json.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace omnigate::outbound {

ParsedBody ParseBody(const HttpResponse& response) {
  ParsedBody parsed;
  auto doc = json::ParseStrictObject(response.body);
  if (doc.ok()) parsed.doc = *std::move(doc);
  return parsed;
}

std::string StringAt(const json::Value* object, absl::string_view key) {
  if (object == nullptr || !object->IsObject()) return "";
  std::string out;
  if (!json::GetId(*object, key, &out).ok()) return "";
  return out;
}

const json::Value* ObjectAt(const json::Value* object, absl::string_view key) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const json::Value* member = json::Find(*object, key);
  return member != nullptr && member->IsObject() ? member : nullptr;
}

const json::Value* FirstObjectIn(const json::Value* object, absl::string_view key) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const json::Value* member = json::Find(*object, key);
  if (member == nullptr || !member->IsArray() || member->Empty()) return nullptr;
  const json::Value& first = (*member)[0];
  return first.IsObject() ? &first : nullptr;
}

SendOutcome SentOrUnreadable(const HttpResponse& response, std::string id) {
  if (!id.empty()) return Sent(std::move(id));
  return Failed(SendOutcome::kTransient, "unreadable_response",
                absl::StrCat("HTTP ", response.status,
                             " without a message id: ", BodySnippet(response.body)));
}

SendOutcome ClassifyUnparsed(const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300) return SentOrUnreadable(response, "");
  return ClassifyByStatus(response);
}

}  // namespace omnigate::outbound
