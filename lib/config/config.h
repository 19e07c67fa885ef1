#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/config/webchat_config.h"
#include "lib/connectors/connector.h"

namespace omnigate::config {

// A downstream omnigate.v1.Sink server.
struct SinkConfig {
  std::string name;
  std::string address;  // HOST:PORT
};

// Business hours in a time zone: days of week (0 = Sunday) and a daily
// window [from, to) in minutes after local midnight.
struct BusinessHours {
  std::string timezone = "UTC";
  std::vector<int> days = {1, 2, 3, 4, 5};
  int from_minute = 9 * 60;
  int to_minute = 17 * 60;
};

// One routing rule: when every given condition holds for an event (empty
// conditions hold always), the actions apply. Rules are tried in order; the
// first match wins.
struct RoutingRule {
  std::string name;
  // Conditions.
  std::vector<std::string> modes;  // "bot", "agent", "closed"
  std::vector<omnigate::v1::Channel> channels;
  std::vector<std::string> keywords;   // lowercase; matched as whole words in text
  std::string regex;                   // RE2 syntax, searched in text
  std::vector<std::string> languages;  // lowercase locale prefixes ("id", "en")
  std::vector<std::pair<std::string, std::string>> attributes;  // all must equal
  std::optional<BusinessHours> business_hours;
  bool inside_business_hours = true;  // false: matches outside the window
  // Actions (empty: keep the mode's choice).
  std::string sink;
  std::string priority;  // "urgent" | "high" | "normal" | "low"
  std::string skill;
};

// Which sink serves each conversation mode, refined by rules.
struct RoutingConfig {
  std::string bot = "chatbot";
  std::string agent = "agent-router";
  // Closed conversations reopen with the bot unless set.
  std::string closed;
  std::vector<RoutingRule> rules;
};

// Tuning of omnigate-dispatcher; every field has a production default.
struct DispatcherConfig {
  // Delivery attempts before an event is dead-lettered (retryable codes).
  int max_attempts = 8;
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(30);
  // Deadline of each Sink.Deliver call.
  absl::Duration deliver_timeout = absl::Seconds(5);
  // Upper bound of events in one Deliver call.
  int batch_events = 100;
  // Deliver calls in flight per sink, over all partitions (backpressure).
  int max_in_flight_per_sink = 32;
  // Entries read but not yet acknowledged per partition and sink.
  int max_buffered_per_partition = 1000;
  // Partition lease: expiry and how often it is renewed.
  absl::Duration lease_ttl = absl::Seconds(10);
  absl::Duration lease_renew = absl::Seconds(3);
  // Instance id in leases and consumer names; default hostname-pid.
  std::string instance_id;
  absl::Duration drain_timeout = absl::Seconds(5);
};

// omnigate-sender settings: how replies leave for the channels.
struct SenderConfig {
  // Send attempts of a reply that keeps failing transiently before it is
  // dead-lettered (throttles and paused connectors do not count).
  int max_attempts = 10;
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(5);
  // Deadline of one provider call. Keep it below drain_timeout: a call still
  // running when the drain ends is sent again by the next owner.
  absl::Duration send_timeout = absl::Seconds(10);
  // Provider calls in flight over all connectors and partitions.
  int max_in_flight = 256;
  // Provider calls in flight per connector.
  int max_in_flight_per_connector = 64;
  // Replies read but not yet finished per partition.
  int max_buffered_per_partition = 1000;
  // How long a connector whose credentials or account were refused (401,
  // Meta 190, ...) is paused before it is tried again.
  absl::Duration connector_pause = absl::Seconds(60);
  // HTTP client: connections per provider host, TLS verification.
  int max_connections_per_host = 16;
  bool verify_tls = true;
  std::string ca_file;
  absl::Duration lease_ttl = absl::Seconds(10);
  absl::Duration lease_renew = absl::Seconds(3);
  std::string instance_id;
  absl::Duration drain_timeout = absl::Seconds(15);
  // How long a sent reply's status and provider id are kept (GetStatus,
  // receipts).
  absl::Duration status_retention = absl::Hours(72);
};

// omnigate-chatbot settings.
struct ChatbotConfig {
  std::string faq_file;
  // Unanswered questions in a row before the bot hands off.
  int max_unanswered = 2;
  // omnigate-dispatcher gRPC address (Conversations service).
  std::string conversations_addr = "127.0.0.1:7100";
};

// omnigate-agent-router settings.
struct AgentRouterConfig {
  std::string agents_file;
  std::string conversations_addr = "127.0.0.1:7100";
};

// Tuning of omnigate-ingest; every field has a production default.
struct IngestConfig {
  int partitions = 16;
  int64_t dedupe_ttl_seconds = 24 * 3600;
  int64_t stream_max_len = 1000000;
  // How long a conversation's state in Redis (mode, sticky agent, bot
  // counter, queue details) outlives its last activity: a change or an
  // inbound message renews it. Like partitions, read by every service.
  absl::Duration conversation_retention = absl::Hours(30 * 24);
  // Undelivered events per partition (largest consumer-group lag + pending)
  // above which ingest refuses new events for it (503 / RESOURCE_EXHAUSTED);
  // 0 turns it off. Below stream_max_len so trimming never drops work;
  // default half of it.
  int64_t max_backlog = 500000;
  size_t max_body_bytes = 1 << 20;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  int http_threads = 1;
  int redis_connections = 2;
  size_t max_pending_events = 100000;
  // Publish calls (unary, or stream messages) being worked on at once; more
  // are refused at once with RESOURCE_EXHAUSTED. Bounds ingest's memory under
  // overload together with max_pending_events.
  int max_in_flight_calls = 2048;
  // HTTP/2 streams (gRPC calls) one client connection may have open at once
  // (SETTINGS_MAX_CONCURRENT_STREAMS). A client beyond it waits in its own
  // transport until a call ends: backpressure that costs ingest nothing,
  // where a refusal costs about what a no-op gRPC call does.
  int max_streams_per_connection = 128;
  // Webhooks read while the HTTP loop lags more than this are refused at
  // once (503 + Retry-After) before any work; 0 turns it off.
  absl::Duration max_loop_lag = absl::Milliseconds(200);
  // After SIGTERM, how long readiness reports false before the listeners
  // stop (lets load balancers notice), and how long in-flight work may take.
  absl::Duration drain_delay = absl::ZeroDuration();
  absl::Duration drain_timeout = absl::Seconds(5);
};

// Customer-experience settings (cx:), read by every service that measures
// or acts on a conversation's timeline.
struct CxConfig {
  // Conversation history (Conversations.History): how long a conversation's
  // list outlives its last event, and its cap in events (0: no history).
  absl::Duration history_retention = absl::Hours(90 * 24);
  int64_t history_max_len = 2000;
  // A conversation the bot answered and the customer then left alone this
  // long is resolved by the bot; 0 turns idle resolution off.
  absl::Duration bot_resolve_idle = absl::Minutes(30);
  // CSAT survey after a resolve: on/off, how long after the resolve it is
  // sent, how long the customer's next message may be read as a rating, and
  // the question per language (empty: built-in text).
  bool csat_enabled = true;
  absl::Duration csat_delay = absl::ZeroDuration();
  absl::Duration csat_window = absl::Hours(24);
  std::string csat_text_en;
  std::string csat_text_id;
  // Connectors that never ask (e.g. a channel whose customers find it rude).
  std::vector<std::string> csat_off_connectors;
  // First-response target per priority ("urgent", "high", "normal", "low"):
  // a first reply later than this counts an SLA breach.
  absl::Duration sla_urgent = absl::Minutes(1);
  absl::Duration sla_high = absl::Minutes(5);
  absl::Duration sla_normal = absl::Minutes(15);
  absl::Duration sla_low = absl::Hours(1);

