#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/channels/form_encoding.h"
#include "lib/json/strict_json.h"
#include "lib/outbound/http_request.h"
#include "lib/outbound/outbound_message.h"
#include "rapidjson/pointer.h"

namespace omnigate::outbound::testing {

// A request body parsed strictly; a failed parse fails the test.
inline std::unique_ptr<rapidjson::Document> Json(absl::string_view body) {
  auto doc = json::ParseStrict(body);
  EXPECT_TRUE(doc.ok()) << doc.status() << "\n" << body;
  if (!doc.ok()) return std::make_unique<rapidjson::Document>();
  return *std::move(doc);
}

// The value at a JSON Pointer ("/messages/0/id"), or nullptr.
inline const rapidjson::Value* At(const rapidjson::Document& doc, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(doc);
}
inline std::string Str(const rapidjson::Document& doc, const char* pointer) {
  const rapidjson::Value* v = At(doc, pointer);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                       : "<absent>";
}
inline int64_t Int(const rapidjson::Document& doc, const char* pointer) {
  const rapidjson::Value* v = At(doc, pointer);
  return v != nullptr && v->IsInt64() ? v->GetInt64() : -999;
}
inline bool Bool(const rapidjson::Document& doc, const char* pointer) {
  const rapidjson::Value* v = At(doc, pointer);
  return v != nullptr && v->IsBool() && v->GetBool();
}
inline size_t Size(const rapidjson::Document& doc, const char* pointer) {
  const rapidjson::Value* v = At(doc, pointer);
  if (v == nullptr) return 0;
  if (v->IsArray()) return v->Size();
  if (v->IsObject()) return v->MemberCount();
  return 0;
}

inline std::string Header(const HttpRequest& request, absl::string_view name) {
  const auto value = FindHeader(request.headers, name);
  return value ? std::string(*value) : "<absent>";
}

// A form body as ordered name/value pairs.
inline channels::FormParams Form(absl::string_view body) {
  auto params = channels::ParseUrlEncoded(body);
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? *params : channels::FormParams{};
}
inline std::string Field(const channels::FormParams& form, absl::string_view name) {
  const std::string* value = channels::FindParam(form, name);
  return value != nullptr ? *value : "<absent>";
}
inline std::vector<std::string> Fields(const channels::FormParams& form, absl::string_view name) {
  std::vector<std::string> out;
  for (const auto& [key, value] : form) {
    if (key == name) out.push_back(value);
  }
  return out;
}

inline HttpResponse Response(int status, std::string body, HeaderList headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline MediaAttachment Image(std::string url, std::string caption = "") {
  MediaAttachment media;
  media.kind = omnigate::v1::MediaItem::KIND_IMAGE;
  media.url = std::move(url);
  media.caption = std::move(caption);
  return media;
}

constexpr char kApiBase[] = "http://127.0.0.1:9/api";

}  // namespace omnigate::outbound::testing
