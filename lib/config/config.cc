#include "lib/config/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/config/fanout_config.h"
#include "lib/config/yaml_fields.h"
#include "lib/connectors/outbound_defaults.h"

namespace omnigate::config {
namespace {

using yaml::CheckKeys;
using yaml::ConfigError;
using yaml::Duration;
using yaml::HttpUrl;
using yaml::Integer;
using yaml::Number;
using yaml::Scalar;

// Upper bound of configured send rates: far above any provider's limit, so a
// larger value is a mistake.
constexpr double kMaxRatePerSecond = 100000;

// `connectors[i].outbound` (`node` undefined when absent); absent fields get
// the channel's defaults, so the channel and provider must be parsed first.
absl::Status ParseOutbound(const YAML::Node& node, const std::string& path, const EnvLookup& env,
                           connectors::ConnectorSettings* connector) {
  connectors::OutboundSettings& out = connector->outbound;
  // An empty `outbound:` counts as absent.
  const bool present = node && !node.IsNull();
  auto has = [&](const char* key) -> bool { return present && node[key]; };
  if (present) {
    if (auto s = CheckKeys(node, path,
                           {"api_base_url", "token", "account", "from", "rate_per_s",
                            "status_callback_url", "recipient_rate_per_s"});
        !s.ok()) {
      return s;
    }
  }
  struct Field {
    const char* key;
    std::string* target;
  };
  for (const Field& f :
       {Field{"token", &out.token}, Field{"account", &out.account}, Field{"from", &out.from}}) {
    if (!has(f.key)) continue;
    auto v = Scalar(node[f.key], absl::StrCat(path, ".", f.key), env);
    if (!v.ok()) return v.status();
    *f.target = *std::move(v);
  }
  for (const Field& f : {Field{"api_base_url", &out.api_base_url},
                         Field{"status_callback_url", &out.status_callback_url}}) {
    if (!has(f.key)) continue;
    if (auto s = HttpUrl(node[f.key], absl::StrCat(path, ".", f.key), env, f.target); !s.ok())
      return s;
  }
  if (has("rate_per_s")) {
    if (auto s = Number(node["rate_per_s"], path + ".rate_per_s", env, 0, /*min_inclusive=*/false,
                        kMaxRatePerSecond, &out.rate_per_s);
        !s.ok()) {
      return s;
    }
  } else {
    out.rate_per_s = connectors::DefaultRatePerSecond(connector->channel);
  }
  // An explicit 0 turns the per-recipient limit off, so only absence defaults.
  if (has("recipient_rate_per_s")) {
    if (auto s = Number(node["recipient_rate_per_s"], path + ".recipient_rate_per_s", env, 0,
                        /*min_inclusive=*/true, kMaxRatePerSecond, &out.recipient_rate_per_s);
        !s.ok()) {
      return s;
    }
  } else {
    out.recipient_rate_per_s = connectors::DefaultRecipientRatePerSecond(connector->channel);
  }
  if (!has("api_base_url")) {
    out.api_base_url =
        std::string(connectors::DefaultApiBaseUrl(connector->channel, connector->provider));
  }
  return absl::OkStatus();
}

absl::Status ParseConnector(const YAML::Node& node, const std::string& path, const EnvLookup& env,
                            connectors::ConnectorSettings* out) {
  if (auto s = CheckKeys(
          node, path,
          {"name", "channel", "secret", "verify_token", "public_url", "provider", "basic_auth",
           "account_id", "outbound", "attachment_max_bytes", "attachment_ttl_seconds"});
      !s.ok()) {
    return s;
  }
  struct Field {
    const char* key;
    std::string* target;
  };
  std::string channel;
  for (const Field& f :
       {Field{"name", &out->name}, Field{"channel", &channel}, Field{"secret", &out->secret},
        Field{"verify_token", &out->verify_token}, Field{"public_url", &out->public_url},
        Field{"provider", &out->provider}, Field{"basic_auth", &out->basic_auth},
        Field{"account_id", &out->account_id}}) {
    if (!node[f.key]) continue;
    auto v = Scalar(node[f.key], absl::StrCat(path, ".", f.key), env);
    if (!v.ok()) return v.status();
    *f.target = *std::move(v);
  }
  if (out->name.empty()) return ConfigError(absl::StrCat(path, ".name"), "required");
  for (char c : out->name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok)
      return ConfigError(absl::StrCat(path, ".name"), "use only letters, digits, '-', '_' and '.'");
  }
  // Metric label values of their own: a connector may not take them.
  if (out->name == "unknown" || out->name == "publish")
    return ConfigError(absl::StrCat(path, ".name"), "'unknown' and 'publish' are reserved");
  if (channel.empty()) return ConfigError(absl::StrCat(path, ".channel"), "required");
  out->channel = connectors::ChannelFromName(channel);
  if (out->channel == omnigate::v1::CHANNEL_UNSPECIFIED) {
    return ConfigError(
        absl::StrCat(path, ".channel"),
        absl::StrCat(
            "unknown channel '", channel,
            "' (whatsapp|messenger|instagram|telegram|line|twilio|viber|x|email|webchat)"));
  }
  if (!out->basic_auth.empty() && out->basic_auth.find(':') == std::string::npos) {
    return ConfigError(absl::StrCat(path, ".basic_auth"), "expected user:password");
  }
  // E-mail attachments kept in Redis: size cap and time to live.
  auto count = [&](const char* key, int64_t max, int64_t* target) -> absl::Status {
    if (!node[key]) return absl::OkStatus();
    auto v = Scalar(node[key], absl::StrCat(path, ".", key), env);
    if (!v.ok()) return v.status();
    if (!absl::SimpleAtoi(*v, target) || *target < 0 || *target > max) {
      return ConfigError(absl::StrCat(path, ".", key), absl::StrCat("expected 0..", max));
    }
    return absl::OkStatus();
  };
  int64_t max_bytes = static_cast<int64_t>(out->attachment_max_bytes);
  if (auto s = count("attachment_max_bytes", 512LL << 20, &max_bytes); !s.ok()) return s;
  out->attachment_max_bytes = static_cast<uint64_t>(max_bytes);
  if (auto s = count("attachment_ttl_seconds", 365LL * 24 * 3600, &out->attachment_ttl_seconds);
      !s.ok()) {
    return s;
  }
  return ParseOutbound(node["outbound"], absl::StrCat(path, ".outbound"), env, out);
}

absl::Status ParseIngest(const YAML::Node& node, const EnvLookup& env, IngestConfig* out) {
  if (auto s = CheckKeys(
          node, "ingest",
          {"partitions", "dedupe_ttl_seconds", "stream_max_len", "max_backlog", "max_body_bytes",
           "header_timeout", "body_timeout", "idle_timeout", "http_threads", "redis_connections",
           "max_pending_events", "max_in_flight_calls", "max_streams_per_connection",
           "max_loop_lag", "drain_delay", "drain_timeout", "conversation_retention"});
      !s.ok()) {
    return s;
  }
  absl::Status s;
  if (node["partitions"])
    s.Update(Integer(node["partitions"], "ingest.partitions", env, 1, 1024, &out->partitions));
  if (node["dedupe_ttl_seconds"]) {
    s.Update(Integer<int64_t>(node["dedupe_ttl_seconds"], "ingest.dedupe_ttl_seconds", env, 1,
                              30LL * 86400, &out->dedupe_ttl_seconds));
  }
  if (node["stream_max_len"]) {
    s.Update(Integer<int64_t>(node["stream_max_len"], "ingest.stream_max_len", env, 1000,
                              1000000000, &out->stream_max_len));
  }
  if (node["max_backlog"]) {
    s.Update(Integer<int64_t>(node["max_backlog"], "ingest.max_backlog", env, 0, 1000000000,
                              &out->max_backlog));
  }
  if (node["max_body_bytes"]) {
    s.Update(Integer<size_t>(node["max_body_bytes"], "ingest.max_body_bytes", env, 1024, 64 << 20,
                             &out->max_body_bytes));
  }
  if (node["http_threads"])
    s.Update(Integer(node["http_threads"], "ingest.http_threads", env, 1, 64, &out->http_threads));
  if (node["redis_connections"]) {
    s.Update(Integer(node["redis_connections"], "ingest.redis_connections", env, 1, 64,
                     &out->redis_connections));
  }
  if (node["max_pending_events"]) {
    s.Update(Integer<size_t>(node["max_pending_events"], "ingest.max_pending_events", env, 100,
                             10000000, &out->max_pending_events));
  }
  if (node["max_in_flight_calls"]) {
    s.Update(Integer(node["max_in_flight_calls"], "ingest.max_in_flight_calls", env, 1, 1000000,
                     &out->max_in_flight_calls));
  }
  if (node["max_streams_per_connection"]) {
    s.Update(Integer(node["max_streams_per_connection"], "ingest.max_streams_per_connection", env,
                     1, 1000000, &out->max_streams_per_connection));
  }
  if (node["max_loop_lag"])
    s.Update(Duration(node["max_loop_lag"], "ingest.max_loop_lag", env, &out->max_loop_lag));
  if (node["header_timeout"])
    s.Update(Duration(node["header_timeout"], "ingest.header_timeout", env, &out->header_timeout));
  if (node["body_timeout"])
    s.Update(Duration(node["body_timeout"], "ingest.body_timeout", env, &out->body_timeout));
  if (node["idle_timeout"])
    s.Update(Duration(node["idle_timeout"], "ingest.idle_timeout", env, &out->idle_timeout));
  if (node["drain_delay"])
    s.Update(Duration(node["drain_delay"], "ingest.drain_delay", env, &out->drain_delay));
  if (node["drain_timeout"])
    s.Update(Duration(node["drain_timeout"], "ingest.drain_timeout", env, &out->drain_timeout));
  if (node["conversation_retention"]) {
    s.Update(Duration(node["conversation_retention"], "ingest.conversation_retention", env,
                      &out->conversation_retention));
    // Zero would delete state on the write that creates it.
    if (s.ok() && out->conversation_retention < absl::Seconds(1)) {
      return ConfigError("ingest.conversation_retention", "must be at least 1s");
    }
  }
  // Unset: half the stream cap, so a backlog never reaches trimming.
  if (!node["max_backlog"]) out->max_backlog = out->stream_max_len / 2;
  if (s.ok() && out->max_backlog >= out->stream_max_len) {
    return ConfigError("ingest.max_backlog",
                       "must be below ingest.stream_max_len (trimming would drop undelivered "
                       "events)");
  }
  return s;
}

// redis_wait_replicas / redis_wait_timeout_ms (top level).
absl::Status ParseReplicaWait(const YAML::Node& root, const EnvLookup& env, Config* out) {
  // More replicas than any real deployment has would only fail every write.
  if (root["redis_wait_replicas"]) {
    if (auto s = Integer(root["redis_wait_replicas"], "redis_wait_replicas", env, 0, 16,
                         &out->redis_wait_replicas);
        !s.ok()) {
      return s;
    }
  }
  // WAIT with 0 ms blocks forever; above 60 s a webhook would time out first.
  if (root["redis_wait_timeout_ms"]) {
    if (auto s = Integer<int64_t>(root["redis_wait_timeout_ms"], "redis_wait_timeout_ms", env, 1,
                                  60000, &out->redis_wait_timeout_ms);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> ParseRoot(const YAML::Node& root, const EnvLookup& env) {
  Config config;
  if (root.IsNull()) return config;  // an empty file is a valid, empty config
  if (auto s = CheckKeys(root, "",
                         {"redis", "grpc_addr", "http_addr", "metrics_addr", "log_level",
                          "connectors", "sinks", "routing", "ingest", "dispatcher", "sender",
                          "chatbot", "agent_router", "cx", "grpc_server", "grpc_client", "webchat",
                          "redis_wait_replicas", "redis_wait_timeout_ms"});
      !s.ok()) {
    return s;
  }
  struct Opt {
    const char* key;
    std::optional<std::string>* target;
  };
  for (const Opt& o :
       {Opt{"redis", &config.redis}, Opt{"grpc_addr", &config.grpc_addr},
        Opt{"http_addr", &config.http_addr}, Opt{"metrics_addr", &config.metrics_addr},
        Opt{"log_level", &config.log_level}}) {
    if (!root[o.key]) continue;
    auto v = Scalar(root[o.key], o.key, env);
    if (!v.ok()) return v.status();
    *o.target = *std::move(v);
  }

  if (auto s = ParseReplicaWait(root, env, &config); !s.ok()) return s;

  if (const YAML::Node connectors = root["connectors"]) {
    if (!connectors.IsSequence()) return ConfigError("connectors", "expected a list");
    std::set<std::string> names;
    for (size_t i = 0; i < connectors.size(); ++i) {
      const std::string path = absl::StrCat("connectors[", i, "]");
      connectors::ConnectorSettings c;
      if (auto s = ParseConnector(connectors[i], path, env, &c); !s.ok()) return s;
      if (!names.insert(c.name).second)
        return ConfigError(path, absl::StrCat("duplicate name '", c.name, "'"));
      config.connectors.push_back(std::move(c));
    }
  }

  if (const YAML::Node sinks = root["sinks"]) {
    if (!sinks.IsSequence()) return ConfigError("sinks", "expected a list");
    std::set<std::string> names;
    for (size_t i = 0; i < sinks.size(); ++i) {
      const std::string path = absl::StrCat("sinks[", i, "]");
      if (auto s = CheckKeys(sinks[i], path, {"name", "address"}); !s.ok()) return s;
      SinkConfig sink;
      if (!sinks[i]["name"] || !sinks[i]["address"])
        return ConfigError(path, "needs name and address");
      auto name = Scalar(sinks[i]["name"], path + ".name", env);
      if (!name.ok()) return name.status();
      auto address = Scalar(sinks[i]["address"], path + ".address", env);
      if (!address.ok()) return address.status();
      sink.name = *std::move(name);
      sink.address = *std::move(address);
      if (!names.insert(sink.name).second)
        return ConfigError(path, absl::StrCat("duplicate name '", sink.name, "'"));
      config.sinks.push_back(std::move(sink));
    }
  }

  if (const YAML::Node routing = root["routing"]) {
    if (auto s = ParseRouting(routing, env, &config.routing); !s.ok()) return s;
  }
  if (const YAML::Node dispatcher = root["dispatcher"]) {
    if (auto s = ParseDispatcher(dispatcher, env, &config.dispatcher); !s.ok()) return s;
  }
  if (const YAML::Node sender = root["sender"]) {
    if (auto s = ParseSender(sender, env, &config.sender); !s.ok()) return s;
  }
  if (const YAML::Node cx = root["cx"]) {
    if (auto s = ParseCx(cx, env, &config.cx); !s.ok()) return s;
  }
  if (const YAML::Node chatbot = root["chatbot"]) {
    if (auto s = ParseChatbot(chatbot, env, &config.chatbot); !s.ok()) return s;
  }
  if (const YAML::Node server = root["grpc_server"]) {
    if (auto s = ParseGrpcServer(server, env, &config.grpc_server); !s.ok()) return s;
  }
  if (const YAML::Node client = root["grpc_client"]) {
    if (auto s = ParseGrpcClient(client, env, &config.grpc_client); !s.ok()) return s;
  }
  if (const YAML::Node router = root["agent_router"]) {
    if (auto s = ParseAgentRouter(router, env, &config.agent_router); !s.ok()) return s;
  }
  if (const YAML::Node ingest = root["ingest"]) {
    if (auto s = ParseIngest(ingest, env, &config.ingest); !s.ok()) return s;
  }
  if (const YAML::Node webchat = root["webchat"]) {
    if (auto s = ParseWebchat(webchat, env, config.connectors, &config.webchat); !s.ok()) return s;
  }
  if (auto s = ValidateRouting(config); !s.ok()) return s;
  return config;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<std::string> ExpandEnv(absl::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("unclosed '${' in '", text.substr(i, 32), "'"));
      }
      absl::string_view inner = text.substr(i + 2, close - i - 2);
      absl::string_view name = inner;
      std::optional<absl::string_view> fallback;
      if (const size_t dash = inner.find(":-"); dash != absl::string_view::npos) {
        name = inner.substr(0, dash);
        fallback = inner.substr(dash + 2);
      }
      if (name.empty()) return absl::InvalidArgumentError("empty variable name in '${}'");
      std::optional<std::string> value = env(name);
      if (!value.has_value()) {
        if (!fallback.has_value()) {
          return absl::InvalidArgumentError(
              absl::StrCat("environment variable ", name, " is not set"));
        }
        value = std::string(*fallback);
      }
      out.append(*value);
      i = close + 1;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml, const EnvLookup& env) {
  try {
    return ParseRoot(YAML::Load(std::string(yaml)), env);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors by exception; they stop here.
    return absl::InvalidArgumentError(absl::StrCat("config: YAML error at line ", e.mark.line + 1,
                                                   ", column ", e.mark.column + 1, ": ", e.msg));
  }
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("config: cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto config = ParseConfig(buffer.str(), env);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace omnigate::config
