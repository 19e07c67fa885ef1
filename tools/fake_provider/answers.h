#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "lib/http/http_types.h"
#include "tools/fake_provider/providers.h"

namespace omnigate::fakeprovider {

// One scripted answer. Bodies and codes of the helpers below come from
// the team's provider reference (outbound-apis.md); each is checked against the
// channel's ChannelSender::Classify() in fake_provider_test.cc.
struct FakeAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  // Headers whose value is the Unix time (seconds) of the answer plus the
  // duration: rate limit resets (X, SendGrid) stay right however late the
  // scripted answer is used.
  std::vector<std::pair<std::string, absl::Duration>> epoch_headers;
  // Answered this long after the request arrived, from a timer thread.
  absl::Duration delay = absl::ZeroDuration();
  // Instead of the fields above: the provider's usual success (a fresh id).
  bool provider_success = false;

  // The provider's usual success, e.g. late: Success(absl::Seconds(5)).
  static FakeAnswer Success(absl::Duration delay = absl::ZeroDuration());
  FakeAnswer WithDelay(absl::Duration d) const;
};

// Rate limited (Classify: kThrottled). HTTP 429 with the provider's body and
// its documented wait signal: Telegram parameters.retry_after and
// Retry-After; X x-rate-limit-reset and SendGrid X-RateLimit-Reset (epoch);
// Meta codes 130429 (WhatsApp) / 613 (Messenger, Instagram) with
// X-Business-Use-Case-Usage estimated_time_to_regain_access (minutes,
// rounded up); LINE, Twilio (20429), Mailgun and web chat Retry-After, which
// those providers do not document: pass 0 for none. Viber answers 200 with
// status 12 and no wait (its limit resets when the user replies).
FakeAnswer Throttle(Provider provider, int retry_after_s);

// A proxy's 503 HTML page (Classify: kTransient for every channel).
FakeAnswer ServerError();

// The recipient can never be reached (Classify: kPermanent): WhatsApp 131026,
// Messenger 551/1545041, Instagram (#100) 100/2018001, Telegram 403 "bot was
// blocked by the user", LINE 400 invalid "to", Twilio 21610, Viber status 6,
// X 403, SendGrid 400 field error, Mailgun 400, web chat 404.
FakeAnswer Permanent(Provider provider);

// Bad credentials (Classify: kConnector): Meta 190/463, Telegram 401, LINE
// 401, Twilio 20003, Viber status 2, X 401, SendGrid 401, Mailgun 401,
// web chat 401.
FakeAnswer BadToken(Provider provider);

// Refused by policy (Classify: kPolicy) where the channel has such an answer:
// WhatsApp 131047 (window closed), Messenger 10/2018278, Instagram
// 10/2534022, Telegram 400 migrate_to_chat_id, LINE 400 "Invalid reply
// token", Twilio 63016. nullopt for the others.
std::optional<FakeAnswer> Policy(Provider provider);

// The HTTP response for `answer` at `now`.
http::Response ToResponse(const FakeAnswer& answer, absl::Time now);

}  // namespace omnigate::fakeprovider
