// omnigate-agent-router: an omnigate.v1.Sink that hands conversations in
// agent mode to human agents (skills, languages, capacity, sticky agent,
// priority queue), plus the omnigate.v1.Agents service. State lives in Redis,
// so any number of replicas may run.
//
// This file only wires: flags, config, construction, signals.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "lib/agents/agent_directory.h"
#include "lib/agents/agent_router.h"
#include "lib/agents/agent_router_sink.h"
#include "lib/agents/agent_store.h"
#include "lib/agents/agents_file.h"
#include "lib/agents/agents_service.h"
#include "lib/agents/router_metrics.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/config/config.h"
#include "lib/conversations/conversations_client.h"
#include "lib/conversations/history_reader.h"
#include "lib/grpcutil/security_config.h"
#include "lib/grpcutil/server.h"
#include "lib/metrics/metrics_server.h"
#include "lib/redis/redis_url.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "services/common/contract_flags.h"
#include "services/common/service_redis.h"

ABSL_FLAG(std::string, agents, "",
          "Agents YAML file loaded into Redis at start (agent_router.agents_file; env "
          "OMNIGATE_AGENTS_FILE).");
ABSL_FLAG(std::string, conversations_addr, "",
          "Dispatcher Conversations HOST:PORT (agent_router.conversations_addr; env "
          "OMNIGATE_CONVERSATIONS_ADDR; default 127.0.0.1:7100).");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-agent-router: omnigate.v1.Sink that assigns conversations in agent mode to human\n"
    "agents by skill, language, capacity and stickiness, queueing them by priority when\n"
    "everyone is busy; serves omnigate.v1.Agents for presence, resolve and transfer.\n\n"
    "Usage: omnigate-agent-router --config omnigate.yaml [--redis URL] [--agents FILE]\n"
    "                             [--grpc_addr HOST:PORT] [--metrics_addr HOST:PORT]\n\n"
    "Precedence: flags > config file > environment (OMNIGATE_*) > defaults.\n"
    "SIGTERM: health turns NOT_SERVING, in-flight calls finish, exit 0.\n"
    "Default listeners: --grpc_addr 0.0.0.0:7102 --metrics_addr 0.0.0.0:9102";

