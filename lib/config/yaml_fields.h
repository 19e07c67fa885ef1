#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/config/config.h"

// Typed readers of YAML nodes for the config parsers. Every error is
// INVALID_ARGUMENT and names the path of the offending value. Internal to
// lib/config.
namespace omnigate::config::yaml {

absl::Status ConfigError(absl::string_view path, absl::string_view what);

// A scalar with ${ENV} expansion.
absl::StatusOr<std::string> Scalar(const YAML::Node& node, absl::string_view path,
                                   const EnvLookup& env);

// A list of scalars (a single scalar counts as a one-item list).
absl::StatusOr<std::vector<std::string>> ScalarList(const YAML::Node& node, absl::string_view path,
                                                    const EnvLookup& env);

// Fails on any key of `map` that is not in `allowed`.
absl::Status CheckKeys(const YAML::Node& map, absl::string_view path,
                       const std::set<std::string>& allowed);

absl::Status Bool(const YAML::Node& node, absl::string_view path, const EnvLookup& env, bool* out);

absl::Status Duration(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                      absl::Duration* out);

// A decimal number in [min, max] (or (min, max] when !min_inclusive); NaN
// and infinities are refused.
absl::Status Number(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                    double min, bool min_inclusive, double max, double* out);

// An absolute http:// or https:// URL with a host.
absl::Status HttpUrl(const YAML::Node& node, absl::string_view path, const EnvLookup& env,
                     std::string* out);

template <typename T>
absl::Status Integer(const YAML::Node& node, absl::string_view path, const EnvLookup& env, T min,
                     T max, T* out) {
  auto text = Scalar(node, path, env);
  if (!text.ok()) return text.status();
  int64_t v = 0;
  if (!absl::SimpleAtoi(*text, &v) || v < static_cast<int64_t>(min) ||
      v > static_cast<int64_t>(max)) {
    return ConfigError(
        path, absl::StrCat("expected an integer in [", min, ", ", max, "], got '", *text, "'"));
  }
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

}  // namespace omnigate::config::yaml
