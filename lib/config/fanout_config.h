#pragma once

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "lib/config/config.h"

// Parsers of the fan-out sections (routing, dispatcher, chatbot,
// agent_router). Internal to lib/config; ParseConfig calls them.
namespace omnigate::config {

absl::Status ParseRouting(const YAML::Node& node, const EnvLookup& env, RoutingConfig* out);
absl::Status ParseDispatcher(const YAML::Node& node, const EnvLookup& env, DispatcherConfig* out);
absl::Status ParseSender(const YAML::Node& node, const EnvLookup& env, SenderConfig* out);
absl::Status ParseChatbot(const YAML::Node& node, const EnvLookup& env, ChatbotConfig* out);
absl::Status ParseCx(const YAML::Node& node, const EnvLookup& env, CxConfig* out);
// `connectors`: the parsed connectors, which every widget must name (web
// chat ones).
absl::Status ParseWebchat(const YAML::Node& node, const EnvLookup& env,
                          const std::vector<connectors::ConnectorSettings>& connectors,
                          WebchatConfig* out);
absl::Status ParseAgentRouter(const YAML::Node& node, const EnvLookup& env, AgentRouterConfig* out);

absl::Status ParseGrpcServer(const YAML::Node& node, const EnvLookup& env,
                             GrpcServerSecurityConfig* out);
absl::Status ParseGrpcClient(const YAML::Node& node, const EnvLookup& env,
                             GrpcClientSecurityConfig* out);

// Every sink named by routing exists in `sinks` (checked when sinks are
// configured at all: ingest-only configs may leave them out).
absl::Status ValidateRouting(const Config& config);

}  // namespace omnigate::config
