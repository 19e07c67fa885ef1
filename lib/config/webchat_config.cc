// Parser of the `webchat:` section (the hosted web chat widget).
#include "lib/config/webchat_config.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/config/fanout_config.h"
#include "lib/config/yaml_fields.h"

namespace omnigate::config {

using yaml::CheckKeys;
using yaml::ConfigError;

WebchatWidgetConfig WebchatConfig::WidgetFor(const std::string& connector) const {
  for (const WebchatWidgetConfig& widget : widgets) {
    if (widget.connector == connector) return widget;
  }
  WebchatWidgetConfig defaults;
  defaults.connector = connector;
  return defaults;
}

namespace {

bool IsWebchatConnector(const std::vector<connectors::ConnectorSettings>& connectors,
                        const std::string& name) {
  for (const auto& c : connectors) {
    if (c.name == name) return c.channel == omnigate::v1::CHANNEL_WEBCHAT;
  }
  return false;
}

absl::Status ParseWidget(const YAML::Node& node, const std::string& path, const EnvLookup& env,
                         WebchatWidgetConfig* out) {
  if (auto s = CheckKeys(
          node, path,
          {"connector", "allow_anonymous", "allowed_origins", "visitor_messages_per_minute",
           "ip_messages_per_minute", "max_text_bytes", "session_ttl"});
      !s.ok()) {
    return s;
  }
  if (!node["connector"]) return ConfigError(path, "needs connector");
  auto connector = yaml::Scalar(node["connector"], path + ".connector", env);
  if (!connector.ok()) return connector.status();
  out->connector = *std::move(connector);
  absl::Status s;
  if (node["allow_anonymous"])
    s.Update(
        yaml::Bool(node["allow_anonymous"], path + ".allow_anonymous", env, &out->allow_anonymous));
  if (node["allowed_origins"]) {
    auto list = yaml::ScalarList(node["allowed_origins"], path + ".allowed_origins", env);
    if (list.ok()) {
      out->allowed_origins = *std::move(list);
    } else {
      s.Update(list.status());
    }
  }
  if (node["visitor_messages_per_minute"])
    s.Update(yaml::Number(node["visitor_messages_per_minute"],
                          path + ".visitor_messages_per_minute", env, 0, false, 1e6,
                          &out->visitor_messages_per_minute));
  if (node["ip_messages_per_minute"])
    s.Update(yaml::Number(node["ip_messages_per_minute"], path + ".ip_messages_per_minute", env, 0,
                          false, 1e6, &out->ip_messages_per_minute));
  if (node["max_text_bytes"])
    s.Update(yaml::Integer(node["max_text_bytes"], path + ".max_text_bytes", env, int64_t{1},
                           int64_t{65536}, &out->max_text_bytes));
  if (node["session_ttl"])
    s.Update(yaml::Duration(node["session_ttl"], path + ".session_ttl", env, &out->session_ttl));
  if (!s.ok()) return s;
  for (const std::string& origin : out->allowed_origins) {
    // An origin is scheme://host[:port], exactly as browsers send it.
    if (!(absl::StartsWith(origin, "http://") || absl::StartsWith(origin, "https://")) ||
        absl::EndsWith(origin, "/")) {
      return ConfigError(path + ".allowed_origins",
                         absl::StrCat("'", origin, "' is not an origin (scheme://host[:port])"));
    }
  }
  if (out->session_ttl < absl::Minutes(1))
    return ConfigError(path + ".session_ttl", "must be at least 1m");
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseWebchat(const YAML::Node& node, const EnvLookup& env,
                          const std::vector<connectors::ConnectorSettings>& connectors,
                          WebchatConfig* out) {
  if (auto s = CheckKeys(node, "webchat",
                         {"widgets", "transcript_max_len", "transcript_ttl", "poll_timeout"});
      !s.ok()) {
    return s;
  }
  absl::Status s;
  if (node["transcript_max_len"])
    s.Update(yaml::Integer(node["transcript_max_len"], "webchat.transcript_max_len", env,
                           int64_t{10}, int64_t{100000}, &out->transcript_max_len));
  if (node["transcript_ttl"])
    s.Update(yaml::Duration(node["transcript_ttl"], "webchat.transcript_ttl", env,
                            &out->transcript_ttl));
  if (node["poll_timeout"])
    s.Update(yaml::Duration(node["poll_timeout"], "webchat.poll_timeout", env, &out->poll_timeout));
  if (!s.ok()) return s;
  if (out->transcript_ttl < absl::Minutes(1))
    return ConfigError("webchat.transcript_ttl", "must be at least 1m");
  if (out->poll_timeout < absl::Seconds(1) || out->poll_timeout > absl::Minutes(2))
    return ConfigError("webchat.poll_timeout", "must be between 1s and 2m");
  if (const YAML::Node widgets = node["widgets"]) {
    if (!widgets.IsSequence()) return ConfigError("webchat.widgets", "expected a list");
    std::set<std::string> seen;
    for (size_t i = 0; i < widgets.size(); ++i) {
      const std::string path = absl::StrCat("webchat.widgets[", i, "]");
      WebchatWidgetConfig widget;
      if (auto st = ParseWidget(widgets[i], path, env, &widget); !st.ok()) return st;
      if (!IsWebchatConnector(connectors, widget.connector))
        return ConfigError(path + ".connector",
                           absl::StrCat("'", widget.connector, "' is not a webchat connector"));
      if (!seen.insert(widget.connector).second)
        return ConfigError(path, absl::StrCat("duplicate connector '", widget.connector, "'"));
      out->widgets.push_back(std::move(widget));
    }
  }
  return absl::OkStatus();
}

}  // namespace omnigate::config
