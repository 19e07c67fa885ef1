// omnigatectl: the operator CLI. Reads omnigate's Redis state directly
// (tail, quarantine, stats) and calls the dispatcher's Admin and
// Conversations services (dlq, conversation, owners, streams).

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/config/config.h"
#include "lib/grpcutil/security_config.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/queue/stream_reader.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "lib/runtime/runtime.h"
#include "services/common/service_redis.h"
#include "services/omnigatectl/admin_commands.h"
#include "services/omnigatectl/agents_command.h"
#include "services/omnigatectl/attachment_command.h"
#include "services/omnigatectl/faq_command.h"
#include "services/omnigatectl/history_command.h"

ABSL_FLAG(std::string, config, "",
          "YAML config file, for redis and ingest.partitions (env OMNIGATE_CONFIG).");
ABSL_FLAG(std::string, redis, "",
          "Redis URL (env OMNIGATE_REDIS_URL; default redis://127.0.0.1:6379).");
ABSL_FLAG(int, count, 20, "How many entries to show.");
ABSL_FLAG(int, partition, -1, "Only this partition (tail).");
ABSL_FLAG(std::string, conversation, "", "Only this conversation key (tail).");
ABSL_FLAG(int, partitions, 0,
          "Partition count (default: the config's ingest.partitions, else 16).");
ABSL_FLAG(std::string, dispatcher, "",
          "omnigate-dispatcher gRPC address for dlq/conversation/owners/streams (env "
          "OMNIGATE_DISPATCHER_ADDR; default 127.0.0.1:7100).");
ABSL_FLAG(std::string, agent_router, "",
          "omnigate-agent-router gRPC address for agents (env OMNIGATE_AGENT_ROUTER_ADDR; default "
          "127.0.0.1:7102).");
ABSL_FLAG(std::string, sink, "", "Only dead letters of this sink (dlq).");
ABSL_FLAG(std::string, ids, "", "Comma-separated dead-letter ids <partition>/<entry id> (dlq).");
ABSL_FLAG(int64_t, from_ms, 0, "Dead-lettered at or after this UTC ms (dlq).");
ABSL_FLAG(int64_t, to_ms, 0, "Dead-lettered before this UTC ms (dlq).");
ABSL_FLAG(std::string, token, "",
          "Bearer token for the dispatcher's gRPC services (env OMNIGATE_TOKEN; default: "
          "grpc_client.token of --config).");
ABSL_FLAG(std::string, reason, "", "Reason recorded with a mode change (conversation set-mode).");
// Accepted so every binary shares the contract flags; --dispatcher names the server.
ABSL_FLAG(std::string, grpc_addr, "", "Alias of --dispatcher.");
ABSL_FLAG(std::string, metrics_addr, "", "Unused by omnigatectl.");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigatectl: operator CLI for omnigate.\n\n"
    "Commands:\n"
    "  tail        newest events as JSON lines, oldest first (--count, --partition, "
    "--conversation)\n"
    "  outbound    newest replies (bots, agents) waiting to be sent, like tail\n"
    "  quarantine  newest quarantined requests as JSON lines (--count)\n"
    "  stats       stream depth per partition and quarantine size\n"
    "  dlq list|replay|drop   dead letters (--sink, --conversation, --from_ms, --to_ms, --ids,\n"
    "                         --count as the limit)\n"
    "  conversation get KEY | conversation set-mode KEY bot|agent|closed [--reason R]\n"
    "  conversation history KEY   the conversation's events as JSON lines, oldest first, to\n"
    "              the end or --count events\n"
    "  owners      which dispatcher owns each partition\n"
    "  streams     depth, lag and pending per partition and sink, dead letters\n"
    "  agents      agents with presence, load, conversations handled and resolved and their\n"
    "              CSAT ratings (count, average), from --agent_router\n"
    "  reply-status ID   where a reply stands: queued, sent, delivered, read or failed, with\n"
    "              the provider's id and error (Outbound.GetStatus)\n"
    "  attachment get REF > FILE   the bytes of an e-mail attachment (REF: its media_id)\n"
    "  faq test FAQ.yaml QUESTIONS.tsv   per question the bot's chosen entry and score\n"
    "              (TSV: question<TAB>expected entry id or -); no Redis needed\n"
    "The gRPC commands talk to --dispatcher (alias --grpc_addr); point it at omnigate-sender\n"
    "(:7103) for the outbound dead letters and partitions.\n\n"
    "Usage: omnigatectl [--redis URL] [--dispatcher HOST:PORT] [--config FILE] COMMAND [flags]";

