// Parser of the `sender:` section (omnigate-sender).
#include "absl/strings/str_cat.h"
#include "lib/config/fanout_config.h"
#include "lib/config/yaml_fields.h"

namespace omnigate::config {

using yaml::CheckKeys;
using yaml::ConfigError;

absl::Status ParseSender(const YAML::Node& node, const EnvLookup& env, SenderConfig* out) {
  if (auto s = CheckKeys(
          node, "sender",
          {"max_attempts", "backoff_initial", "backoff_max", "send_timeout", "max_in_flight",
           "max_in_flight_per_connector", "max_buffered_per_partition", "connector_pause",
           "max_connections_per_host", "verify_tls", "ca_file", "lease_ttl", "lease_renew",
           "instance_id", "drain_timeout", "status_retention"});
      !s.ok()) {
    return s;
  }
  absl::Status s;
  auto integer = [&](const char* key, int min, int max, int* target) {
    if (node[key])
      s.Update(yaml::Integer(node[key], absl::StrCat("sender.", key), env, min, max, target));
  };
  auto duration = [&](const char* key, absl::Duration* target) {
    if (node[key]) s.Update(yaml::Duration(node[key], absl::StrCat("sender.", key), env, target));
  };
  auto scalar = [&](const char* key, std::string* target) {
    if (!node[key]) return;
    auto v = yaml::Scalar(node[key], absl::StrCat("sender.", key), env);
    if (v.ok()) {
      *target = *std::move(v);
    } else {
      s.Update(v.status());
    }
  };
  integer("max_attempts", 1, 1000, &out->max_attempts);
  integer("max_in_flight", 1, 100000, &out->max_in_flight);
  integer("max_in_flight_per_connector", 1, 100000, &out->max_in_flight_per_connector);
  integer("max_buffered_per_partition", 1, 1000000, &out->max_buffered_per_partition);
  integer("max_connections_per_host", 1, 10000, &out->max_connections_per_host);
  duration("backoff_initial", &out->backoff_initial);
  duration("backoff_max", &out->backoff_max);
  duration("send_timeout", &out->send_timeout);
  duration("connector_pause", &out->connector_pause);
  duration("lease_ttl", &out->lease_ttl);
  duration("lease_renew", &out->lease_renew);
  duration("drain_timeout", &out->drain_timeout);
  duration("status_retention", &out->status_retention);
  if (node["verify_tls"])
    s.Update(yaml::Bool(node["verify_tls"], "sender.verify_tls", env, &out->verify_tls));
  scalar("ca_file", &out->ca_file);
  scalar("instance_id", &out->instance_id);
  if (!s.ok()) return s;
  if (out->lease_renew * 2 > out->lease_ttl)
    return ConfigError("sender.lease_renew", "must be at most half of lease_ttl");
  if (out->lease_ttl < absl::Milliseconds(500))
    return ConfigError("sender.lease_ttl", "must be at least 500ms");
  if (out->backoff_initial > out->backoff_max)
    return ConfigError("sender.backoff_initial", "must not exceed backoff_max");
  if (out->send_timeout <= absl::ZeroDuration())
    return ConfigError("sender.send_timeout", "must be positive");
  if (out->drain_timeout <= out->send_timeout)
    return ConfigError("sender.drain_timeout",
                       "must exceed send_timeout (a send cut off by the drain is sent again)");
  return absl::OkStatus();
}

}  // namespace omnigate::config
