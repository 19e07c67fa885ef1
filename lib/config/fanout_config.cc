#include "lib/config/fanout_config.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "lib/config/yaml_fields.h"
#include "re2/re2.h"

namespace omnigate::config {
namespace {

using yaml::CheckKeys;
using yaml::ConfigError;

absl::Status ParseMode(const std::string& mode, absl::string_view path) {
  if (mode == "bot" || mode == "agent" || mode == "closed") return absl::OkStatus();
  return ConfigError(path, absl::StrCat("unknown mode '", mode, "' (bot|agent|closed)"));
}

// "09:30" -> 570. "24:00" is allowed as the end of a day.
absl::Status ParseClock(const std::string& text, absl::string_view path, int* minutes) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  int h = 0, m = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &h) || !absl::SimpleAtoi(parts[1], &m) ||
      h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
    return ConfigError(path, absl::StrCat("expected HH:MM, got '", text, "'"));
  }
  *minutes = h * 60 + m;
  return absl::OkStatus();
}

absl::Status ParseDay(const std::string& text, absl::string_view path, int* day) {
  static const char* const kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const std::string lower = absl::AsciiStrToLower(text).substr(0, 3);
  for (int i = 0; i < 7; ++i) {
    if (lower == kDays[i]) {
      *day = i;
      return absl::OkStatus();
    }
  }
  return ConfigError(path, absl::StrCat("unknown day '", text, "' (mon..sun)"));
}

absl::Status ParseBusinessHours(const YAML::Node& node, const std::string& path,
                                const EnvLookup& env, BusinessHours* out) {
  if (auto s = CheckKeys(node, path, {"timezone", "days", "from", "to"}); !s.ok()) return s;
  if (node["timezone"]) {
    auto tz = yaml::Scalar(node["timezone"], path + ".timezone", env);
    if (!tz.ok()) return tz.status();
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(*tz, &zone))
      return ConfigError(path + ".timezone", absl::StrCat("unknown time zone '", *tz, "'"));
    out->timezone = *tz;
  }
  if (node["days"]) {
    auto days = yaml::ScalarList(node["days"], path + ".days", env);
    if (!days.ok()) return days.status();
    out->days.clear();
    for (const auto& d : *days) {
      int day = 0;
      if (auto s = ParseDay(d, path + ".days", &day); !s.ok()) return s;
      out->days.push_back(day);
    }
  }
  for (auto [key, target] :
       {std::pair{"from", &out->from_minute}, std::pair{"to", &out->to_minute}}) {
    if (!node[key]) continue;
    auto text = yaml::Scalar(node[key], absl::StrCat(path, ".", key), env);
    if (!text.ok()) return text.status();
    if (auto s = ParseClock(*text, absl::StrCat(path, ".", key), target); !s.ok()) return s;
  }
  if (out->from_minute >= out->to_minute) return ConfigError(path, "'from' must be before 'to'");
  return absl::OkStatus();
}

