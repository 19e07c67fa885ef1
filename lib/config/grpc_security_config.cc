#include <set>

#include "lib/config/fanout_config.h"
#include "lib/config/yaml_fields.h"

namespace omnigate::config {
namespace {

using yaml::CheckKeys;
using yaml::ConfigError;

// Reads the listed string fields of a mapping.
absl::Status Strings(const YAML::Node& node, const std::string& path, const EnvLookup& env,
                     std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (const auto& [key, target] : fields) {
    if (!node[key]) continue;
    auto v = yaml::Scalar(node[key], absl::StrCat(path, ".", key), env);
    if (!v.ok()) return v.status();
    *target = *std::move(v);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseGrpcServer(const YAML::Node& node, const EnvLookup& env,
                             GrpcServerSecurityConfig* out) {
  if (auto s = CheckKeys(node, "grpc_server", {"tls", "tokens"}); !s.ok()) return s;
  if (const YAML::Node tls = node["tls"]) {
    if (auto s = CheckKeys(tls, "grpc_server.tls", {"cert_file", "key_file", "client_ca_file"});
        !s.ok()) {
      return s;
    }
    if (auto s = Strings(tls, "grpc_server.tls", env,
                         {{"cert_file", &out->cert_file},
                          {"key_file", &out->key_file},
                          {"client_ca_file", &out->client_ca_file}});
        !s.ok()) {
      return s;
    }
    if (out->cert_file.empty() != out->key_file.empty())
      return ConfigError("grpc_server.tls", "cert_file and key_file go together");
    if (!out->client_ca_file.empty() && out->cert_file.empty())
      return ConfigError("grpc_server.tls.client_ca_file", "needs cert_file and key_file");
  }
  if (const YAML::Node tokens = node["tokens"]) {
    if (!tokens.IsSequence()) return ConfigError("grpc_server.tokens", "expected a list");
    std::set<std::string> names;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string path = absl::StrCat("grpc_server.tokens[", i, "]");
      if (auto s = CheckKeys(tokens[i], path, {"name", "token", "scopes"}); !s.ok()) return s;
      GrpcTokenConfig t;
      if (auto s = Strings(tokens[i], path, env, {{"name", &t.name}, {"token", &t.token}});
          !s.ok()) {
        return s;
      }
      if (t.name.empty() || t.token.empty()) return ConfigError(path, "needs name and token");
      if (t.token.size() < 16) return ConfigError(path + ".token", "use at least 16 characters");
      if (!names.insert(t.name).second)
        return ConfigError(path, absl::StrCat("duplicate name '", t.name, "'"));
      if (!tokens[i]["scopes"]) return ConfigError(path + ".scopes", "required");
      auto scopes = yaml::ScalarList(tokens[i]["scopes"], path + ".scopes", env);
      if (!scopes.ok()) return scopes.status();
      for (const auto& scope : *scopes) {
        if (scope != "publish" && scope != "sink" && scope != "conversations" && scope != "admin") {
          return ConfigError(
              path + ".scopes",
              absl::StrCat("unknown scope '", scope, "' (publish|sink|conversations|admin)"));
        }
      }
      t.scopes = *std::move(scopes);
      out->tokens.push_back(std::move(t));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseGrpcClient(const YAML::Node& node, const EnvLookup& env,
                             GrpcClientSecurityConfig* out) {
  if (auto s = CheckKeys(node, "grpc_client", {"tls", "token"}); !s.ok()) return s;
  if (auto s = Strings(node, "grpc_client", env, {{"token", &out->token}}); !s.ok()) return s;
  if (const YAML::Node tls = node["tls"]) {
    if (auto s =
            CheckKeys(tls, "grpc_client.tls", {"ca_file", "cert_file", "key_file", "server_name"});
        !s.ok()) {
      return s;
    }
    if (auto s = Strings(tls, "grpc_client.tls", env,
                         {{"ca_file", &out->ca_file},
                          {"cert_file", &out->cert_file},
                          {"key_file", &out->key_file},
                          {"server_name", &out->server_name}});
        !s.ok()) {
      return s;
    }
    if (out->ca_file.empty()) return ConfigError("grpc_client.tls.ca_file", "required with tls");
    if (out->cert_file.empty() != out->key_file.empty())
      return ConfigError("grpc_client.tls", "cert_file and key_file go together");
  }
  return absl::OkStatus();
}

}  // namespace omnigate::config
