#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace omnigate::json {

using Value = rapidjson::Value;

struct ParseLimits {
  // Deepest nesting of arrays and objects accepted. Checked before parsing so
  // a parser bomb costs one linear scan.
  int max_depth = 64;
};

// Parses `body` as exactly one JSON document, strictly:
//  - empty body                      -> "empty_body"
//  - nesting deeper than max_depth   -> "json_max_depth_exceeded"
//  - invalid UTF-8 anywhere          -> "json_invalid_utf8"
//  - a second document or other data after the first -> "json_trailing_data"
//  - a byte-order mark               -> "json_bom"
//  - the same key twice in an object -> "json_duplicate_key:<key>"
//  - any other syntax error          -> "json_syntax:<rapidjson error>"
// All rejections are INVALID_ARGUMENT built with omnigate::Reject.
// Numbers keep full precision: integers up to 64 bits are exact; larger ones
// and anything with a fraction or exponent become doubles, which the id
// accessors below refuse.
absl::StatusOr<std::unique_ptr<rapidjson::Document>> ParseStrict(absl::string_view body,
                                                                 const ParseLimits& limits = {});

// ParseStrict for a body whose top level must be an object, as every JSON
// webhook's is: "schema_type_mismatch:body" otherwise.
absl::StatusOr<std::unique_ptr<rapidjson::Document>> ParseStrictObject(
    absl::string_view body, const ParseLimits& limits = {});

// ---- Typed access with precise rejections -------------------------------
// Field names in reasons are the JSON key as written (e.g.
// "schema_type_mismatch:events"). Absent and null are treated alike.

// The member `key` of `object`, or nullptr when absent or null.
const Value* Find(const Value& object, absl::string_view key);

// Requires `value` to be an object; "schema_type_mismatch:<name>" otherwise.
absl::Status ExpectObject(const Value* value, absl::string_view name);
absl::Status ExpectArray(const Value* value, absl::string_view name);

// Optional members: leave `out` untouched when absent or null.
absl::Status GetString(const Value& object, absl::string_view key, std::string* out);
absl::Status GetBool(const Value& object, absl::string_view key, bool* out);
absl::Status GetDouble(const Value& object, absl::string_view key, double* out);
// Integers: a JSON integer or a decimal string; fractions, exponents and
// values beyond int64 are refused ("integer_out_of_range:<key>").
absl::Status GetInt64(const Value& object, absl::string_view key, int64_t* out);
// Ids: a JSON string, or a JSON integer converted exactly to decimal. A float
// is refused ("id_precision_loss:<key>"), as is an integer beyond 64 bits
// ("integer_out_of_range:<key>").
absl::Status GetId(const Value& object, absl::string_view key, std::string* out);
// Optional object/array member; `*out` is nullptr when absent.
absl::Status GetObject(const Value& object, absl::string_view key, const Value** out);
absl::Status GetArray(const Value& object, absl::string_view key, const Value** out);

// Required variants: "missing_required_field:<key>" when absent, null or empty.
absl::Status RequireString(const Value& object, absl::string_view key, std::string* out);
absl::Status RequireId(const Value& object, absl::string_view key, std::string* out);
absl::Status RequireObject(const Value& object, absl::string_view key, const Value** out);
absl::Status RequireArray(const Value& object, absl::string_view key, const Value** out);

// The compact JSON text of `value` (for Unsupported.raw).
std::string Serialize(const Value& value);

// Unix time helpers for channel timestamps.
// Seconds (JSON integer or decimal string) -> milliseconds.
absl::Status GetUnixSecondsAsMs(const Value& object, absl::string_view key, int64_t* out_ms);

}  // namespace omnigate::json
