#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace omnigate::outbound {

// A thin streaming writer for request bodies: keys in the order written, no
// DOM. Callers validate UTF-8 first (CheckBasics does).
class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}

  JsonWriter& BeginObject() { return Done(writer_.StartObject()); }
  JsonWriter& EndObject() { return Done(writer_.EndObject()); }
  JsonWriter& BeginArray() { return Done(writer_.StartArray()); }
  JsonWriter& EndArray() { return Done(writer_.EndArray()); }
  JsonWriter& Key(absl::string_view key) {
    return Done(writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  }
  JsonWriter& String(absl::string_view value) {
    return Done(writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size())));
  }
  JsonWriter& Int(int64_t value) { return Done(writer_.Int64(value)); }
  JsonWriter& Bool(bool value) { return Done(writer_.Bool(value)); }

  // Key + value shorthands.
  JsonWriter& Field(absl::string_view key, absl::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& IntField(absl::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& BoolField(absl::string_view key, bool value) { return Key(key).Bool(value); }
  JsonWriter& ObjectField(absl::string_view key) { return Key(key).BeginObject(); }
  JsonWriter& ArrayField(absl::string_view key) { return Key(key).BeginArray(); }

  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  JsonWriter& Done(bool) { return *this; }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace omnigate::outbound
