#include "lib/outbound/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/outbound/rate_limit_scripts.h"
#include "lib/redis/folded_calls.h"

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

// Per send in a reservation call: ARGV 1 recipient key index, 2..8 below.
constexpr size_t kArgsPerSend = 8;
// EVALSHA sha numkeys KEYS... ARGV...
constexpr size_t kFirstKey = 3;

const redis::RedisScript& ReserveScript() {
  static const redis::RedisScript* script = new redis::RedisScript(scripts::kReserveBatch);
  return *script;
}

// The decision of one send: its element of a folded call's reply, or the
// first (only) one of a call made for it alone.
absl::StatusOr<RateDecision> DecisionOf(const RedisReply& reply) {
  if (reply.is_error()) return absl::InternalError(absl::StrCat("redis rate limit: ", reply.str()));
  const redisReply* d = reply.get();
  if (reply.size() == 1) d = reply.element(0);
  if (d == nullptr || d->type != REDIS_REPLY_ARRAY || d->elements != 2 ||
      d->element[0]->type != REDIS_REPLY_INTEGER || d->element[1]->type != REDIS_REPLY_INTEGER) {
    return absl::InternalError("rate limit: unexpected script reply");
  }
  const int64_t kind = d->element[0]->integer;
  RateDecision decision;
  decision.kind = kind == 0   ? RateDecision::kGo
                  : kind == 1 ? RateDecision::kWait
                              : RateDecision::kPaused;
  decision.wait = absl::Microseconds(std::max<int64_t>(0, d->element[1]->integer));
  return decision;
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

RateLimiter::RateLimiter(redis::RedisClient* redis, const Clock& clock, RateLimiterOptions options,
                         redis::GroupCommitWriter* batcher)
    : redis_(redis),
      clock_(clock),
      options_(options),
      batcher_(batcher),
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
  RateDefaults limits;
  limits.connector_rate_per_s = connector_rate_per_s;
  limits.connector_burst = connector_burst;
  limits.recipient_rate_per_s = recipient_rate_per_s;
  limits.recipient_burst = recipient_burst;
  auto command = ReserveCommand(connector, recipient, limits, now_ms);
  if (!command.ok()) return command.status();
  // Keys and args back out of the command, for Eval's NOSCRIPT fallback.
  const size_t keys = recipient.empty() ? 1 : 2;
  const std::vector<std::string> key_list(command->begin() + kFirstKey,
                                          command->begin() + kFirstKey + keys);
  const std::vector<std::string> args(command->begin() + kFirstKey + keys, command->end());
  auto reply = Checked(redis_->Eval(ReserveScript(), key_list, args), "rate limit");
  if (!reply.ok()) return reply.status();
  return DecisionOf(*reply);
}

void RateLimiter::ReserveAsync(const std::string& connector, const std::string& recipient,
                               const RateDefaults& limits, int64_t now_ms, Decided done) {
  if (batcher_ == nullptr) {
    done(Reserve(connector, recipient, limits, now_ms));
    return;
  }
  auto command = ReserveCommand(connector, recipient, limits, now_ms);
  if (!command.ok()) {
    done(command.status());
    return;
  }
  const std::string route = (*command)[kFirstKey];
  batcher_->Submit(route, 0, {*std::move(command)},
                   [done = std::move(done)](absl::StatusOr<redis::GroupCommitWriter::Replies> r) {
                     if (!r.ok()) {
                       done(r.status());
                     } else if (r->size() != 1) {
                       done(absl::InternalError("rate limit: no reply"));
                     } else {
                       done(DecisionOf(r->front()));
                     }
                   });
}

absl::StatusOr<redis::RedisCommand> RateLimiter::ReserveCommand(const std::string& connector,
                                                                const std::string& recipient,
                                                                const RateDefaults& limits,
                                                                int64_t now_ms) const {
  if (connector.empty()) return absl::InvalidArgumentError("rate limit: connector is required");
  if (auto s = CheckRate(limits.connector_rate_per_s, "connector rate"); !s.ok()) return s;
  if (auto s = CheckRate(limits.recipient_rate_per_s, "recipient rate"); !s.ok()) return s;
  auto [conn_interval, conn_tolerance] =
      Bucket(limits.connector_rate_per_s, limits.connector_burst);
  auto [rcpt_interval, rcpt_tolerance] =
      Bucket(limits.recipient_rate_per_s, limits.recipient_burst);
  std::vector<std::string> keys = {ConnectorBucketKey(connector)};
  // Without a rate the recipient key is still read: it may hold a pause.
  if (!recipient.empty()) keys.push_back(RecipientBucketKey(connector, recipient));
  return ReserveScript().EvalShaCommand(
      keys, {recipient.empty() ? "0" : "2", absl::StrCat(now_ms), std::move(conn_interval),
             std::move(conn_tolerance), std::move(rcpt_interval), std::move(rcpt_tolerance),
             Ms(absl::ToDoubleMilliseconds(options_.max_reserve)),
             Ms(absl::ToDoubleMilliseconds(options_.expiry_margin))});
}

void RateLimiter::AddScripts(redis::PipelineWriterOptions* options) {
  static const ReserveFolder* folder = new ReserveFolder();
  options->scripts.emplace_back(ReserveScript().source());
  options->folder = folder;
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

ReserveFolder::ReserveFolder(size_t max_per_call)
    : max_per_call_(max_per_call > 0 ? max_per_call : 1) {}

std::vector<redis::RedisCommand> ReserveFolder::Fold(
    const std::vector<redis::RedisCommand*>& commands, std::vector<Answer>* answers) const {
  // A folded call: KEYS[1] the connector bucket and the sends' recipient
  // keys; the sends' args with recipient indexes renumbered.
  const std::string& sha = ReserveScript().sha();
  redis::FoldedCalls folded(commands.size(), max_per_call_, answers);
  for (size_t i = 0; i < commands.size(); ++i) {
    redis::RedisCommand& cmd = *commands[i];
    // One send: EVALSHA sha 1|2 connector [recipient] args.
    const size_t keys =
        cmd.size() >= kFirstKey + kArgsPerSend ? cmd.size() - kFirstKey - kArgsPerSend : 0;
    const bool one_send = (keys == 1 || keys == 2) && cmd[0] == "EVALSHA" && cmd[1] == sha &&
                          cmd[2] == absl::StrCat(keys) &&
                          (cmd[kFirstKey + keys] == "0") == (keys == 1);
    if (!one_send) {
      folded.PassThrough(i, cmd);
      continue;
    }
    auto [call, opened] = folded.Add(i, cmd[kFirstKey]);
    if (opened) {
      call->sha = sha;
      call->keys.push_back(cmd[kFirstKey]);
    }
    if (keys == 2) {
      call->keys.push_back(std::move(cmd[kFirstKey + 1]));
      call->args.push_back(absl::StrCat(call->keys.size()));
    } else {
      call->args.push_back("0");
    }
    for (size_t a = kFirstKey + keys + 1; a < cmd.size(); ++a) {
      call->args.push_back(std::move(cmd[a]));
    }
  }
  return folded.Finish();
}

}  // namespace omnigate::outbound
