#include "lib/json/strict_json.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/common/reject.h"

namespace omnigate::json {
namespace {

std::string ReasonOf(absl::string_view body) {
  auto doc = ParseStrict(body);
  return doc.ok() ? "ok" : RejectReason(doc.status());
}

TEST(ParseStrictTest, AcceptsOneDocumentWithSurroundingWhitespace) {
  EXPECT_EQ(ReasonOf(" {\"a\":[1,2,{\"b\":null}]} \n"), "ok");
}

TEST(ParseStrictTest, RejectsEachKindOfBadInputWithItsReason) {
  EXPECT_EQ(ReasonOf(""), "empty_body");
  EXPECT_EQ(ReasonOf("  \n"), "empty_body");
  EXPECT_EQ(ReasonOf("{\"a\":1}{\"b\":2}"), "json_trailing_data");
  EXPECT_EQ(ReasonOf("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}"), "json_trailing_data");
  EXPECT_EQ(ReasonOf("\xEF\xBB\xBF{\"a\":1}"), "json_bom");
  EXPECT_EQ(ReasonOf("{\"text\":\"a\",\"text\":\"b\"}"), "json_duplicate_key:text");
  EXPECT_EQ(ReasonOf("[{\"x\":{\"k\":1,\"k\":1}}]"), "json_duplicate_key:k");
  EXPECT_EQ(ReasonOf("{\"a\":\"\xff\"}"), "json_invalid_utf8");
  EXPECT_EQ(ReasonOf("{\"a\":"), "json_syntax:Invalid value.");
  EXPECT_EQ(ReasonOf("{\"a\":1,}").rfind("json_syntax:", 0), 0u);
}

// Inputs of both kinds are kept in fuzz/corpus and replayed by make test.
TEST(ParseStrictTest, RefusesEscapedLoneSurrogates) {
  EXPECT_EQ(ReasonOf(R"({"t":"ok \ud83d\ude0d"})"), "ok");  // a valid pair
  EXPECT_EQ(ReasonOf(R"({"t":"\ud41d\ude0d"})"), "json_invalid_utf8");
  EXPECT_EQ(ReasonOf(R"({"t":"\udc00"})"), "json_invalid_utf8");
  EXPECT_EQ(ReasonOf(R"({"\udc00":1})"), "json_invalid_utf8");
}

TEST(ParseStrictTest, RefusesAbsurdlyLongNumbersBeforeParsing) {
  // RapidJSON's full-precision strtod reads out of bounds on these.
  EXPECT_EQ(ReasonOf("{\"a\":0." + std::string(2000, '0') + "4}"), "json_number_too_long");
  EXPECT_EQ(ReasonOf("[" + std::string(65, '9') + "]"), "json_number_too_long");
  EXPECT_EQ(ReasonOf("[-1.7976931348623157e+308, 18446744073709551615]"), "ok");
  // Many digits and a large negative exponent: the full-precision strtod
  // read out of bounds (fuzz/regressions/instagram/deep-negative-exponent).
  EXPECT_EQ(ReasonOf("[170000088.4544444474633137463313746e-340, 1e-400, 4.9e-324]"), "ok");
  // Digits inside strings are text, not numbers.
  EXPECT_EQ(ReasonOf("{\"a\":\"" + std::string(5000, '7') + "\"}"), "ok");
}

TEST(ParseStrictTest, ObjectVariantRefusesOtherTopLevels) {
  EXPECT_TRUE(ParseStrictObject("{\"a\":1}").ok());
  for (const char* body : {"[]", "1", "\"s\"", "null"}) {
    EXPECT_EQ(RejectReason(ParseStrictObject(body).status()), "schema_type_mismatch:body") << body;
  }
  EXPECT_EQ(RejectReason(ParseStrictObject("").status()), "empty_body");
}

TEST(ParseStrictTest, EnforcesDepthBeforeParsing) {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  EXPECT_EQ(ReasonOf(deep), "json_max_depth_exceeded");
  std::string ok(64, '[');
  ok += std::string(64, ']');
  EXPECT_EQ(ReasonOf(ok), "ok");
  // Brackets inside strings do not count.
  EXPECT_EQ(ReasonOf("{\"s\":\"" + std::string(500, '[') + "\"}"), "ok");
  // A parser bomb is refused even when it is not closed.
  EXPECT_EQ(ReasonOf(std::string(100000, '[')), "json_max_depth_exceeded");
}

TEST(AccessorsTest, IdsStayExactAndFloatsAreRefused) {
  auto doc = ParseStrict(
      R"({"s":"12","u":18446744073709551615,"n":-5,"f":5.491893034500000e18,"big":123456789012345678901234567890,"b":true})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const Value& root = **doc;
  std::string id;
  ASSERT_TRUE(GetId(root, "s", &id).ok());
  EXPECT_EQ(id, "12");
  ASSERT_TRUE(GetId(root, "u", &id).ok());
  EXPECT_EQ(id, "18446744073709551615");
  ASSERT_TRUE(GetId(root, "n", &id).ok());
  EXPECT_EQ(id, "-5");
  EXPECT_EQ(RejectReason(GetId(root, "f", &id)), "id_precision_loss:f");
  EXPECT_EQ(RejectReason(GetId(root, "big", &id)), "integer_out_of_range:big");
  EXPECT_EQ(RejectReason(GetId(root, "b", &id)), "schema_type_mismatch:b");
  EXPECT_EQ(RejectReason(RequireId(root, "absent", &id)), "missing_required_field:absent");
}

TEST(AccessorsTest, TypedGettersNameTheField) {
  auto doc = ParseStrict(R"({"events":"x","ts":"1770091506","neg":-1,"obj":{},"arr":[]})");
  ASSERT_TRUE(doc.ok());
  const Value& root = **doc;
  const Value* arr = nullptr;
  EXPECT_EQ(RejectReason(GetArray(root, "events", &arr)), "schema_type_mismatch:events");
  EXPECT_TRUE(GetArray(root, "arr", &arr).ok());
  EXPECT_NE(arr, nullptr);
  EXPECT_TRUE(GetArray(root, "missing", &arr).ok());
  EXPECT_EQ(arr, nullptr);
  int64_t ms = 0;
  ASSERT_TRUE(GetUnixSecondsAsMs(root, "ts", &ms).ok());
  EXPECT_EQ(ms, 1770091506000);
  EXPECT_EQ(RejectReason(GetUnixSecondsAsMs(root, "neg", &ms)), "integer_out_of_range:neg");
  std::string s;
  EXPECT_EQ(RejectReason(GetString(root, "obj", &s)), "schema_type_mismatch:obj");
}

}  // namespace
}  // namespace omnigate::json
