// Parser of the `cx:` section (customer experience: history, bot
// resolution, CSAT survey, first-response targets).
#include "absl/strings/str_cat.h"
#include "lib/config/fanout_config.h"
#include "lib/config/yaml_fields.h"

namespace omnigate::config {

using yaml::CheckKeys;
using yaml::ConfigError;

absl::Duration CxConfig::SlaFor(absl::string_view priority) const {
  if (priority == "urgent") return sla_urgent;
  if (priority == "high") return sla_high;
  if (priority == "low") return sla_low;
  return sla_normal;
}

bool CxConfig::CsatOn(absl::string_view connector) const {
  if (!csat_enabled) return false;
  for (const std::string& off : csat_off_connectors) {
    if (off == connector) return false;
  }
  return true;
}

absl::Status ParseCx(const YAML::Node& node, const EnvLookup& env, CxConfig* out) {
  if (auto s = CheckKeys(node, "cx",
                         {"history_retention", "history_max_len", "bot_resolve_idle", "csat",
                          "first_response_sla"});
      !s.ok()) {
    return s;
  }
  absl::Status s;
  if (node["history_retention"])
    s.Update(yaml::Duration(node["history_retention"], "cx.history_retention", env,
                            &out->history_retention));
  if (node["history_max_len"])
    s.Update(yaml::Integer(node["history_max_len"], "cx.history_max_len", env, int64_t{0},
                           int64_t{1000000}, &out->history_max_len));
  if (node["bot_resolve_idle"])
    s.Update(yaml::Duration(node["bot_resolve_idle"], "cx.bot_resolve_idle", env,
                            &out->bot_resolve_idle));
  if (const YAML::Node csat = node["csat"]) {
    s.Update(CheckKeys(csat, "cx.csat",
                       {"enabled", "delay", "window", "text_en", "text_id", "off_connectors"}));
    if (csat["enabled"])
      s.Update(yaml::Bool(csat["enabled"], "cx.csat.enabled", env, &out->csat_enabled));
    if (csat["delay"])
      s.Update(yaml::Duration(csat["delay"], "cx.csat.delay", env, &out->csat_delay));
    if (csat["window"])
      s.Update(yaml::Duration(csat["window"], "cx.csat.window", env, &out->csat_window));
    for (auto [key, target] :
         {std::pair{"text_en", &out->csat_text_en}, std::pair{"text_id", &out->csat_text_id}}) {
      if (!csat[key]) continue;
      auto v = yaml::Scalar(csat[key], absl::StrCat("cx.csat.", key), env);
      if (v.ok()) {
        *target = *std::move(v);
      } else {
        s.Update(v.status());
      }
    }
    if (csat["off_connectors"]) {
      auto list = yaml::ScalarList(csat["off_connectors"], "cx.csat.off_connectors", env);
      if (list.ok()) {
        out->csat_off_connectors = *std::move(list);
      } else {
        s.Update(list.status());
      }
    }
  }
  if (const YAML::Node sla = node["first_response_sla"]) {
    s.Update(CheckKeys(sla, "cx.first_response_sla", {"urgent", "high", "normal", "low"}));
    for (auto [key, target] :
         {std::pair{"urgent", &out->sla_urgent}, std::pair{"high", &out->sla_high},
          std::pair{"normal", &out->sla_normal}, std::pair{"low", &out->sla_low}}) {
      if (sla[key])
        s.Update(
            yaml::Duration(sla[key], absl::StrCat("cx.first_response_sla.", key), env, target));
    }
  }
  if (!s.ok()) return s;
  if (out->history_retention < absl::Minutes(1))
    return ConfigError("cx.history_retention", "must be at least 1m");
  if (out->bot_resolve_idle < absl::ZeroDuration())
    return ConfigError("cx.bot_resolve_idle", "must not be negative");
  if (out->csat_window <= absl::ZeroDuration())
    return ConfigError("cx.csat.window", "must be positive");
  if (out->csat_delay < absl::ZeroDuration() || out->csat_delay >= out->csat_window)
    return ConfigError("cx.csat.delay", "must be at least 0 and below cx.csat.window");
  for (absl::Duration d : {out->sla_urgent, out->sla_high, out->sla_normal, out->sla_low}) {
    if (d <= absl::ZeroDuration())
      return ConfigError("cx.first_response_sla", "every target must be positive");
  }
  return absl::OkStatus();
}

}  // namespace omnigate::config
