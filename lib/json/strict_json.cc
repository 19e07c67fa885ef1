#include "lib/json/strict_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace omnigate::json {
namespace {

// Without kParseFullPrecisionFlag: that strtod path of RapidJSON 1.1 reads
// out of bounds on some numbers with many digits and a large negative
// exponent. Numbers up to 15 significant digits (coordinates, amounts) still
// parse exactly; ids are read as integers or checked against their text.
constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag;

// Keys in reasons are attacker-controlled: keep them short and printable.
std::string SafeKey(absl::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    out.push_back(
        static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : '?');
  }
  return out;
}

// The longest number token a document may hold. int64 needs 20 characters
// and a double 24; longer ones are refused before parsing (RapidJSON's
// number paths can read out of bounds on very long numbers).
constexpr size_t kMaxNumberChars = 64;

struct PreScan {
  int max_depth = 0;
  size_t longest_number = 0;
  // A \u escape occurs: strings must be checked for lone surrogates, which
  // RapidJSON decodes into invalid UTF-8.
  bool has_unicode_escape = false;
};

// One linear pass outside strings: nesting depth of [ and { (stops early
// past `depth_limit`) and number token lengths.
PreScan Scan(absl::string_view body, int depth_limit) {
  PreScan scan;
  int depth = 0;
  size_t number_run = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        if (i + 1 < body.size() && body[i + 1] == 'u') scan.has_unicode_escape = true;
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    const bool number_char =
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    number_run = number_char ? number_run + 1 : 0;
    scan.longest_number = std::max(scan.longest_number, number_run);
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > scan.max_depth) {
          scan.max_depth = depth;
          if (scan.max_depth > depth_limit) return scan;
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return scan;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Depth is bounded by ParseLimits, so recursion here is bounded too.
// `check_utf8`: strings may hold escaped lone surrogates.
absl::Status CheckTree(const Value& value, bool check_utf8) {
  if (value.IsString()) {
    if (check_utf8 && !IsValidUtf8(absl::string_view(value.GetString(), value.GetStringLength()))) {
      return Malformed("json_invalid_utf8", "an escaped lone surrogate");
    }
    return absl::OkStatus();
  }
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (auto status = CheckTree(item, check_utf8); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (!value.IsObject()) return absl::OkStatus();
  const auto size = value.MemberCount();
  if (size > 1) {
    std::vector<absl::string_view> keys;
    keys.reserve(size);
    for (const auto& m : value.GetObject())
      keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
    std::sort(keys.begin(), keys.end());
    const auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return Malformed(absl::StrCat("json_duplicate_key:", SafeKey(*dup)));
  }
  for (const auto& m : value.GetObject()) {
    if (check_utf8 &&
        !IsValidUtf8(absl::string_view(m.name.GetString(), m.name.GetStringLength()))) {
      return Malformed("json_invalid_utf8", "an escaped lone surrogate in a key");
    }
    if (auto status = CheckTree(m.value, check_utf8); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::string_view KeyName(absl::string_view key) { return key; }

absl::Status TypeMismatch(absl::string_view key) {
  return Malformed(absl::StrCat("schema_type_mismatch:", key));
}

}  // namespace

absl::StatusOr<std::unique_ptr<rapidjson::Document>> ParseStrict(absl::string_view body,
                                                                 const ParseLimits& limits) {
  size_t start = 0;
  while (start < body.size() && IsJsonSpace(body[start])) ++start;
  if (start == body.size()) return Malformed("empty_body");

  const bool has_bom = body.substr(start, 3) == "\xEF\xBB\xBF";
  const absl::string_view text = has_bom ? body.substr(start + 3) : body;

  const PreScan scan = Scan(text, limits.max_depth);
  if (scan.max_depth > limits.max_depth) {
    return Malformed("json_max_depth_exceeded",
                     absl::StrCat("nesting deeper than ", limits.max_depth));
  }
  if (scan.longest_number > kMaxNumberChars) {
    return Malformed("json_number_too_long",
                     absl::StrCat("a number longer than ", kMaxNumberChars, " characters"));
  }

  auto doc = std::make_unique<rapidjson::Document>();
  rapidjson::MemoryStream raw(text.data(), text.size());
  doc->ParseStream<kParseFlags, rapidjson::UTF8<>>(raw);
  if (doc->HasParseError()) {
    if (doc->GetParseError() == rapidjson::kParseErrorStringInvalidEncoding) {
      return Malformed("json_invalid_utf8", absl::StrCat("at offset ", doc->GetErrorOffset()));
    }
    return Malformed(
        absl::StrCat("json_syntax:", rapidjson::GetParseError_En(doc->GetParseError())),
        absl::StrCat("at offset ", doc->GetErrorOffset()));
  }
  size_t end = raw.Tell();
  while (end < text.size() && IsJsonSpace(text[end])) ++end;
  if (end != text.size()) {
    return Malformed("json_trailing_data",
                     absl::StrCat(text.size() - end, " bytes after the document"));
  }
  if (has_bom) return Malformed("json_bom", "a byte-order mark precedes the document");
  // Raw bytes outside strings were validated by the grammar and inside strings
  // by kParseValidateEncodingFlag; escapes are checked in CheckTree.
  if (auto status = CheckTree(*doc, scan.has_unicode_escape); !status.ok()) return status;
  return doc;
}

absl::StatusOr<std::unique_ptr<rapidjson::Document>> ParseStrictObject(absl::string_view body,
                                                                       const ParseLimits& limits) {
  auto doc = ParseStrict(body, limits);
  if (doc.ok() && !(*doc)->IsObject()) return TypeMismatch("body");
  return doc;
}

const Value* Find(const Value& object, absl::string_view key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

absl::Status ExpectObject(const Value* value, absl::string_view name) {
  if (value == nullptr || !value->IsObject()) return TypeMismatch(name);
  return absl::OkStatus();
}

absl::Status ExpectArray(const Value* value, absl::string_view name) {
  if (value == nullptr || !value->IsArray()) return TypeMismatch(name);
  return absl::OkStatus();
}

absl::Status GetString(const Value& object, absl::string_view key, std::string* out) {
  const Value* v = Find(object, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsString()) return TypeMismatch(KeyName(key));
  out->assign(v->GetString(), v->GetStringLength());
  return absl::OkStatus();
}

absl::Status GetBool(const Value& object, absl::string_view key, bool* out) {
  const Value* v = Find(object, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsBool()) return TypeMismatch(key);
  *out = v->GetBool();
  return absl::OkStatus();
}

absl::Status GetDouble(const Value& object, absl::string_view key, double* out) {
  const Value* v = Find(object, key);
  if (v == nullptr) return absl::OkStatus();
  if (v->IsNumber()) {
    *out = v->GetDouble();
  } else if (v->IsString()) {
    if (!absl::SimpleAtod(absl::string_view(v->GetString(), v->GetStringLength()), out))
      return TypeMismatch(key);
  } else {
    return TypeMismatch(key);
  }
  if (!std::isfinite(*out)) return Malformed(absl::StrCat("number_out_of_range:", key));
  return absl::OkStatus();
}

absl::Status GetInt64(const Value& object, absl::string_view key, int64_t* out) {
  const Value* v = Find(object, key);
  if (v == nullptr) return absl::OkStatus();
  if (v->IsInt64()) {
    *out = v->GetInt64();
    return absl::OkStatus();
  }
  if (v->IsNumber()) return Malformed(absl::StrCat("integer_out_of_range:", key));
  if (v->IsString()) {
    if (!absl::SimpleAtoi(absl::string_view(v->GetString(), v->GetStringLength()), out)) {
      return Malformed(absl::StrCat("integer_out_of_range:", key));
    }
    return absl::OkStatus();
  }
  return TypeMismatch(key);
}

absl::Status GetId(const Value& object, absl::string_view key, std::string* out) {
  const Value* v = Find(object, key);
  if (v == nullptr) return absl::OkStatus();
  if (v->IsString()) {
    out->assign(v->GetString(), v->GetStringLength());
  } else if (v->IsUint64()) {
    *out = absl::StrCat(v->GetUint64());
  } else if (v->IsInt64()) {
    *out = absl::StrCat(v->GetInt64());
  } else if (v->IsDouble()) {
    // RapidJSON turns integers beyond 64 bits into doubles too; tell the two apart
    // by magnitude so the reason says what went wrong.
    const double d = v->GetDouble();
    if (std::fabs(d) >= 18446744073709551616.0)
      return Malformed(absl::StrCat("integer_out_of_range:", key));
    return Malformed(absl::StrCat("id_precision_loss:", key),
                     "ids must be integers or strings, not floats");
  } else {
    return TypeMismatch(key);
  }
  return absl::OkStatus();
}

absl::Status GetObject(const Value& object, absl::string_view key, const Value** out) {
  *out = Find(object, key);
  if (*out != nullptr && !(*out)->IsObject()) return TypeMismatch(key);
  return absl::OkStatus();
}

absl::Status GetArray(const Value& object, absl::string_view key, const Value** out) {
  *out = Find(object, key);
  if (*out != nullptr && !(*out)->IsArray()) return TypeMismatch(key);
  return absl::OkStatus();
}

absl::Status RequireString(const Value& object, absl::string_view key, std::string* out) {
  out->clear();
  if (auto status = GetString(object, key, out); !status.ok()) return status;
  if (out->empty()) return Malformed(absl::StrCat("missing_required_field:", key));
  return absl::OkStatus();
}

absl::Status RequireId(const Value& object, absl::string_view key, std::string* out) {
  out->clear();
  if (auto status = GetId(object, key, out); !status.ok()) return status;
  if (out->empty()) return Malformed(absl::StrCat("missing_required_field:", key));
  return absl::OkStatus();
}

absl::Status RequireObject(const Value& object, absl::string_view key, const Value** out) {
  if (auto status = GetObject(object, key, out); !status.ok()) return status;
  if (*out == nullptr) return Malformed(absl::StrCat("missing_required_field:", key));
  return absl::OkStatus();
}

absl::Status RequireArray(const Value& object, absl::string_view key, const Value** out) {
  if (auto status = GetArray(object, key, out); !status.ok()) return status;
  if (*out == nullptr) return Malformed(absl::StrCat("missing_required_field:", key));
  return absl::OkStatus();
}

std::string Serialize(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::Status GetUnixSecondsAsMs(const Value& object, absl::string_view key, int64_t* out_ms) {
  if (Find(object, key) == nullptr) return absl::OkStatus();
  int64_t seconds = 0;
  if (auto status = GetInt64(object, key, &seconds); !status.ok()) return status;
  // Reject values whose milliseconds would overflow or that are negative.
  if (seconds < 0 || seconds > std::numeric_limits<int64_t>::max() / 1000) {
    return Malformed(absl::StrCat("integer_out_of_range:", key));
  }
  *out_ms = seconds * 1000;
  return absl::OkStatus();
}

}  // namespace omnigate::json
