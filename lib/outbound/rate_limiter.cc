#include "lib/outbound/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/outbound/rate_limit_scripts.h"

namespace omnigate::outbound {
namespace {

using redis::RedisReply;

// Lua reads these with tonumber(); six decimals keep fractional intervals
// (1000/30 ms) exact to a nanosecond.
std::string Ms(double ms) { return absl::StrFormat("%.6f", ms); }

absl::Status CheckRate(double rate, absl::string_view what) {
  if (!std::isfinite(rate) || rate < 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be a finite rate >= 0"));
  }
  return absl::OkStatus();
}

// Emission interval and burst tolerance of one bucket, in ms; 0/0 = none.
std::pair<std::string, std::string> Bucket(double rate_per_s, int burst) {
  if (rate_per_s <= 0) return {"0", "0"};
  const double interval = 1000.0 / rate_per_s;
  return {Ms(interval), Ms(interval * (std::max(burst, 1) - 1))};
}

// An error reply is a failure, not a value; unreachable Redis stays as is.
absl::StatusOr<RedisReply> Checked(absl::StatusOr<RedisReply> reply, absl::string_view what) {
  if (reply.ok() && reply->is_error()) {
    return absl::InternalError(absl::StrCat("redis ", what, ": ", reply->str()));
  }
  return reply;
}

}  // namespace

absl::string_view RateDecisionName(RateDecision::Kind kind) {
  switch (kind) {
    case RateDecision::kGo:
      return "go";
    case RateDecision::kWait:
      return "wait";
    case RateDecision::kPaused:
      return "paused";
  }
  return "unknown";
}

std::string ConnectorBucketKey(absl::string_view connector) {
  return absl::StrCat("omnigate:ratelimit:{", connector, "}:conn");
}

std::string RecipientBucketKey(absl::string_view connector, absl::string_view recipient) {
  return absl::StrCat("omnigate:ratelimit:{", connector, "}:to:", recipient);
}

RateLimiter::RateLimiter(redis::RedisClient* redis, const Clock& clock, RateLimiterOptions options)
    : redis_(redis),
      clock_(clock),
      options_(options),
      reserve_script_(scripts::kReserve),
      pause_script_(scripts::kPause),
      forget_script_(scripts::kForgetPause) {}

absl::StatusOr<RateDecision> RateLimiter::Reserve(const std::string& connector,
                                                  const std::string& recipient,
                                                  const RateDefaults& limits, int64_t now_ms) {
  return Reserve(connector, recipient, limits.connector_rate_per_s, limits.connector_burst,
                 limits.recipient_rate_per_s, limits.recipient_burst, now_ms);
}

absl::StatusOr<RateDecision> RateLimiter::Reserve(const std::string& connector,
                                                  const std::string& recipient,
                                                  double connector_rate_per_s, int connector_burst,
                                                  double recipient_rate_per_s, int recipient_burst,
                                                  int64_t now_ms) {
  if (connector.empty()) return absl::InvalidArgumentError("rate limit: connector is required");
  if (auto s = CheckRate(connector_rate_per_s, "connector rate"); !s.ok()) return s;
  if (auto s = CheckRate(recipient_rate_per_s, "recipient rate"); !s.ok()) return s;
  const auto [conn_interval, conn_tolerance] = Bucket(connector_rate_per_s, connector_burst);
  const auto [rcpt_interval, rcpt_tolerance] = Bucket(recipient_rate_per_s, recipient_burst);
  std::vector<std::string> keys = {ConnectorBucketKey(connector)};
  // Without a rate the recipient key is still read: it may hold a pause.
  if (!recipient.empty()) keys.push_back(RecipientBucketKey(connector, recipient));
  auto reply =
      Checked(redis_->Eval(reserve_script_, keys,
                           {absl::StrCat(now_ms), conn_interval, conn_tolerance, rcpt_interval,
                            rcpt_tolerance, Ms(absl::ToDoubleMilliseconds(options_.max_reserve)),
                            Ms(absl::ToDoubleMilliseconds(options_.expiry_margin))}),
              "rate limit");
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->size() != 2) {
    return absl::InternalError("rate limit: unexpected script reply");
  }
  const int64_t kind = reply->element(0)->integer;
  const int64_t wait_us = std::max<int64_t>(0, reply->element(1)->integer);
  RateDecision decision;
  decision.kind = kind == 0   ? RateDecision::kGo
                  : kind == 1 ? RateDecision::kWait
                              : RateDecision::kPaused;
  decision.wait = absl::Microseconds(wait_us);
  return decision;
}

absl::Status RateLimiter::Pause(const std::string& connector, const std::string& recipient,
                                int64_t until_ms, const std::string& reason) {
  if (connector.empty()) return absl::InvalidArgumentError("rate limit: connector is required");
  const int64_t now = clock_.NowMs();
  if (until_ms <= now) return absl::OkStatus();  // already over
  const std::string key =
      recipient.empty() ? ConnectorBucketKey(connector) : RecipientBucketKey(connector, recipient);
  auto stored =
      Checked(redis_->Eval(pause_script_, {key},
                           {absl::StrCat(until_ms), reason, absl::StrCat(now),
                            absl::StrCat(absl::ToInt64Milliseconds(options_.expiry_margin))}),
              "pause");
  if (!stored.ok()) return stored.status();
  if (!recipient.empty() || stored->integer() == 0) return absl::OkStatus();
  // A separate command: the index is not in the connector's slot.
  auto indexed = Checked(redis_->Run({"HSET", std::string(kPausedConnectorsKey), connector,
                                      absl::StrCat(until_ms, " ", reason)}),
                         "pause index");
  return indexed.status();
}

absl::Status RateLimiter::PauseConnector(const std::string& connector, absl::Duration duration,
                                         const std::string& reason) {
  return Pause(connector, "", clock_.NowMs() + absl::ToInt64Milliseconds(duration), reason);
}

absl::StatusOr<std::vector<PausedConnector>> RateLimiter::PausedConnectors() {
  auto reply = Checked(redis_->Run({"HGETALL", std::string(kPausedConnectorsKey)}), "pauses");
  if (!reply.ok()) return reply.status();
  const int64_t now = clock_.NowMs();
  std::vector<PausedConnector> out;
  for (size_t i = 0; i + 1 < reply->size(); i += 2) {
    const std::string connector(redis::ElementStr(reply->element(i)));
    const absl::string_view value = redis::ElementStr(reply->element(i + 1));
    const size_t space = value.find(' ');
    PausedConnector p;
    p.connector = connector;
    if (!absl::SimpleAtoi(value.substr(0, space), &p.until_ms)) p.until_ms = 0;
    if (space != absl::string_view::npos) p.reason = std::string(value.substr(space + 1));
    if (p.until_ms > now) {
      out.push_back(std::move(p));
      continue;
    }
    auto forgot = Checked(redis_->Eval(forget_script_, {std::string(kPausedConnectorsKey)},
                                       {connector, std::string(value)}),
                          "forget pause");
    if (!forgot.ok()) return forgot.status();
  }
  std::sort(out.begin(), out.end(), [](const PausedConnector& a, const PausedConnector& b) {
    return a.connector < b.connector;
  });
  return out;
}

}  // namespace omnigate::outbound
