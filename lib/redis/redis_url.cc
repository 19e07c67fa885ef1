#include "lib/redis/redis_url.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace omnigate::redis {
namespace {

constexpr absl::string_view kSingleForm = "redis://[user:password@]host:port[/db]";
constexpr absl::string_view kClusterForm =
    "redis-cluster://[user:password@]host:port[,host:port...]";

absl::Status UrlError(absl::string_view why, absl::string_view form = kSingleForm) {
  return absl::InvalidArgumentError(absl::StrCat("redis URL: ", why, " (expected ", form, ")"));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view in, absl::string_view form) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || HexDigit(in[i + 1]) < 0 || HexDigit(in[i + 2]) < 0) {
      return UrlError("bad percent-encoding in credentials", form);
    }
    out.push_back(static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2])));
    i += 2;
  }
  return out;
}

// Takes "[user:password@]" off the front of `rest` into `ep`. Credentials
// end at the LAST '@' so passwords may contain '@' unencoded.
absl::Status TakeCredentials(absl::string_view& rest, RedisEndpoint& ep, absl::string_view form) {
  const size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) return absl::OkStatus();
  absl::string_view userinfo = rest.substr(0, at);
  rest = rest.substr(at + 1);
  const size_t colon = userinfo.find(':');
  absl::string_view user =
      colon == absl::string_view::npos ? absl::string_view() : userinfo.substr(0, colon);
  absl::string_view password =
      colon == absl::string_view::npos ? userinfo : userinfo.substr(colon + 1);
  auto u = PercentDecode(user, form);
  if (!u.ok()) return u.status();
  auto p = PercentDecode(password, form);
  if (!p.ok()) return p.status();
  ep.user = *std::move(u);
  ep.password = *std::move(p);
  return absl::OkStatus();
}

// "host[:port]" or "[v6]:port" into `ep`.
absl::Status TakeHostPort(absl::string_view hostport, RedisEndpoint& ep, absl::string_view form) {
  absl::string_view port;
  if (absl::StartsWith(hostport, "[")) {
    const size_t close = hostport.find(']');
    if (close == absl::string_view::npos) return UrlError("unclosed '[' in host", form);
    ep.host = std::string(hostport.substr(1, close - 1));
    absl::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return UrlError("garbage after ']'", form);
      port = after.substr(1);
    }
  } else {
    const size_t colon = hostport.rfind(':');
    ep.host = std::string(hostport.substr(0, colon));
    if (colon != absl::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (ep.host.empty()) return UrlError("missing host", form);
  if (!port.empty() && (!absl::SimpleAtoi(port, &ep.port) || ep.port <= 0 || ep.port > 65535)) {
    return UrlError("port must be 1..65535", form);
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisTarget> ParseClusterUrl(absl::string_view rest) {
  RedisEndpoint shared;
  if (auto status = TakeCredentials(rest, shared, kClusterForm); !status.ok()) return status;
  if (absl::StrContains(rest, '/')) {
    return UrlError("a cluster has only database 0; remove the /db", kClusterForm);
  }
  RedisTarget target;
  target.cluster = true;
  for (absl::string_view seed : absl::StrSplit(rest, ',')) {
    RedisEndpoint ep = shared;
    if (auto status = TakeHostPort(seed, ep, kClusterForm); !status.ok()) return status;
    target.endpoints.push_back(std::move(ep));
  }
  return target;
}

}  // namespace

std::string RedisEndpoint::ToSafeString() const {
  const bool v6 = absl::StrContains(host, ':');
  return absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port, "/", db);
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "redis://";
  if (!absl::StartsWith(url, kScheme)) return UrlError("must start with redis://");
  absl::string_view rest = url.substr(kScheme.size());
  RedisEndpoint ep;
  if (auto status = TakeCredentials(rest, ep, kSingleForm); !status.ok()) return status;

  absl::string_view hostport = rest;
  if (const size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    hostport = rest.substr(0, slash);
    absl::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(db, &ep.db) || ep.db < 0))
      return UrlError("database must be a number");
  }
  if (auto status = TakeHostPort(hostport, ep, kSingleForm); !status.ok()) return status;
  return ep;
}

std::string RedisTarget::ToSafeString() const {
  if (!cluster) {
    return endpoints.empty() ? "redis://" : absl::StrCat("redis://", endpoints[0].ToSafeString());
  }
  return absl::StrCat("redis-cluster://",
                      absl::StrJoin(endpoints, ",", [](std::string* out, const RedisEndpoint& ep) {
                        const bool v6 = absl::StrContains(ep.host, ':');
                        absl::StrAppend(out, v6 ? "[" : "", ep.host, v6 ? "]" : "", ":", ep.port);
                      }));
}

absl::StatusOr<RedisTarget> ParseRedisTarget(absl::string_view url) {
  constexpr absl::string_view kClusterScheme = "redis-cluster://";
  if (absl::StartsWith(url, kClusterScheme)) {
    return ParseClusterUrl(url.substr(kClusterScheme.size()));
  }
  if (!absl::StartsWith(url, "redis://")) {
    return UrlError("must start with redis:// or redis-cluster://");
  }
  auto ep = ParseRedisUrl(url);
  if (!ep.ok()) return ep.status();
  RedisTarget target;
  target.endpoints.push_back(*std::move(ep));
  return target;
}

}  // namespace omnigate::redis
