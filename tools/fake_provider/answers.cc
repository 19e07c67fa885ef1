#include "tools/fake_provider/answers.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace omnigate::fakeprovider {
namespace {

FakeAnswer Json(int status, std::string body) {
  FakeAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

// The Graph API error envelope; `details` becomes error_data.details (the
// WhatsApp form), `subcode` 0 leaves error_subcode out.
std::string GraphError(int code, int subcode, absl::string_view message,
                       absl::string_view details = "") {
  std::string body = absl::StrCat(R"({"error":{"message":")", message,
                                  R"(","type":"OAuthException","code":)", code);
  if (subcode != 0) absl::StrAppend(&body, R"(,"error_subcode":)", subcode);
  if (!details.empty()) {
    absl::StrAppend(&body, R"(,"error_data":{"messaging_product":"whatsapp","details":")", details,
                    R"("})");
  }
  absl::StrAppend(&body, R"(,"fbtrace_id":"AFakeTraceId0001"}})");
  return body;
}

std::string TwilioError(int code, absl::string_view message, int status) {
  return absl::StrCat(R"({"code":)", code, R"(,"message":")", message,
                      R"(","more_info":"https://www.twilio.com/docs/errors/)", code,
                      R"(","status":)", status, "}");
}

std::string TelegramError(int code, absl::string_view description) {
  return absl::StrCat(R"({"ok":false,"error_code":)", code, R"(,"description":")", description,
                      R"("})");
}

std::string XProblem(int status, absl::string_view title, absl::string_view detail) {
  return absl::StrCat(R"({"title":")", title, R"(","detail":")", detail,
                      R"(","type":"about:blank","status":)", status, "}");
}

std::string ViberStatus(int status, absl::string_view message) {
  return absl::StrCat(R"({"status":)", status, R"(,"status_message":")", message,
                      R"(","chat_hostname":"SN-CHAT-05_"})");
}

void AddRetryAfter(FakeAnswer& answer, int seconds) {
  if (seconds > 0) answer.headers.emplace_back("Retry-After", absl::StrCat(seconds));
}

// Meta's Business Use Case header: the wait is in whole minutes.
void AddBusinessUseCase(FakeAnswer& answer, absl::string_view type, int seconds) {
  if (seconds <= 0) return;
  const int minutes = (seconds + 59) / 60;
  answer.headers.emplace_back(
      "X-Business-Use-Case-Usage",
      absl::StrCat(R"({"100000000000001":[{"type":")", type,
                   R"(","call_count":100,"total_cputime":20,"total_time":20,)",
                   R"("estimated_time_to_regain_access":)", minutes, "}]}"));
}

}  // namespace

FakeAnswer FakeAnswer::Success(absl::Duration delay) {
  FakeAnswer answer;
  answer.provider_success = true;
  answer.delay = delay;
  return answer;
}

FakeAnswer FakeAnswer::WithDelay(absl::Duration d) const {
  FakeAnswer answer = *this;
  answer.delay = d;
  return answer;
}

FakeAnswer Throttle(Provider provider, int retry_after_s) {
  FakeAnswer answer;
  switch (provider) {
    case Provider::kWhatsApp:
      answer = Json(429, GraphError(130429, 0, "(#130429) Rate limit hit",
                                    "Message failed to send because there were too many "
                                    "messages sent from this phone number in a short period "
                                    "of time"));
      AddBusinessUseCase(answer, "whatsapp_business_messaging", retry_after_s);
      return answer;
    case Provider::kMessenger:
    case Provider::kInstagram:
      answer =
          Json(429, GraphError(613, 0, "(#613) Calls to this API have exceeded the rate limit."));
      AddBusinessUseCase(answer, "messenger", retry_after_s);
      return answer;
    case Provider::kTelegram:
      answer =
          Json(429, absl::StrCat(R"({"ok":false,"error_code":429,)",
                                 R"("description":"Too Many Requests: retry after )", retry_after_s,
                                 R"(","parameters":{"retry_after":)", retry_after_s, "}}"));
      AddRetryAfter(answer, retry_after_s);
      return answer;
    case Provider::kLine:
      answer = Json(429, R"({"message":"The API rate limit has been exceeded. Try again later."})");
      break;
    case Provider::kTwilio:
      answer = Json(429, TwilioError(20429, "Too Many Requests", 429));
      break;
    case Provider::kViber:
      return Json(200, ViberStatus(12, "Too many requests"));
    case Provider::kX:
      answer = Json(429, XProblem(429, "Too Many Requests", "Too Many Requests"));
      answer.headers.emplace_back("x-rate-limit-limit", "200");
      answer.headers.emplace_back("x-rate-limit-remaining", "0");
      answer.epoch_headers.emplace_back("x-rate-limit-reset", absl::Seconds(retry_after_s));
      return answer;
    case Provider::kSendGrid:
      answer = Json(429, R"({"errors":[{"field":null,"message":"too many requests"}]})");
      answer.headers.emplace_back("X-RateLimit-Limit", "600");
      answer.headers.emplace_back("X-RateLimit-Remaining", "0");
      answer.epoch_headers.emplace_back("X-RateLimit-Reset", absl::Seconds(retry_after_s));
      return answer;
    case Provider::kMailgun:
      answer = Json(429, R"({"message":"Too many requests"})");
      break;
    case Provider::kWebchat:
      answer = Json(429, R"({"error":"rate_limited"})");
      break;
  }
  AddRetryAfter(answer, retry_after_s);
  return answer;
}