int Fail(absl::string_view message) {
  fprintf(stderr, "omnigatectl: %s\n", std::string(message).c_str());
  return 1;
}

std::string JsonString(absl::string_view s) {
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(s), "\"");
}

// Newest events of partitioned streams (partition streams, or replies when
// `outbound`), filtered by --partition / --conversation, as JSON lines.
int Tail(queue::StreamReader& reader, uint32_t partitions, bool outbound = false) {
  const std::string conversation = absl::GetFlag(FLAGS_conversation);
  int partition = absl::GetFlag(FLAGS_partition);
  if (!conversation.empty())
    partition = static_cast<int>(queue::PartitionOf(conversation, partitions));
  // Filtering by conversation reads more so the newest N of it are found.
  const size_t count = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_count)));
  auto events = reader.Latest(partitions, partition, conversation.empty() ? count : count * 50,
                              [outbound](uint32_t p) {
                                return outbound ? queue::OutboundStreamKey(p) : queue::StreamKey(p);
                              });
  if (!events.ok()) return Fail(events.status().message());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::vector<const queue::StoredEvent*> shown;
  for (const auto& e : *events) {
    if (conversation.empty() || e.event.conversation_key() == conversation) shown.push_back(&e);
  }
  if (shown.size() > count)
    shown.erase(shown.begin(), shown.end() - static_cast<std::ptrdiff_t>(count));
  for (const auto* e : shown) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(e->event, &json, options).ok()) json = "null";
    printf("{\"partition\":%u,\"entry_id\":\"%s\",\"event\":%s}\n", e->partition,
           e->entry_id.c_str(), json.c_str());
  }
  return 0;
}

int Quarantine(queue::StreamReader& reader) {
  auto entries = reader.LatestRaw(std::string(queue::kQuarantineKey),
                                  static_cast<size_t>(absl::GetFlag(FLAGS_count)));
  if (!entries.ok()) return Fail(entries.status().message());
  for (const auto& entry : *entries) {
    std::string line = absl::StrCat("{\"entry_id\":", JsonString(entry.entry_id));
    for (const auto& [field, value] : entry.fields)
      absl::StrAppend(&line, ",", JsonString(field), ":", JsonString(value));
    printf("%s}\n", line.c_str());
  }
  return 0;
}