// Server threads: Agents and Sink calls each block on Redis and the
// dispatcher; beyond them calls are refused at once with RESOURCE_EXHAUSTED
// instead of growing threads without bound.
constexpr int kMaxServerThreads = 32;

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-agent-router: %s\n", std::string(status.message()).c_str());
  return 2;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read agents file " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();

  auto settings =
      runtime::LoadServiceSettings(ContractFlagValues(), "0.0.0.0:7102", "0.0.0.0:9102");
  if (!settings.ok()) return Fail(settings.status());
  const config::Config& cfg = settings->config;
  const std::string& redis_url = settings->redis_url;
  const std::string& grpc_addr = settings->grpc_addr;
  const std::string& metrics_addr = settings->metrics_addr;
  const std::string agents_file = runtime::Resolve(
      absl::GetFlag(FLAGS_agents), cfg.agent_router.agents_file, "OMNIGATE_AGENTS_FILE", "");
  const std::string conversations_addr =
      runtime::Resolve(absl::GetFlag(FLAGS_conversations_addr), cfg.agent_router.conversations_addr,
                       "OMNIGATE_CONVERSATIONS_ADDR", "127.0.0.1:7100");
  // redis://... or redis-cluster://...
  auto target = redis::ParseRedisTarget(redis_url);
  if (!target.ok()) return Fail(target.status());

  std::vector<agents::Agent> seed;
  if (!agents_file.empty()) {
    auto text = ReadWholeFile(agents_file);
    if (!text.ok()) return Fail(text.status());
    auto parsed = agents::ParseAgentsYaml(*text);
    if (!parsed.ok()) return Fail(parsed.status());
    seed = *std::move(parsed);
  }

  const Clock& clock = SystemClock::Get();
  auto registry = std::make_shared<prometheus::Registry>();
  agents::RouterMetrics metrics(*registry);
  // One connection per handler thread, plus the ticker's and the readiness
  // probe's; beyond them a borrower waits briefly, then gets RESOURCE_EXHAUSTED.
  RedisClientSettings pool_settings;
  pool_settings.connect_timeout = absl::Milliseconds(500);
  pool_settings.max_idle = 16;
  pool_settings.max_open = kMaxServerThreads + 4;
  pool_settings.acquire_timeout = absl::Milliseconds(500);
  pool_settings.replica_wait = ReplicaWaitOf(cfg);
  auto pool_redis = MakeServiceRedis(*target, pool_settings);
  if (!pool_redis.ok()) return Fail(pool_redis.status());
  redis::RedisClient& pool = *pool_redis->client;
  agents::AgentStore store(&pool, {cfg.ingest.conversation_retention});
  agents::AgentDirectory directory(&store, clock);
  auto conversations_channel = grpcutil::MakeChannel(
      conversations_addr, grpcutil::ClientSecurityFromConfig(cfg.grpc_client));
  if (!conversations_channel.ok()) return Fail(conversations_channel.status());
  conversations::GrpcConversationsClient conversations(
      omnigate::v1::Conversations::NewStub(*conversations_channel), absl::Seconds(2));
  auto authorizer = grpcutil::AuthorizerFromConfig(cfg.grpc_server);
  if (!authorizer.ok()) return Fail(authorizer.status());
  agents::AgentRouter router(&store, &directory, &conversations, &metrics, clock);

  // Seed the registry; Redis may still be starting, so retry a while.
  for (const agents::Agent& agent : seed) {
    absl::Status s;
    for (int attempt = 0; attempt < 50; ++attempt) {
      s = store.Upsert(agent, /*seed=*/true);
      if (s.ok() || !absl::IsUnavailable(s)) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    if (!s.ok()) return Fail(s);
  }

  agents::AgentRouterSink sink(&router, &metrics, authorizer->get());
  conversations::HistoryReader history(&pool, static_cast<uint32_t>(cfg.ingest.partitions));
  agents::AgentsService agents_service(&router, authorizer->get(), &history);
  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.address = grpc_addr;
  grpc_options.tls = grpcutil::ServerTlsFromConfig(cfg.grpc_server);
  grpc_options.max_threads = kMaxServerThreads;
  auto grpc_server = grpcutil::GrpcServer::Start(grpc_options, {&sink, &agents_service});
  if (!grpc_server.ok()) return Fail(grpc_server.status());
  auto metrics_server = metrics::MetricsServer::Start(metrics_addr, registry);
  if (!metrics_server.ok()) return Fail(metrics_server.status());

  // Readiness follows Redis: agents, queues and assignments live there, so
  // without it every Deliver would answer UNAVAILABLE.
  runtime::ReadinessWatcher readiness([&pool] { return pool.Ping(); },
                                      [&](bool ready) { (*grpc_server)->SetServing(ready); },
                                      absl::Seconds(1));

  OG_LOG(INFO) << "omnigate-agent-router started: grpc_port=" << (*grpc_server)->port()
               << " metrics_port=" << (*metrics_server)->port()
               << " redis=" << target->ToSafeString() << " agents_seeded=" << seed.size()
               << " conversations=" << conversations_addr;

  // The safety net (registry refresh, queue drain, unconfirmed assigns,
  // gauges) every second, and at once when a sink call freed capacity: sink
  // calls leave draining to this thread.
  std::thread ticker([&] {
    bool failing = false;
    std::string prune_cursor = "0";
    while (router.WaitForTick(absl::Seconds(1))) {
      absl::Status s = router.Tick();
      // Queue members whose details expired leave even while no agent has
      // room (the drain drops them too, but only when it reaches them).
      if (s.ok()) s = store.PruneQueue(&prune_cursor, 100).status();
      if (!s.ok() && !failing) {
        OG_LOG(WARNING) << "tick: " << s;
      } else if (s.ok() && failing) {
        OG_LOG(INFO) << "tick: recovered";
      }
      failing = !s.ok();
    }
  });

  const int sig = runtime::WaitForTerminationSignal();
  OG_LOG(INFO) << "signal " << sig << ": draining";
  readiness.Stop();  // no change is reported after this
  (*grpc_server)->SetServing(false);
  (*grpc_server)->Shutdown(absl::Seconds(5));
  router.StopTicks();  // also cuts a running drain short
  ticker.join();
  OG_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
