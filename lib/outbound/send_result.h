#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/outbound/http_request.h"

namespace omnigate::outbound {

// What one provider answer means for the sender (reference/outbound-apis.md
// 0.3 and 10.6). The provider's own code and text are kept verbatim.
struct SendOutcome {
  enum Kind {
    kSent,       // accepted by the provider; provider_message_id names it
    kThrottled,  // rate limited: retry after retry_after, not a failed attempt
    kTransient,  // may work as is later: back off and retry
    kPermanent,  // this message to this recipient will never work: dead-letter
    kConnector,  // auth, permission, account or quota problem: pause the connector
    kPolicy,     // refused by policy (window closed, reply token expired): change strategy
  };
  enum class Scope { kRecipient, kConnector };

  Kind kind = kTransient;
  std::string provider_message_id;
  // The provider's code as a string ("131047", "21610", "12"), else the HTTP status.
  std::string error_code;
  std::string error_message;
  // How long to wait; zero when the provider did not say.
  absl::Duration retry_after = absl::ZeroDuration();
  // For kThrottled: whether only this recipient or the whole connector must wait.
  Scope throttle_scope = Scope::kConnector;

  bool sent() const { return kind == kSent; }
};

absl::string_view KindName(SendOutcome::Kind kind);

SendOutcome Sent(std::string provider_message_id);
SendOutcome Failed(SendOutcome::Kind kind, std::string error_code, std::string error_message);
SendOutcome Throttled(SendOutcome::Scope scope, absl::Duration retry_after, std::string error_code,
                      std::string error_message);

// The rule when the body says nothing better: 2xx sent (without an id),
// status 0 (network) / 408 / 5xx transient, 429 throttled (Retry-After
// honoured), 401/403 connector, other 4xx permanent.
SendOutcome ClassifyByStatus(const HttpResponse& response);
// The same, keeping the provider's own error code and text.
SendOutcome ClassifyByStatus(const HttpResponse& response, std::string error_code,
                             std::string error_message);

// Retry-After in seconds (the only form these providers use), else zero.
absl::Duration RetryAfterHeader(const HttpResponse& response);

// A reset header holding Unix epoch seconds (x-rate-limit-reset,
// X-RateLimit-Reset) as a wait from `now`; zero when absent or past.
absl::Duration WaitUntilEpochHeader(const HttpResponse& response, absl::string_view header,
                                    absl::Time now);

// The start of a body for error messages: bounded, never a whole HTML page.
std::string BodySnippet(absl::string_view body);

}  // namespace omnigate::outbound
