#pragma once

#include <memory>

#include "lib/json/strict_json.h"
#include "lib/outbound/http_request.h"
#include "lib/outbound/send_result.h"

namespace omnigate::outbound {

// A provider body parsed as a JSON object, or nothing when it is empty, not
// JSON or not an object (proxies answer with HTML).
struct ParsedBody {
  std::unique_ptr<rapidjson::Document> doc;
  const json::Value* root() const { return doc ? doc.get() : nullptr; }
};
ParsedBody ParseBody(const HttpResponse& response);

// A string (or exact integer) member of `object`, "" when absent or of
// another type.
std::string StringAt(const json::Value* object, absl::string_view key);
// A member object, or nullptr.
const json::Value* ObjectAt(const json::Value* object, absl::string_view key);
// The first element of an array member when it is an object, or nullptr.
const json::Value* FirstObjectIn(const json::Value* object, absl::string_view key);

// For a 2xx answer the body should have named the message: without an id the
// outcome is transient (the provider's answer is unreadable, so a retry is
// the lesser evil next to a silent loss).
SendOutcome SentOrUnreadable(const HttpResponse& response, std::string id);

// For a body that did not parse: 2xx as SentOrUnreadable without an id,
// anything else by ClassifyByStatus.
SendOutcome ClassifyUnparsed(const HttpResponse& response);

}  // namespace omnigate::outbound
