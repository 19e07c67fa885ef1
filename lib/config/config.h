#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/channels/connector.h"

namespace omnigate::config {

// A downstream omnigate.v1.Sink server.
struct SinkConfig {
  std::string name;
  std::string address;  // HOST:PORT
};

// Which sink serves each conversation mode.
struct RoutingConfig {
  std::string bot = "chatbot";
  std::string agent = "agent-router";
};

// Tuning of omnigate-ingest; every field has a production default.
struct IngestConfig {
  int partitions = 16;
  int64_t dedupe_ttl_seconds = 24 * 3600;
  int64_t stream_max_len = 1000000;
  size_t max_body_bytes = 1 << 20;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  int http_threads = 1;
  int redis_connections = 2;
  size_t max_pending_events = 100000;
  // After SIGTERM, how long readiness reports false before the listeners
  // stop (lets load balancers notice), and how long in-flight work may take.
  absl::Duration drain_delay = absl::ZeroDuration();
  absl::Duration drain_timeout = absl::Seconds(5);
};

// The whole configuration file. Listen addresses and the Redis URL are
// optional here: flags and environment fill them (see services/).
struct Config {
  std::optional<std::string> redis;
  std::optional<std::string> grpc_addr;
  std::optional<std::string> http_addr;
  std::optional<std::string> metrics_addr;
  std::optional<std::string> log_level;
  std::vector<channels::ConnectorSettings> connectors;
  std::vector<SinkConfig> sinks;
  RoutingConfig routing;
  IngestConfig ingest;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view name)>;
// The process environment.
EnvLookup ProcessEnv();

// Replaces every ${NAME} (or ${NAME:-default}) in `text`. INVALID_ARGUMENT
// naming the variable when one is unset and has no default.
absl::StatusOr<std::string> ExpandEnv(absl::string_view text, const EnvLookup& env);

// Parses YAML text. Errors are INVALID_ARGUMENT and name the path of the
// problem ("connectors[1].channel: unknown channel 'whatsap'"). Unknown keys
// are errors too: a typo must not silently disable a setting.
absl::StatusOr<Config> ParseConfig(absl::string_view yaml, const EnvLookup& env);

// Reads and parses a file; NOT_FOUND when it cannot be read.
absl::StatusOr<Config> LoadConfigFile(const std::string& path, const EnvLookup& env);

}  // namespace omnigate::config