FakeAnswer ServerError() {
  FakeAnswer answer;
  answer.status = 503;
  answer.content_type = "text/html";
  answer.body =
      "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
      "<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n";
  return answer;
}

FakeAnswer Permanent(Provider provider) {
  switch (provider) {
    case Provider::kWhatsApp:
      return Json(
          400, GraphError(131026, 0, "(#131026) Message undeliverable", "Message Undeliverable."));
    case Provider::kMessenger:
      return Json(400, GraphError(551, 1545041, "This person isn't available right now."));
    case Provider::kInstagram:
      return Json(400, GraphError(100, 2018001, "(#100) No matching user found"));
    case Provider::kTelegram:
      return Json(403, TelegramError(403, "Forbidden: bot was blocked by the user"));
    case Provider::kLine:
      return Json(400, R"j({"message":"The request body has 1 error(s)",)j"
                       R"("details":[{"message":"invalid user ID","property":"to"}]})");
    case Provider::kTwilio:
      return Json(400, TwilioError(21610, "Attempt to send to unsubscribed recipient", 400));
    case Provider::kViber:
      return Json(200, ViberStatus(6, "notSubscribed"));
    case Provider::kX:
      return Json(
          403, XProblem(403, "Forbidden", "You are not permitted to send messages to this user."));
    case Provider::kSendGrid:
      return Json(400, R"({"errors":[{"message":"Does not contain a valid address.",)"
                       R"("field":"personalizations.0.to.0.email","help":null}]})");
    case Provider::kMailgun:
      return Json(
          400, R"({"message":"to parameter is not a valid address. please check documentation"})");
    case Provider::kWebchat:
      return Json(404, R"({"error":"unknown_session"})");
  }
  return Json(400, "{}");
}

FakeAnswer BadToken(Provider provider) {
  switch (provider) {
    case Provider::kWhatsApp:
    case Provider::kMessenger:
    case Provider::kInstagram:
      return Json(401, GraphError(190, 463,
                                  "Error validating access token: Session has expired on "
                                  "Thursday, 01-Oct-26 10:00:00 PDT."));
    case Provider::kTelegram:
      return Json(401, TelegramError(401, "Unauthorized"));
    case Provider::kLine:
      return Json(401, R"({"message":"Authentication failed due to the following reason: )"
                       R"(invalid token. Confirm that the access token in the authorization )"
                       R"(header is valid."})");
    case Provider::kTwilio:
      return Json(401, TwilioError(20003, "Authenticate", 401));
    case Provider::kViber:
      return Json(200, ViberStatus(2, "invalidAuthToken"));
    case Provider::kX:
      return Json(401, XProblem(401, "Unauthorized", "Unauthorized"));
    case Provider::kSendGrid:
      return Json(401, R"({"errors":[{"field":null,"message":"The provided authorization )"
                       R"(grant is invalid, expired, or revoked"}]})");
    case Provider::kMailgun: {
      FakeAnswer answer = Json(401, "Forbidden");
      answer.content_type = "text/plain";
      return answer;
    }
    case Provider::kWebchat:
      return Json(401, R"({"error":"invalid_signature"})");
  }
  return Json(401, "{}");
}

std::optional<FakeAnswer> Policy(Provider provider) {
  switch (provider) {
    case Provider::kWhatsApp:
      return Json(400, GraphError(131047, 0, "(#131047) Re-engagement message",
                                  "Message failed to send because more than 24 hours have "
                                  "passed since the customer last replied to this number."));
    case Provider::kMessenger:
      return Json(400,
                  GraphError(10, 2018278, "(#10) This message is sent outside of allowed window."));
    case Provider::kInstagram:
      return Json(400,
                  GraphError(10, 2534022, "(#10) This message is sent outside of allowed window."));
    case Provider::kTelegram:
      return Json(400, R"({"ok":false,"error_code":400,"description":"Bad Request: group chat )"
                       R"(was upgraded to a supergroup chat","parameters":)"
                       R"({"migrate_to_chat_id":-1001234567890}})");
    case Provider::kLine:
      return Json(400, R"({"message":"Invalid reply token"})");
    case Provider::kTwilio:
      return Json(400, TwilioError(63016,
                                   "Failed to send freeform message because you are outside the "
                                   "allowed window. If you are using WhatsApp, please use a "
                                   "Message Template.",
                                   400));
    default:
      return std::nullopt;
  }
}

http::Response ToResponse(const FakeAnswer& answer, absl::Time now) {
  http::Response response;
  response.status = answer.status;
  response.content_type = answer.content_type;
  response.body = answer.body;
  response.headers = answer.headers;
  for (const auto& [name, after] : answer.epoch_headers) {
    response.headers.emplace_back(name, absl::StrCat(absl::ToUnixSeconds(now + after)));
  }
  return response;
}

}  // namespace omnigate::fakeprovider
