#include "lib/agents/agents_file.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/config/yaml_fields.h"

namespace omnigate::agents {
namespace {

namespace yaml = ::omnigate::config::yaml;

// The agents file is data, not config: no ${ENV} expansion.
std::optional<std::string> NoEnv(absl::string_view) { return std::nullopt; }

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != '@') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<std::string>> LowerList(const YAML::Node& node, const std::string& path,
                                                   const config::EnvLookup& env) {
  std::vector<std::string> out;
  if (!node) return out;
  auto items = yaml::ScalarList(node, path, env);
  if (!items.ok()) return items.status();
  for (std::string& item : *items) {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    if (lower.empty()) return yaml::ConfigError(path, "empty entry");
    out.push_back(std::move(lower));
  }
  return out;
}

absl::StatusOr<Agent> ParseAgent(const YAML::Node& node, const std::string& path,
                                 const config::EnvLookup& env) {
  if (!node.IsMap()) return yaml::ConfigError(path, "expected a mapping");
  if (auto s = yaml::CheckKeys(node, path,
                               {"id", "name", "skills", "languages", "capacity", "presence"});
      !s.ok()) {
    return s;
  }
  Agent agent;
  if (!node["id"]) return yaml::ConfigError(path + ".id", "required");
  auto id = yaml::Scalar(node["id"], path + ".id", env);
  if (!id.ok()) return id.status();
  if (!ValidId(*id)) {
    return yaml::ConfigError(path + ".id", "use 1-128 characters of [A-Za-z0-9._@-]");
  }
  agent.id = *id;
  if (node["name"]) {
    auto name = yaml::Scalar(node["name"], path + ".name", env);
    if (!name.ok()) return name.status();
    agent.display_name = *name;
  }
  auto skills = LowerList(node["skills"], path + ".skills", env);
  if (!skills.ok()) return skills.status();
  agent.skills = *std::move(skills);
  auto languages = LowerList(node["languages"], path + ".languages", env);
  if (!languages.ok()) return languages.status();
  agent.languages = *std::move(languages);
  if (!node["capacity"]) return yaml::ConfigError(path + ".capacity", "required");
  if (auto s =
          yaml::Integer<int>(node["capacity"], path + ".capacity", env, 1, 1000, &agent.capacity);
      !s.ok()) {
    return s;
  }
  if (node["presence"]) {
    auto presence = yaml::Scalar(node["presence"], path + ".presence", env);
    if (!presence.ok()) return presence.status();
    if (!ParsePresence(*presence, &agent.presence)) {
      return yaml::ConfigError(path + ".presence",
                               absl::StrCat("expected online|away|offline, got '", *presence, "'"));
    }
  }
  return agent;
}

}  // namespace

absl::StatusOr<std::vector<Agent>> ParseAgentsYaml(absl::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return yaml::ConfigError("agents file", e.what());
  }
  if (!root.IsMap()) return yaml::ConfigError("agents file", "expected a mapping with 'agents'");
  if (auto s = yaml::CheckKeys(root, "", {"agents"}); !s.ok()) return s;
  const YAML::Node list = root["agents"];
  if (!list || !list.IsSequence()) return yaml::ConfigError("agents", "expected a list");
  const config::EnvLookup env = NoEnv;
  std::vector<Agent> agents;
  std::set<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = absl::StrCat("agents[", i, "]");
    auto agent = ParseAgent(list[i], path, env);
    if (!agent.ok()) return agent.status();
    if (!seen.insert(agent->id).second) {
      return yaml::ConfigError(path + ".id", absl::StrCat("duplicate id '", agent->id, "'"));
    }
    agents.push_back(*std::move(agent));
  }
  return agents;
}

}  // namespace omnigate::agents
