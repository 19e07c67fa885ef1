// omnigate-dispatcher: delivers queued events to the sinks (chatbot, agent
// router, ...) in per-conversation order, with retries and dead letters; owns
// partitions by lease so any number of replicas share the work. Serves the
// Conversations and Admin gRPC services.
//
// This file only wires: flags, config, construction, signals.

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/config/config.h"
#include "lib/conversations/conversation_store.h"
#include "lib/conversations/conversations_service.h"
#include "lib/conversations/history_reader.h"
#include "lib/conversations/outbound_service.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/cx/cx_metrics.h"
#include "lib/dispatch/admin_service.h"
#include "lib/dispatch/dead_letter_store.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/dispatch/dispatcher.h"
#include "lib/dispatch/sink_client.h"
#include "lib/grpcutil/security_config.h"
#include "lib/grpcutil/server.h"
#include "lib/metrics/metrics_server.h"
#include "lib/redis/redis_url.h"
#include "lib/routing/router.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "services/common/contract_flags.h"
#include "services/common/service_redis.h"

ABSL_FLAG(std::string, instance_id, "",
          "Replica id in leases and consumer groups (env OMNIGATE_INSTANCE_ID; default "
          "hostname-pid).");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-dispatcher: delivers queued events to the configured sinks (omnigate.v1.Sink) in\n"
    "per-conversation order, retries with backoff, dead-letters what sinks refuse, and serves\n"
    "omnigate.v1.Conversations, omnigate.v1.Admin and omnigate.v1.Outbound. Replicas share "
    "partitions by Redis "
    "leases.\n\n"
    "Usage: omnigate-dispatcher --config omnigate.yaml [--redis URL] [--grpc_addr HOST:PORT]\n"
    "                           [--metrics_addr HOST:PORT] [--instance_id ID]\n\n"
    "Precedence: flags > config file > environment (OMNIGATE_*) > defaults.\n"
    "SIGTERM: readiness turns false, calls in flight finish, leases are released, exit 0.\n"
    "Default listeners: --grpc_addr 0.0.0.0:7100 --metrics_addr 0.0.0.0:9103";