absl::Status ParseRule(const YAML::Node& node, const std::string& path, const EnvLookup& env,
                       RoutingRule* rule) {
  if (auto s =
          CheckKeys(node, path,
                    {"name", "modes", "channels", "keywords", "regex", "languages", "attributes",
                     "business_hours", "outside_business_hours", "sink", "priority", "skill"});
      !s.ok()) {
    return s;
  }
  auto str = [&](const char* key, std::string* target) -> absl::Status {
    if (!node[key]) return absl::OkStatus();
    auto v = yaml::Scalar(node[key], absl::StrCat(path, ".", key), env);
    if (!v.ok()) return v.status();
    *target = *std::move(v);
    return absl::OkStatus();
  };
  auto list = [&](const char* key, std::vector<std::string>* target) -> absl::Status {
    if (!node[key]) return absl::OkStatus();
    auto v = yaml::ScalarList(node[key], absl::StrCat(path, ".", key), env);
    if (!v.ok()) return v.status();
    for (auto& item : *v) target->push_back(absl::AsciiStrToLower(item));
    return absl::OkStatus();
  };
  absl::Status s;
  s.Update(str("name", &rule->name));
  s.Update(str("regex", &rule->regex));
  s.Update(str("sink", &rule->sink));
  s.Update(str("priority", &rule->priority));
  s.Update(str("skill", &rule->skill));
  s.Update(list("modes", &rule->modes));
  s.Update(list("keywords", &rule->keywords));
  s.Update(list("languages", &rule->languages));
  std::vector<std::string> channels;
  s.Update(list("channels", &channels));
  if (!s.ok()) return s;
  for (const auto& m : rule->modes) {
    if (auto e = ParseMode(m, path + ".modes"); !e.ok()) return e;
  }
  for (const auto& c : channels) {
    const auto channel = connectors::ChannelFromName(c);
    if (channel == omnigate::v1::CHANNEL_UNSPECIFIED)
      return ConfigError(path + ".channels", absl::StrCat("unknown channel '", c, "'"));
    rule->channels.push_back(channel);
  }
  if (!rule->regex.empty()) {
    RE2 re(rule->regex, RE2::Quiet);
    if (!re.ok()) return ConfigError(path + ".regex", absl::StrCat("bad regex: ", re.error()));
  }
  if (!rule->priority.empty() && rule->priority != "urgent" && rule->priority != "high" &&
      rule->priority != "normal" && rule->priority != "low") {
    return ConfigError(path + ".priority", absl::StrCat("unknown priority '", rule->priority,
                                                        "' (urgent|high|normal|low)"));
  }
  if (const YAML::Node attrs = node["attributes"]) {
    if (!attrs.IsMap()) return ConfigError(path + ".attributes", "expected a mapping");
    for (const auto& kv : attrs) {
      const std::string key = kv.first.as<std::string>();
      auto v = yaml::Scalar(kv.second, absl::StrCat(path, ".attributes.", key), env);
      if (!v.ok()) return v.status();
      rule->attributes.emplace_back(key, *std::move(v));
    }
  }
  if (node["business_hours"] && node["outside_business_hours"])
    return ConfigError(path, "use business_hours or outside_business_hours, not both");
  for (const char* key : {"business_hours", "outside_business_hours"}) {
    if (!node[key]) continue;
    BusinessHours hours;
    if (auto e = ParseBusinessHours(node[key], absl::StrCat(path, ".", key), env, &hours); !e.ok())
      return e;
    rule->business_hours = hours;
    rule->inside_business_hours = std::string(key) == "business_hours";
  }
  if (rule->sink.empty() && rule->priority.empty() && rule->skill.empty())
    return ConfigError(path, "a rule needs at least one of sink, priority, skill");
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseRouting(const YAML::Node& node, const EnvLookup& env, RoutingConfig* out) {
  if (auto s = CheckKeys(node, "routing", {"bot", "agent", "closed", "rules"}); !s.ok()) return s;
  for (auto [key, target] : {std::pair{"bot", &out->bot}, std::pair{"agent", &out->agent},
                             std::pair{"closed", &out->closed}}) {
    if (!node[key]) continue;
    auto v = yaml::Scalar(node[key], absl::StrCat("routing.", key), env);
    if (!v.ok()) return v.status();
    *target = *std::move(v);
  }
  if (const YAML::Node rules = node["rules"]) {
    if (!rules.IsSequence()) return ConfigError("routing.rules", "expected a list");
    for (size_t i = 0; i < rules.size(); ++i) {
      RoutingRule rule;
      const std::string path = absl::StrCat("routing.rules[", i, "]");
      if (auto s = ParseRule(rules[i], path, env, &rule); !s.ok()) return s;
      if (rule.name.empty()) rule.name = absl::StrCat("rule", i);
      out->rules.push_back(std::move(rule));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseDispatcher(const YAML::Node& node, const EnvLookup& env, DispatcherConfig* out) {
  if (auto s = CheckKeys(node, "dispatcher",
                         {"max_attempts", "backoff_initial", "backoff_max", "deliver_timeout",
                          "batch_events", "max_in_flight_per_sink", "max_buffered_per_partition",
                          "lease_ttl", "lease_renew", "instance_id", "drain_timeout"});
      !s.ok()) {
    return s;
  }
  absl::Status s;
  auto integer = [&](const char* key, int min, int max, int* target) {
    if (node[key])
      s.Update(yaml::Integer(node[key], absl::StrCat("dispatcher.", key), env, min, max, target));
  };
  auto duration = [&](const char* key, absl::Duration* target) {
    if (node[key])
      s.Update(yaml::Duration(node[key], absl::StrCat("dispatcher.", key), env, target));
  };
  integer("max_attempts", 1, 1000, &out->max_attempts);
  integer("batch_events", 1, 10000, &out->batch_events);
  integer("max_in_flight_per_sink", 1, 10000, &out->max_in_flight_per_sink);
  integer("max_buffered_per_partition", 1, 1000000, &out->max_buffered_per_partition);
  duration("backoff_initial", &out->backoff_initial);
  duration("backoff_max", &out->backoff_max);
  duration("deliver_timeout", &out->deliver_timeout);
  duration("lease_ttl", &out->lease_ttl);
  duration("lease_renew", &out->lease_renew);
  duration("drain_timeout", &out->drain_timeout);
  if (node["instance_id"]) {
    auto v = yaml::Scalar(node["instance_id"], "dispatcher.instance_id", env);
    if (!v.ok()) return v.status();
    out->instance_id = *std::move(v);
  }
  if (!s.ok()) return s;
  if (out->lease_renew * 2 > out->lease_ttl)
    return ConfigError("dispatcher.lease_renew", "must be at most half of lease_ttl");
  if (out->lease_ttl < absl::Milliseconds(500))
    return ConfigError("dispatcher.lease_ttl", "must be at least 500ms");
  if (out->backoff_initial > out->backoff_max)
    return ConfigError("dispatcher.backoff_initial", "must not exceed backoff_max");
  return absl::OkStatus();
}

absl::Status ParseChatbot(const YAML::Node& node, const EnvLookup& env, ChatbotConfig* out) {
  if (auto s = CheckKeys(node, "chatbot", {"faq_file", "max_unanswered", "conversations_addr"});
      !s.ok()) {
    return s;
  }
  for (auto [key, target] : {std::pair{"faq_file", &out->faq_file},
                             std::pair{"conversations_addr", &out->conversations_addr}}) {
    if (!node[key]) continue;
    auto v = yaml::Scalar(node[key], absl::StrCat("chatbot.", key), env);
    if (!v.ok()) return v.status();
    *target = *std::move(v);
  }
  if (node["max_unanswered"]) {
    return yaml::Integer(node["max_unanswered"], "chatbot.max_unanswered", env, 1, 100,
                         &out->max_unanswered);
  }
  return absl::OkStatus();
}

absl::Status ParseAgentRouter(const YAML::Node& node, const EnvLookup& env,
                              AgentRouterConfig* out) {
  if (auto s = CheckKeys(node, "agent_router", {"agents_file", "conversations_addr"}); !s.ok())
    return s;
  for (auto [key, target] : {std::pair{"agents_file", &out->agents_file},
                             std::pair{"conversations_addr", &out->conversations_addr}}) {
    if (!node[key]) continue;
    auto v = yaml::Scalar(node[key], absl::StrCat("agent_router.", key), env);
    if (!v.ok()) return v.status();
    *target = *std::move(v);
  }
  return absl::OkStatus();
}

absl::Status ValidateRouting(const Config& config) {
  if (config.sinks.empty()) return absl::OkStatus();
  std::set<std::string> names;
  for (const auto& sink : config.sinks) names.insert(sink.name);
  auto check = [&](const std::string& name, const std::string& path) -> absl::Status {
    if (name.empty() || names.count(name) > 0) return absl::OkStatus();
    return ConfigError(path, absl::StrCat("no sink named '", name, "' in sinks"));
  };
  absl::Status s;
  s.Update(check(config.routing.bot, "routing.bot"));
  s.Update(check(config.routing.agent, "routing.agent"));
  s.Update(check(config.routing.closed, "routing.closed"));
  for (size_t i = 0; i < config.routing.rules.size(); ++i)
    s.Update(check(config.routing.rules[i].sink, absl::StrCat("routing.rules[", i, "].sink")));
  return s;
}

}  // namespace omnigate::config
