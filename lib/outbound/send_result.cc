#include "lib/outbound/send_result.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"

namespace omnigate::outbound {

absl::string_view KindName(SendOutcome::Kind kind) {
  switch (kind) {
    case SendOutcome::kSent:
      return "sent";
    case SendOutcome::kThrottled:
      return "throttled";
    case SendOutcome::kTransient:
      return "transient";
    case SendOutcome::kPermanent:
      return "permanent";
    case SendOutcome::kConnector:
      return "connector";
    case SendOutcome::kPolicy:
      return "policy";
  }
  return "unknown";
}

SendOutcome Sent(std::string provider_message_id) {
  SendOutcome outcome;
  outcome.kind = SendOutcome::kSent;
  outcome.provider_message_id = std::move(provider_message_id);
  return outcome;
}

SendOutcome Failed(SendOutcome::Kind kind, std::string error_code, std::string error_message) {
  SendOutcome outcome;
  outcome.kind = kind;
  outcome.error_code = std::move(error_code);
  outcome.error_message = std::move(error_message);
  return outcome;
}

SendOutcome Throttled(SendOutcome::Scope scope, absl::Duration retry_after, std::string error_code,
                      std::string error_message) {
  SendOutcome outcome =
      Failed(SendOutcome::kThrottled, std::move(error_code), std::move(error_message));
  outcome.throttle_scope = scope;
  outcome.retry_after = retry_after;
  return outcome;
}

SendOutcome ClassifyByStatus(const HttpResponse& response) {
  const int status = response.status;
  if (status >= 200 && status < 300) return Sent("");
  std::string code = absl::StrCat(status);
  std::string message = BodySnippet(response.body);
  if (status == 0) return Failed(SendOutcome::kTransient, "network", "no HTTP response");
  if (status == 429) {
    return Throttled(SendOutcome::Scope::kConnector, RetryAfterHeader(response), std::move(code),
                     std::move(message));
  }
  if (status == 408 || status >= 500) {
    return Failed(SendOutcome::kTransient, std::move(code), std::move(message));
  }
  if (status == 401 || status == 403) {
    return Failed(SendOutcome::kConnector, std::move(code), std::move(message));
  }
  return Failed(SendOutcome::kPermanent, std::move(code), std::move(message));
}

SendOutcome ClassifyByStatus(const HttpResponse& response, std::string error_code,
                             std::string error_message) {
  SendOutcome outcome = ClassifyByStatus(response);
  outcome.error_code = std::move(error_code);
  outcome.error_message = std::move(error_message);
  return outcome;
}

absl::Duration RetryAfterHeader(const HttpResponse& response) {
  const auto value = FindHeader(response.headers, "retry-after");
  int64_t seconds = 0;
  if (!value || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*value), &seconds) || seconds <= 0) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(seconds);
}

absl::Duration WaitUntilEpochHeader(const HttpResponse& response, absl::string_view header,
                                    absl::Time now) {
  const auto value = FindHeader(response.headers, header);
  int64_t epoch = 0;
  if (!value || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*value), &epoch)) {
    return absl::ZeroDuration();
  }
  const absl::Duration wait = absl::FromUnixSeconds(epoch) - now;
  return wait > absl::ZeroDuration() ? wait : absl::ZeroDuration();
}

std::string BodySnippet(absl::string_view body) {
  constexpr size_t kMax = 300;
  absl::string_view head = body.substr(0, kMax);
  // Cut at a character boundary so a valid body stays valid UTF-8.
  if (body.size() > kMax) {
    while (!head.empty() && (static_cast<unsigned char>(body[head.size()]) & 0xC0) == 0x80) {
      head.remove_suffix(1);
    }
  }
  std::string out;
  if (IsValidUtf8(head)) {
    out.assign(head.data(), head.size());
  } else {
    // Error texts end up in proto string fields, which must be UTF-8.
    for (const char c : head) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x80) {
        out.push_back(c);
      } else {
        absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
      }
    }
  }
  if (head.size() < body.size()) out += "...";
  return out;
}

}  // namespace omnigate::outbound