  // The first-response target of a priority name (unknown: normal).
  absl::Duration SlaFor(absl::string_view priority) const;
  bool CsatOn(absl::string_view connector) const;
};

// A client allowed to call omnigate's gRPC services.
struct GrpcTokenConfig {
  std::string name;
  std::string token;
  std::vector<std::string> scopes;  // publish | sink | conversations | admin
};

// Security of every gRPC server of the binary (grpc_server:).
struct GrpcServerSecurityConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;           // set: mutual TLS
  std::vector<GrpcTokenConfig> tokens;  // empty: no token needed
};

// How the binary calls other omnigate services (grpc_client:).
struct GrpcClientSecurityConfig {
  std::string ca_file;  // set: TLS
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  std::string token;
};

// The whole configuration file. Listen addresses and the Redis URL are
// optional here: flags and environment fill them (see services/).
struct Config {
  std::optional<std::string> redis;
  // Replicated acknowledgement: > 0 acknowledges a write only after that many
  // replicas have it (Redis WAIT), waiting up to redis_wait_timeout_ms; read
  // by every service that writes.
  int redis_wait_replicas = 0;
  int64_t redis_wait_timeout_ms = 1000;
  std::optional<std::string> grpc_addr;
  std::optional<std::string> http_addr;
  std::optional<std::string> metrics_addr;
  std::optional<std::string> log_level;
  std::vector<connectors::ConnectorSettings> connectors;
  std::vector<SinkConfig> sinks;
  RoutingConfig routing;
  IngestConfig ingest;
  DispatcherConfig dispatcher;
  SenderConfig sender;
  ChatbotConfig chatbot;
  AgentRouterConfig agent_router;
  CxConfig cx;
  WebchatConfig webchat;
  GrpcServerSecurityConfig grpc_server;
  GrpcClientSecurityConfig grpc_client;
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
