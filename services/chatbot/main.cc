// omnigate-chatbot: the first-line FAQ bot. Serves omnigate.v1.Sink for the
// dispatcher, answers customers in English and Indonesian and hands
// conversations to a human through omnigate.v1.Conversations.
//
// This file only wires: flags, config, construction, signals.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "lib/agents/agent_store.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/chatbot/chatbot.h"
#include "lib/chatbot/chatbot_metrics.h"
#include "lib/chatbot/chatbot_sink.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/faq_store.h"
#include "lib/chatbot/idle_resolver.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/config/config.h"
#include "lib/conversations/conversations_client.h"
#include "lib/cx/cx_metrics.h"
#include "lib/grpcutil/security_config.h"
#include "lib/grpcutil/server.h"
#include "lib/metrics/metrics_server.h"
#include "lib/redis/redis_url.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "services/common/contract_flags.h"
#include "services/common/service_redis.h"

ABSL_FLAG(std::string, faq, "", "FAQ YAML file (overrides chatbot.faq_file).");
ABSL_FLAG(std::string, conversations_addr, "",
          "omnigate.v1.Conversations HOST:PORT (overrides chatbot.conversations_addr).");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-chatbot: first-line FAQ bot (English, Indonesian). Serves omnigate.v1.Sink; answers\n"
    "customer questions from the FAQ file, replies through the outbound stream in Redis and hands\n"
    "the conversation to a human (Conversations.SetMode) when asked or when it cannot answer.\n\n"
    "Usage: omnigate-chatbot --config omnigate.yaml [--faq faq.yaml] [--redis URL]\n"
    "                        [--grpc_addr HOST:PORT] [--metrics_addr HOST:PORT]\n\n"
    "Precedence: flags > config file > environment (OMNIGATE_*) > defaults.\n"
    "SIGTERM: health turns NOT_SERVING, in-flight calls finish, exit 0.\n"
    "Default listeners: --grpc_addr 0.0.0.0:7101 --metrics_addr 0.0.0.0:9101";

// Server threads: each Deliver blocks on Redis (and maybe Conversations).
constexpr int kMaxServerThreads = 16;
constexpr absl::Duration kDrainTimeout = absl::Seconds(5);
// How often readiness checks Redis (a PING on a pooled connection).
constexpr absl::Duration kReadinessPeriod = absl::Seconds(1);

