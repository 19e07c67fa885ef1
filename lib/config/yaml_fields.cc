#include "lib/config/yaml_fields.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace omnigate::config::yaml {

absl::Status ConfigError(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("config: ", path, ": ", what));
}

absl::StatusOr<std::string> Scalar(const YAML::Node& node, absl::string_view path,
                                   const EnvLookup& env) {
  if (!node.IsScalar()) return ConfigError(path, "expected a string");
  auto expanded = ExpandEnv(node.Scalar(), env);
  if (!expanded.ok()) return ConfigError(path, expanded.status().message());
  return expanded;
}

absl::StatusOr<std::vector<std::string>> ScalarList(const YAML::Node& node, absl::string_view path,
                                                    const EnvLookup& env) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    auto v = Scalar(node, path, env);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
    return out;
  }
  if (!node.IsSequence()) return ConfigError(path, "expected a list");
  for (size_t i = 0; i < node.size(); ++i) {
    auto v = Scalar(node[i], absl::StrCat(path, "[", i, "]"), env);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
  }
  return out;
}

absl::Status CheckKeys(const YAML::Node& map, absl::string_view path,
                       const std::set<std::string>& allowed) {
  if (!map.IsMap()) return ConfigError(path, "expected a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      return ConfigError(path.empty() ? key : absl::StrCat(path, ".", key),
                         absl::StrCat("unknown key (known: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status Bool(const YAML::Node& node, absl::string_view path, const EnvLookup& env, bool* out) {
  auto text = Scalar(node, path, env);
  if (!text.ok()) return text.status();
  const std::string v = absl::AsciiStrToLower(*text);
  if (v == "true" || v == "yes" || v == "on") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "off") {
    *out = false;
  } else {
    return ConfigError(path, absl::StrCat("expected true or false, got '", *text, "'"));
  }
  return absl::OkStatus();
}

absl::Status Duration(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                      absl::Duration* out) {
  auto text = Scalar(node, path, env);
  if (!text.ok()) return text.status();
  if (!absl::ParseDuration(*text, out) || *out < absl::ZeroDuration()) {
    return ConfigError(path,
                       absl::StrCat("expected a duration like 500ms or 10s, got '", *text, "'"));
  }
  return absl::OkStatus();
}

absl::Status Number(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                    double min, bool min_inclusive, double max, double* out) {
  auto text = Scalar(node, path, env);
  if (!text.ok()) return text.status();
  double v = 0;
  const bool parsed = absl::SimpleAtod(*text, &v) && std::isfinite(v);
  if (!parsed || (min_inclusive ? v < min : v <= min) || v > max) {
    return ConfigError(path, absl::StrCat("expected a number in ", min_inclusive ? "[" : "(", min,
                                          ", ", max, "], got '", *text, "'"));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status HttpUrl(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                     std::string* out) {
  auto text = Scalar(node, path, env);
  if (!text.ok()) return text.status();
  absl::string_view rest = *text;
  const bool http = absl::ConsumePrefix(&rest, "http://") || absl::ConsumePrefix(&rest, "https://");
  bool has_space = false;
  for (char c : rest) has_space |= absl::ascii_isspace(static_cast<unsigned char>(c));
  if (!http || rest.empty() || rest[0] == '/' || has_space) {
    return ConfigError(path,
                       absl::StrCat("expected an http:// or https:// URL, got '", *text, "'"));
  }
  *out = *std::move(text);
  return absl::OkStatus();
}

}  // namespace omnigate::config::yaml
