#include "lib/outbound/send_result.h"

#include "gtest/gtest.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/test_support.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

using testing::Response;

TEST(ClassifyByStatusTest, Classes) {
  EXPECT_EQ(ClassifyByStatus(Response(204, "")).kind, SendOutcome::kSent);
  EXPECT_EQ(ClassifyByStatus(Response(0, "")).kind, SendOutcome::kTransient);
  EXPECT_EQ(ClassifyByStatus(Response(0, "")).error_code, "network");
  EXPECT_EQ(ClassifyByStatus(Response(408, "")).kind, SendOutcome::kTransient);
  EXPECT_EQ(ClassifyByStatus(Response(502, "")).kind, SendOutcome::kTransient);
  EXPECT_EQ(ClassifyByStatus(Response(401, "")).kind, SendOutcome::kConnector);
  EXPECT_EQ(ClassifyByStatus(Response(403, "")).kind, SendOutcome::kConnector);
  EXPECT_EQ(ClassifyByStatus(Response(422, "")).kind, SendOutcome::kPermanent);
  const SendOutcome throttled = ClassifyByStatus(Response(429, "", {{"retry-after", " 12 "}}));
  EXPECT_EQ(throttled.kind, SendOutcome::kThrottled);
  EXPECT_EQ(throttled.retry_after, absl::Seconds(12));
  EXPECT_EQ(throttled.error_code, "429");
}

TEST(ClassifyByStatusTest, RetryAfterIgnoresDatesAndJunk) {
  EXPECT_EQ(RetryAfterHeader(Response(429, "", {{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}})),
            absl::ZeroDuration());
  EXPECT_EQ(RetryAfterHeader(Response(429, "", {{"Retry-After", "-5"}})), absl::ZeroDuration());
  EXPECT_EQ(WaitUntilEpochHeader(Response(429, "", {{"x-rate-limit-reset", "100"}}),
                                 "x-rate-limit-reset", absl::FromUnixSeconds(200)),
            absl::ZeroDuration());
}

TEST(ClassifyByStatusTest, BodySnippetIsBounded) {
  EXPECT_EQ(BodySnippet(std::string(1000, 'x')).size(), 303u);
  EXPECT_EQ(BodySnippet(std::string(299, 'x') + "\xC3\xA9"), std::string(299, 'x') + "...");
  EXPECT_EQ(BodySnippet("a\xFF"
                        "b"),
            "a\\xffb");
  EXPECT_EQ(ClassifyUnparsed(Response(200, "<html>")).kind, SendOutcome::kTransient);
}

TEST(UrlFormTest, EncodesAndJoins) {
  EXPECT_EQ(JoinUrl("http://h/api/", "/v3/mail/send"), "http://h/api/v3/mail/send");
  EXPECT_EQ(JoinUrl("http://h", "x"), "http://h/x");
  EXPECT_EQ(PercentEncode("a b/+é"), "a%20b%2F%2B%C3%A9");
  EXPECT_EQ(FormEncode({{"To", "whatsapp:+1 5"}, {"Body", "a&b=c"}}),
            "To=whatsapp%3A%2B1+5&Body=a%26b%3Dc");
}

TEST(HttpRequestTest, ForLogRedactsSecrets) {
  HttpRequest request;
  request.url = "https://api.telegram.org/bot123:SECRET/sendMessage";
  request.secrets = {"123:SECRET", ""};
  EXPECT_EQ(request.ForLog(), "POST https://api.telegram.org/botREDACTED/sendMessage");
  EXPECT_EQ(FindHeader({{"X-Message-Id", "abc"}}, "x-message-id").value_or(""), "abc");
}

}  // namespace
}  // namespace omnigate::outbound