// Config fields without a value are empty strings, not absent.
std::optional<std::string> NonEmpty(const std::string& value) {
  return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-chatbot: %s\n", std::string(status.message()).c_str());
  return 2;
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();

  auto settings =
      runtime::LoadServiceSettings(ContractFlagValues(), "0.0.0.0:7101", "0.0.0.0:9101");
  if (!settings.ok()) return Fail(settings.status());
  const config::Config& cfg = settings->config;
  const std::string& redis_url = settings->redis_url;
  const std::string& grpc_addr = settings->grpc_addr;
  const std::string& metrics_addr = settings->metrics_addr;
  const std::string faq_path = runtime::Resolve(
      absl::GetFlag(FLAGS_faq), NonEmpty(cfg.chatbot.faq_file), "OMNIGATE_FAQ_FILE", "");
  const std::string conversations_addr =
      runtime::Resolve(absl::GetFlag(FLAGS_conversations_addr), cfg.chatbot.conversations_addr,
                       "OMNIGATE_CONVERSATIONS_ADDR", "127.0.0.1:7100");
  if (faq_path.empty()) {
    return Fail(absl::InvalidArgumentError("no FAQ file: set chatbot.faq_file or --faq"));
  }
  // Reloaded without a restart when the file changes (a bad file is
  // refused and logged; the FAQ in use stays).
  auto faq_store = chatbot::FaqStore::Open(faq_path, chatbot::MatchOptions());
  if (!faq_store.ok()) return Fail(faq_store.status());
  (*faq_store)->StartWatching(absl::Seconds(5));
  const size_t faq_entries = (*faq_store)->Current()->faq.entries.size();
  // redis://... or redis-cluster://...
  auto target = redis::ParseRedisTarget(redis_url);
  if (!target.ok()) return Fail(target.status());
  if (cfg.ingest.partitions <= 0 || cfg.chatbot.max_unanswered <= 0) {
    return Fail(absl::InvalidArgumentError(
        "ingest.partitions and chatbot.max_unanswered must be positive"));
  }

  const Clock& clock = SystemClock::Get();
  auto registry = std::make_shared<prometheus::Registry>();
  chatbot::ChatbotMetrics metrics(*registry);

  // One connection per handler thread, plus the readiness probe's.
  RedisClientSettings pool_settings;
  pool_settings.max_idle = kMaxServerThreads;
  pool_settings.max_open = kMaxServerThreads + 2;
  pool_settings.acquire_timeout = absl::Milliseconds(500);
  pool_settings.replica_wait = ReplicaWaitOf(cfg);
  auto pool_redis = MakeServiceRedis(*target, pool_settings);
  if (!pool_redis.ok()) return Fail(pool_redis.status());
  redis::RedisClient& pool = *pool_redis->client;
  chatbot::BotMemoryOptions memory_options;
  // The counter is conversation state: it never outlives the retention.
  memory_options.unanswered_ttl_seconds =
      std::min(memory_options.unanswered_ttl_seconds,
               std::max<int64_t>(1, absl::ToInt64Seconds(cfg.ingest.conversation_retention)));
  memory_options.history_max_len = cfg.cx.history_max_len;
  memory_options.history_retention_ms = absl::ToInt64Milliseconds(cfg.cx.history_retention);
  chatbot::BotMemory memory(&pool, memory_options);
  cx::CxMetrics cx_metrics(*registry);
  // Ratings are credited to the agent who resolved, in the agent router's
  // keys (the agents' own hashes).
  agents::AgentStore agent_store(&pool, agents::AgentStoreOptions{});
  auto conversations_channel = grpcutil::MakeChannel(
      conversations_addr, grpcutil::ClientSecurityFromConfig(cfg.grpc_client));
  if (!conversations_channel.ok()) return Fail(conversations_channel.status());
  conversations::GrpcConversationsClient conversations(
      omnigate::v1::Conversations::NewStub(*conversations_channel), absl::Seconds(2));
  auto authorizer = grpcutil::AuthorizerFromConfig(cfg.grpc_server);
  if (!authorizer.ok()) return Fail(authorizer.status());
  chatbot::ChatbotOptions options;
  options.partitions = static_cast<uint32_t>(cfg.ingest.partitions);
  options.max_unanswered = cfg.chatbot.max_unanswered;
  options.csat.enabled = cfg.cx.csat_enabled;
  options.csat.window = cfg.cx.csat_window;
  options.csat.delay = cfg.cx.csat_delay;
  options.csat.text_en = cfg.cx.csat_text_en;
  options.csat.text_id = cfg.cx.csat_text_id;
  options.csat.off_connectors = cfg.cx.csat_off_connectors;
  options.credit_rating = [&agent_store](const std::string& agent, const std::string& rating_id,
                                         int score) {
    return agent_store.CreditRating(agent, rating_id, score).status();
  };
  options.cx_metrics = &cx_metrics;
  chatbot::Chatbot bot(faq_store->get(), options, &memory, &conversations, clock);
  chatbot::IdleResolverOptions idle_options;
  idle_options.partitions = options.partitions;
  idle_options.idle = cfg.cx.bot_resolve_idle;
  // Often enough that a conversation is resolved within a tenth of the idle
  // time (or 5 s), rarely enough to cost nothing.
  idle_options.interval =
      std::clamp(cfg.cx.bot_resolve_idle / 10, absl::Milliseconds(200), absl::Seconds(5));
  chatbot::IdleResolver idle_resolver(idle_options, &memory, &conversations, clock);
  chatbot::ChatbotSink sink(&bot, &metrics, authorizer->get());

  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.address = grpc_addr;
  grpc_options.tls = grpcutil::ServerTlsFromConfig(cfg.grpc_server);
  grpc_options.max_threads = kMaxServerThreads;
  auto grpc_server = grpcutil::GrpcServer::Start(grpc_options, {&sink});
  if (!grpc_server.ok()) return Fail(grpc_server.status());
  auto metrics_server = metrics::MetricsServer::Start(metrics_addr, registry);
  if (!metrics_server.ok()) return Fail(metrics_server.status());
  // Readiness follows Redis: without it the bot has no memory and every
  // Deliver would answer UNAVAILABLE, so load balancers should look elsewhere.
  runtime::ReadinessWatcher readiness([&pool] { return pool.Ping(); },
                                      [&](bool ready) { (*grpc_server)->SetServing(ready); },
                                      kReadinessPeriod);

  idle_resolver.Start();

  OG_LOG(INFO) << "omnigate-chatbot started: grpc_port=" << (*grpc_server)->port()
               << " metrics_port=" << (*metrics_server)->port()
               << " redis=" << target->ToSafeString() << " faq_entries=" << faq_entries
               << " conversations=" << conversations_addr << " partitions=" << options.partitions
               << " max_unanswered=" << options.max_unanswered;

  const int sig = runtime::WaitForTerminationSignal();
  OG_LOG(INFO) << "signal " << sig << ": draining";
  idle_resolver.Stop();
  readiness.Stop();  // no change is reported after this
  (*grpc_server)->SetServing(false);
  // Stops new calls and lets running Deliver calls finish.
  (*grpc_server)->Shutdown(kDrainTimeout);
  OG_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
