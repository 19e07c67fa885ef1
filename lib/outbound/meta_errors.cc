#include "lib/outbound/meta_errors.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace omnigate::outbound {
namespace {

bool In(int64_t code, std::initializer_list<int64_t> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// X-Business-Use-Case-Usage: {"<id>":[{"estimated_time_to_regain_access":<min>,...}]}.
absl::Duration BusinessUseCaseWait(const HttpResponse& response) {
  const auto header = FindHeader(response.headers, "x-business-use-case-usage");
  if (!header) return absl::ZeroDuration();
  auto doc = json::ParseStrictObject(*header);
  if (!doc.ok()) return absl::ZeroDuration();
  int64_t minutes = 0;
  for (const auto& member : (*doc)->GetObject()) {
    if (!member.value.IsArray()) continue;
    for (const auto& usage : member.value.GetArray()) {
      int64_t value = 0;
      if (usage.IsObject() && json::GetInt64(usage, "estimated_time_to_regain_access", &value).ok())
        minutes = std::max(minutes, value);
    }
  }
  return absl::Minutes(minutes);
}

absl::Duration Longest(absl::Duration a, absl::Duration b) { return a > b ? a : b; }

SendOutcome::Kind KindOf(int64_t code, int64_t subcode) {
  // Sub-codes first: they refine codes that otherwise mean something else.
  if (In(subcode, {2018278, 2018065, 2018108, 2534022, 2018354, 2018352})) {
    return SendOutcome::kPolicy;  // outside the window, or marketing frequency caps
  }
  if (subcode == 1893063) return SendOutcome::kConnector;  // Page restricted from sending
  if (subcode == 1545041) return SendOutcome::kPermanent;  // person unavailable
  if (In(code, {4, 17, 32, 613, 80006, 80007, 130429, 131048, 131056, 131057, 133016})) {
    return SendOutcome::kThrottled;
  }
  if (In(code, {1, 2, 1200, 131000, 131016, 131053})) return SendOutcome::kTransient;
  if (In(code, {131047, 131049})) return SendOutcome::kPolicy;
  if (In(code, {0, 3, 10, 190, 368, 130497, 131031, 131042, 133010}) ||
      (code >= 200 && code <= 299)) {
    return SendOutcome::kConnector;
  }
  if (In(code, {100, 551, 130472, 131008, 131009, 131026, 131050, 131051}) ||
      (code >= 132000 && code <= 132999)) {
    return SendOutcome::kPermanent;
  }
  return SendOutcome::kTransient;  // unknown code: the caller falls back to the status
}

bool Known(int64_t code, int64_t subcode) {
  return KindOf(code, subcode) != SendOutcome::kTransient ||
         In(code, {1, 2, 1200, 131000, 131016, 131053});
}

}  // namespace

std::optional<SendOutcome> ClassifyGraphError(const HttpResponse& response,
                                              const ParsedBody& body) {
  const json::Value* error = ObjectAt(body.root(), "error");
  if (error == nullptr) {
    if (response.status >= 200 && response.status < 300) return std::nullopt;
    return ClassifyByStatus(response);
  }
  int64_t code = -1, subcode = 0;
  if (!json::GetInt64(*error, "code", &code).ok()) code = -1;
  if (!json::GetInt64(*error, "error_subcode", &subcode).ok()) subcode = 0;
  std::string message = StringAt(error, "message");
  const std::string details = StringAt(ObjectAt(error, "error_data"), "details");
  if (!details.empty()) absl::StrAppend(&message, ": ", details);

  if (code < 0 || !Known(code, subcode)) {
    SendOutcome outcome = ClassifyByStatus(response);
    if (outcome.sent()) outcome = Failed(SendOutcome::kTransient, "", "");
    if (code >= 0) outcome.error_code = absl::StrCat(code);
    outcome.error_message = message.empty() ? BodySnippet(response.body) : message;
    return outcome;
  }
  std::string code_text = absl::StrCat(code);
  if (subcode != 0) absl::StrAppend(&code_text, "/", subcode);
  const SendOutcome::Kind kind = KindOf(code, subcode);
  if (kind != SendOutcome::kThrottled) return Failed(kind, code_text, message);

  absl::Duration wait = Longest(RetryAfterHeader(response), BusinessUseCaseWait(response));
  SendOutcome::Scope scope = SendOutcome::Scope::kConnector;
  if (code == 131056) {
    scope = SendOutcome::Scope::kRecipient;  // pair limit: about one message per 6 s per user
    wait = Longest(wait, absl::Seconds(6));
  } else if (code == 131057) {
    wait = Longest(wait, absl::Seconds(60));  // throughput upgrade takes about a minute
  }
  return Throttled(scope, wait, code_text, message);
}

}  // namespace omnigate::outbound
