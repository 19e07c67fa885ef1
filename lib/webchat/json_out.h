#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace omnigate::webchat {

// A streaming JSON writer for the widget API's answers: keys in the order
// written, strings escaped by rapidjson (so visitor text can never break
// out of a string).
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}

  JsonOut& BeginObject() { return Done(writer_.StartObject()); }
  JsonOut& EndObject() { return Done(writer_.EndObject()); }
  JsonOut& BeginArray() { return Done(writer_.StartArray()); }
  JsonOut& EndArray() { return Done(writer_.EndArray()); }
  JsonOut& Key(absl::string_view key) {
    return Done(writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  }
  JsonOut& String(absl::string_view value) {
    return Done(writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size())));
  }
  JsonOut& Int(int64_t value) { return Done(writer_.Int64(value)); }
  JsonOut& Bool(bool value) { return Done(writer_.Bool(value)); }
  // Already-serialized JSON (a stored transcript entry).
  JsonOut& Raw(absl::string_view json) {
    return Done(writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType));
  }

  JsonOut& Field(absl::string_view key, absl::string_view value) { return Key(key).String(value); }
  JsonOut& IntField(absl::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonOut& BoolField(absl::string_view key, bool value) { return Key(key).Bool(value); }

  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  JsonOut& Done(bool) { return *this; }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace omnigate::webchat