int Stats(queue::StreamReader& reader, uint32_t partitions) {
  auto depths = reader.Depths(partitions);
  if (!depths.ok()) return Fail(depths.status().message());
  int64_t total = 0;
  for (uint32_t p = 0; p < partitions; ++p) {
    printf("%-28s %lld\n", queue::StreamKey(p).c_str(), static_cast<long long>((*depths)[p]));
    total += (*depths)[p];
  }
  auto quarantined = reader.Length(std::string(queue::kQuarantineKey));
  printf("%-28s %lld\n%-28s %lld\n", "total", static_cast<long long>(total), "omnigate:quarantine",
         static_cast<long long>(quarantined.ok() ? *quarantined : -1));
  return 0;
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return Fail("missing command; see --help");
  const std::string command = args[1];
  // Offline: needs no config, Redis or dispatcher.
  if (command == "faq")
    return RunFaqCommand(std::vector<std::string>(args.begin() + 2, args.end()));
  config::Config cfg;
  const std::string config_path =
      runtime::Resolve(absl::GetFlag(FLAGS_config), std::nullopt, "OMNIGATE_CONFIG", "");
  if (!config_path.empty()) {
    auto loaded = config::LoadConfigFile(config_path, config::ProcessEnv());
    if (!loaded.ok()) return Fail(loaded.status().message());
    cfg = *std::move(loaded);
  }
  if (command == "agents") {
    grpcutil::ClientSecurity security = grpcutil::ClientSecurityFromConfig(cfg.grpc_client);
    const std::string token =
        runtime::Resolve(absl::GetFlag(FLAGS_token), std::nullopt, "OMNIGATE_TOKEN", "");
    if (!token.empty()) security.token = token;
    return RunAgentsCommand(runtime::Resolve(absl::GetFlag(FLAGS_agent_router), std::nullopt,
                                             "OMNIGATE_AGENT_ROUTER_ADDR", "127.0.0.1:7102"),
                            security);
  }
  if (IsAdminCommand(command)) {
    AdminFlags flags;
    flags.address =
        runtime::Resolve(absl::GetFlag(FLAGS_dispatcher).empty() ? absl::GetFlag(FLAGS_grpc_addr)
                                                                 : absl::GetFlag(FLAGS_dispatcher),
                         std::nullopt, "OMNIGATE_DISPATCHER_ADDR", "127.0.0.1:7100");
    flags.sink = absl::GetFlag(FLAGS_sink);
    flags.conversation = absl::GetFlag(FLAGS_conversation);
    flags.ids = absl::GetFlag(FLAGS_ids);
    flags.from_ms = absl::GetFlag(FLAGS_from_ms);
    flags.to_ms = absl::GetFlag(FLAGS_to_ms);
    flags.limit = absl::GetFlag(FLAGS_count);
    flags.reason = absl::GetFlag(FLAGS_reason);
    flags.security = grpcutil::ClientSecurityFromConfig(cfg.grpc_client);
    const std::string token =
        runtime::Resolve(absl::GetFlag(FLAGS_token), std::nullopt, "OMNIGATE_TOKEN", "");
    if (!token.empty()) flags.security.token = token;
    std::vector<std::string> rest(args.begin() + 2, args.end());
    if (command == "conversation" && !rest.empty() && rest[0] == "history") {
      return RunHistoryCommand({rest.begin() + 1, rest.end()}, flags.address, flags.security,
                               HistoryLimit(argc, argv, flags.limit));
    }
    return RunAdminCommand(command, rest, flags);
  }

  const uint32_t partitions =
      static_cast<uint32_t>(absl::GetFlag(FLAGS_partitions) > 0 ? absl::GetFlag(FLAGS_partitions)
                                                                : cfg.ingest.partitions);
  // redis://... or redis-cluster://... (each command reads one key).
  auto target = redis::ParseRedisTarget(runtime::Resolve(
      absl::GetFlag(FLAGS_redis), cfg.redis, "OMNIGATE_REDIS_URL", "redis://127.0.0.1:6379"));
  if (!target.ok()) return Fail(target.status().message());
  RedisClientSettings redis_settings;
  redis_settings.connect_timeout = absl::Seconds(2);
  redis_settings.io_timeout = absl::Seconds(10);
  redis_settings.max_idle = 1;
  auto redis_client = MakeServiceRedis(*target, redis_settings);
  if (!redis_client.ok()) return Fail(redis_client.status().message());
  // Fail at once, as a connection would, when Redis cannot be reached.
  if (auto pong = redis_client->client->Run({"PING"}); !pong.ok()) {
    return Fail(pong.status().message());
  }
  queue::StreamReader reader(redis_client->client.get());

  if (command == "attachment") {
    return RunAttachmentCommand({args.begin() + 2, args.end()}, *redis_client->client);
  }
  if (command == "tail") return Tail(reader, partitions);
  if (command == "outbound") return Tail(reader, partitions, /*outbound=*/true);
  if (command == "quarantine") return Quarantine(reader);
  if (command == "stats") return Stats(reader, partitions);
  return Fail(absl::StrCat("unknown command '", command, "'; see --help"));
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