// Server threads: Conversations, Admin and Outbound calls each block on a
// pooled Redis connection; beyond them calls are refused at once with
// RESOURCE_EXHAUSTED instead of growing threads without bound.
constexpr int kMaxServerThreads = 32;

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-dispatcher: %s\n", std::string(status.message()).c_str());
  return 2;
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();

  auto settings =
      runtime::LoadServiceSettings(ContractFlagValues(), "0.0.0.0:7100", "0.0.0.0:9103");
  if (!settings.ok()) return Fail(settings.status());
  const config::Config& cfg = settings->config;
  const std::string& redis_url = settings->redis_url;
  const std::string& grpc_addr = settings->grpc_addr;
  const std::string& metrics_addr = settings->metrics_addr;
  const std::string instance_id = runtime::Resolve(
      absl::GetFlag(FLAGS_instance_id),
      cfg.dispatcher.instance_id.empty() ? std::nullopt
                                         : std::optional<std::string>(cfg.dispatcher.instance_id),
      "OMNIGATE_INSTANCE_ID", runtime::DefaultInstanceId("dispatcher"));
  // redis://... or redis-cluster://...
  auto target = redis::ParseRedisTarget(redis_url);
  if (!target.ok()) return Fail(target.status());
  if (cfg.sinks.empty()) return Fail(absl::InvalidArgumentError("config: no sinks configured"));

  const Clock& clock = SystemClock::Get();
  const uint32_t partitions = static_cast<uint32_t>(cfg.ingest.partitions);
  std::vector<std::string> sink_names;
  std::vector<std::unique_ptr<dispatch::GrpcSinkClient>> clients;
  std::vector<dispatch::SinkHandle> sinks;
  const grpcutil::ClientSecurity client_security =
      grpcutil::ClientSecurityFromConfig(cfg.grpc_client);
  for (const auto& sink : cfg.sinks) {
    sink_names.push_back(sink.name);
    auto channel = grpcutil::MakeChannel(sink.address, client_security,
                                         dispatch::GrpcSinkClient::ChannelArguments());
    if (!channel.ok()) return Fail(channel.status());
    clients.push_back(std::make_unique<dispatch::GrpcSinkClient>(*std::move(channel)));
    sinks.push_back({sink.name, clients.back().get()});
  }
  routing::Router router(cfg.routing, sink_names);

  auto registry = std::make_shared<prometheus::Registry>();
  dispatch::DispatchMetrics metrics(*registry, sink_names);

  const config::DispatcherConfig& dc = cfg.dispatcher;
  dispatch::DispatcherOptions options;
  options.partitions = partitions;
  options.instance_id = instance_id;
  options.lease.partitions = partitions;
  options.lease.instance_id = instance_id;
  options.lease.ttl = dc.lease_ttl;
  options.lease.renew = dc.lease_renew;
  // On a cluster the heartbeat set's master may fail over alone.
  options.lease.renew_without_heartbeat = target->cluster;
  options.worker.max_attempts = dc.max_attempts;
  options.worker.backoff_initial = dc.backoff_initial;
  options.worker.backoff_max = dc.backoff_max;
  options.worker.deliver_timeout = dc.deliver_timeout;
  options.worker.batch_events = dc.batch_events;
  options.worker.max_buffered = dc.max_buffered_per_partition;
  options.max_in_flight_per_sink = dc.max_in_flight_per_sink;
  // Leases and stats on two connections that never wait for replicas; on a
  // cluster a call gives up on a dead node within a second, so one failover
  // cannot stall the renewals of partitions on other masters. Readers and
  // workers connect to the node serving their partition's stream.
  RedisClientSettings lease_settings;
  lease_settings.max_idle = 2;
  lease_settings.cluster_retry_budget = absl::Seconds(1);
  auto lease_redis = MakeServiceRedis(*target, lease_settings);
  if (!lease_redis.ok()) return Fail(lease_redis.status());
  dispatch::DispatcherRedis dispatcher_redis{
      lease_redis->client.get(), lease_redis->cluster != nullptr
                                     ? dispatch::ClusterStreamConnector(lease_redis->cluster)
                                     : dispatch::EndpointStreamConnector(target->endpoints[0])};
  dispatch::Dispatcher dispatcher(options, std::move(dispatcher_redis), sinks, &router, &metrics,
                                  clock);

  // One connection per handler thread, plus the readiness probe's; beyond
  // them a borrower waits briefly, then gets RESOURCE_EXHAUSTED.
  // Acknowledged writes (Outbound.Send, Conversations, dead-letter replays)
  // wait for replicas when redis_wait_replicas > 0.
  RedisClientSettings pool_settings;
  pool_settings.io_timeout = absl::Seconds(5);
  pool_settings.max_idle = 8;
  pool_settings.max_open = kMaxServerThreads + 2;
  pool_settings.acquire_timeout = absl::Milliseconds(500);
  pool_settings.replica_wait = ReplicaWaitOf(cfg);
  auto pool_redis = MakeServiceRedis(*target, pool_settings);
  if (!pool_redis.ok()) return Fail(pool_redis.status());
  redis::RedisClient& pool = *pool_redis->client;
  conversations::ConversationStoreOptions store_options;
  store_options.partitions = partitions;
  store_options.stream_max_len = cfg.ingest.stream_max_len;
  store_options.conversation_retention = cfg.ingest.conversation_retention;
  store_options.history_max_len = cfg.cx.history_max_len;
  store_options.history_retention = cfg.cx.history_retention;
  cx::CxMetrics cx_metrics(*registry);
  store_options.cx_metrics = &cx_metrics;
  conversations::ConversationStore store(store_options, &pool, clock);
  auto authorizer = grpcutil::AuthorizerFromConfig(cfg.grpc_server);
  if (!authorizer.ok()) return Fail(authorizer.status());
  conversations::HistoryReader history(&pool, partitions);
  conversations::ConversationsService conversations_service(&store, authorizer->get(), &history);
  conversations::OutboundOptions outbound_options;
  outbound_options.partitions = partitions;
  outbound_options.stream_max_len = cfg.ingest.stream_max_len;
  outbound_options.history_max_len = cfg.cx.history_max_len;
  outbound_options.history_retention = cfg.cx.history_retention;
  // Replies queued here get a status record; omnigate-sender completes it.
  conversations::OutboundStatusStore statuses(&pool, partitions, cfg.sender.status_retention,
                                              clock);
  conversations::OutboundMetrics outbound_metrics(*registry);
  conversations::OutboundService outbound_service(outbound_options, &pool, clock, authorizer->get(),
                                                  &statuses, &outbound_metrics);
  dispatch::DeadLetterStore dead_letters(partitions, cfg.ingest.stream_max_len, &pool);
  dispatch::AdminService admin_service(partitions, sink_names, &dead_letters, &pool,
                                       authorizer->get());

  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.address = grpc_addr;
  grpc_options.tls = grpcutil::ServerTlsFromConfig(cfg.grpc_server);
  grpc_options.max_threads = kMaxServerThreads;
  auto grpc_server = grpcutil::GrpcServer::Start(
      grpc_options, {&conversations_service, &admin_service, &outbound_service});
  if (!grpc_server.ok()) return Fail(grpc_server.status());
  auto metrics_server = metrics::MetricsServer::Start(metrics_addr, registry);
  if (!metrics_server.ok()) return Fail(metrics_server.status());

  dispatcher.Start();
  OG_LOG(INFO) << "omnigate-dispatcher started: instance=" << instance_id
               << " grpc_port=" << (*grpc_server)->port()
               << " metrics_port=" << (*metrics_server)->port()
               << " redis=" << target->ToSafeString() << " sinks=" << sink_names.size()
               << " partitions=" << partitions;

  // Readiness follows the lease loop's view of Redis.
  runtime::ReadinessWatcher readiness([&] { return dispatcher.healthy(); },
                                      [&](bool ready) {
                                        (*grpc_server)->SetServing(ready);
                                        metrics.SetReady(ready);
                                      });

  const int sig = runtime::WaitForTerminationSignal();
  OG_LOG(INFO) << "signal " << sig << ": draining";
  readiness.Stop();
  (*grpc_server)->SetServing(false);
  metrics.SetReady(false);
  dispatcher.Stop(dc.drain_timeout);
  (*grpc_server)->Shutdown(absl::Seconds(2));
  OG_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
