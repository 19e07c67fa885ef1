// omnigate-ingest: receives channel webhooks (HTTP) and backend events (gRPC),
// normalizes them and queues them durably in Redis.
//
// This file only wires: flags, config, construction, signals.

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/channels/adapter.h"
#include "lib/channels/redis_adapter_services.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/config/config.h"
#include "lib/cx/cx_metrics.h"
#include "lib/grpcutil/security_config.h"
#include "lib/grpcutil/server.h"
#include "lib/http/http_server.h"
#include "lib/ingest/ingest_grpc_service.h"
#include "lib/ingest/ingest_metrics.h"
#include "lib/ingest/ingest_pipeline.h"
#include "lib/ingest/webhook_http_handler.h"
#include "lib/metrics/metrics_server.h"
#include "lib/queue/backlog_monitor.h"
#include "lib/queue/keys.h"
#include "lib/queue/redis_stream_queue.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/store_writer.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "lib/webchat/notify_subscriber.h"
#include "lib/webchat/prefix_router.h"
#include "lib/webchat/redis_transcript.h"
#include "lib/webchat/webchat_http_handler.h"
#include "services/common/contract_flags.h"
#include "services/common/service_redis.h"
#include "services/ingest/replica_wait_metrics.h"

ABSL_FLAG(std::string, http_addr, "",
          "Webhook listener HOST:PORT (env OMNIGATE_HTTP_ADDR; default 0.0.0.0:8080).");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-ingest: receives channel webhooks on POST /webhooks/{connector} and canonical events "
    "over\n"
    "gRPC (omnigate.v1.Ingest), verifies and normalizes them, and queues them durably in Redis.\n\n"
    "Usage: omnigate-ingest --config omnigate.yaml [--redis URL] [--http_addr HOST:PORT]\n"
    "                       [--grpc_addr HOST:PORT] [--metrics_addr HOST:PORT]\n\n"
    "Precedence: flags > config file > environment (OMNIGATE_*) > defaults.\n"
    "SIGTERM: readiness turns false, in-flight requests finish, exit 0.\n"
    "Default listeners: --grpc_addr 0.0.0.0:7000 --metrics_addr 0.0.0.0:9100";

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-ingest: %s\n", std::string(status.message()).c_str());
  return 2;
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();

  auto settings =
      runtime::LoadServiceSettings(ContractFlagValues(), "0.0.0.0:7000", "0.0.0.0:9100");
  if (!settings.ok()) return Fail(settings.status());
  const config::Config& cfg = settings->config;
  const std::string& redis_url = settings->redis_url;
  const std::string& grpc_addr = settings->grpc_addr;
  const std::string& metrics_addr = settings->metrics_addr;
  const std::string http_addr = runtime::Resolve(absl::GetFlag(FLAGS_http_addr), cfg.http_addr,
                                                 "OMNIGATE_HTTP_ADDR", "0.0.0.0:8080");
  // redis://... or redis-cluster://...
  auto target = redis::ParseRedisTarget(redis_url);
  if (!target.ok()) return Fail(target.status());
  if (cfg.connectors.empty())
    OG_LOG(WARNING) << "no connectors configured: every webhook will get 404";

  const Clock& clock = SystemClock::Get();
  // Acknowledged writes wait for this many replicas (redis_wait_replicas).
  const redis::ReplicaWait replica_wait = ReplicaWaitOf(cfg);
  // Mailgun's token replay check and e-mail attachment bytes live in Redis.
  // A small pool of their own (blocking calls, one key each: a cluster works).
  RedisClientSettings adapter_settings;
  adapter_settings.connect_timeout = absl::Seconds(2);
  adapter_settings.max_idle = 4;
  adapter_settings.max_open = 16;
  adapter_settings.replica_wait = replica_wait;
  auto adapter_redis = MakeServiceRedis(*target, adapter_settings);
  if (!adapter_redis.ok()) return Fail(adapter_redis.status());
  channels::RedisAdapterServices adapter_services(adapter_redis->client.get());
  std::vector<ingest::Connector> connectors;
  std::vector<std::string> connector_names;
  for (const auto& connector : cfg.connectors) {
    auto adapter = channels::CreateAdapter(connector, clock, adapter_services.services());
    if (!adapter.ok()) return Fail(adapter.status());
    connectors.push_back(ingest::Connector{connector, *std::move(adapter)});
    connector_names.push_back(connector.name);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  ingest::IngestMetrics metrics(*registry, connector_names);
  cx::CxMetrics cx_metrics(*registry);

  redis::PipelineWriterOptions writer_options;
  writer_options.lanes = cfg.ingest.redis_connections;
  writer_options.max_pending_commands_per_lane = std::max<size_t>(
      1, cfg.ingest.max_pending_events / static_cast<size_t>(cfg.ingest.redis_connections));
  queue::RedisStreamQueue::AddScripts(&writer_options);
  writer_options.replica_wait = replica_wait;
  ReplicaWaitMetrics writer_metrics(*registry, &metrics);
  // One Redis or a cluster: the store path routes every partition's writes
  // to the master serving its stream.
  std::vector<std::string> partition_streams;
  for (int p = 0; p < cfg.ingest.partitions; ++p) {
    partition_streams.push_back(queue::StreamKey(static_cast<uint32_t>(p)));
  }
  std::unique_ptr<redis::StoreWriter> writer =
      redis::StoreWriter::Start(*target, writer_options, partition_streams, &writer_metrics);

  queue::RedisStreamQueueOptions queue_options;
  queue_options.dedupe_ttl_seconds = cfg.ingest.dedupe_ttl_seconds;
  queue_options.stream_max_len = cfg.ingest.stream_max_len;
  queue_options.conversation_retention = cfg.ingest.conversation_retention;
  queue_options.status_retention = cfg.sender.status_retention;
  queue_options.history_max_len = cfg.cx.history_max_len;
  queue_options.history_retention = cfg.cx.history_retention;
  queue::RedisStreamQueue queue(queue_options, writer->writer());

  queue::BacklogMonitorOptions backlog_options;
  backlog_options.partitions = static_cast<uint32_t>(cfg.ingest.partitions);
  backlog_options.max_backlog = cfg.ingest.max_backlog;
  backlog_options.on_sample = [&metrics](int n) { metrics.SetSheddingPartitions(n); };
  RedisClientSettings backlog_settings;
  backlog_settings.max_idle = 1;
  auto backlog_redis = MakeServiceRedis(*target, backlog_settings);
  if (!backlog_redis.ok()) return Fail(backlog_redis.status());
  queue::BacklogMonitor backlog(backlog_options, backlog_redis->client.get());
  if (cfg.ingest.max_backlog > 0) backlog.Start();

  ingest::IngestOptions options;
  options.partitions = static_cast<uint32_t>(cfg.ingest.partitions);
  if (cfg.ingest.max_backlog > 0) options.backlog = &backlog;
  options.max_body_bytes = cfg.ingest.max_body_bytes;
  options.max_loop_lag = cfg.ingest.max_loop_lag;
  options.cx_metrics = &cx_metrics;
  ingest::IngestPipeline pipeline(options, std::move(connectors), &queue, clock, &metrics);

  ingest::WebhookHttpHandler http_handler(&pipeline);

  // The hosted web chat (/webchat/...): blocking Redis reads and appends on
  // their own threads and connections; wake-ups from every replica through
  // pub/sub. Declared so that whatever calls into another is destroyed first.
  RedisClientSettings webchat_settings;
  webchat_settings.max_idle = 8;
  webchat_settings.max_open = 32;
  webchat_settings.acquire_timeout = absl::Milliseconds(500);
  webchat_settings.replica_wait = replica_wait;
  auto webchat_redis = MakeServiceRedis(*target, webchat_settings);
  if (!webchat_redis.ok()) return Fail(webchat_redis.status());
  webchat::RedisTranscript transcript(webchat_redis->client.get(), cfg.webchat.transcript_max_len,
                                      cfg.webchat.transcript_ttl);
  webchat::WorkQueue webchat_work(/*threads=*/4, /*max_pending=*/10000);
  webchat::SessionWaiters webchat_waiters;
  std::optional<webchat::NotifySubscriber> webchat_notifications;
  for (const auto& connector : cfg.connectors) {
    if (connector.channel != v1::CHANNEL_WEBCHAT || webchat_notifications) continue;
    // PUBLISH reaches every node of a cluster: any one will do.
    webchat_notifications.emplace(
        webchat_redis->cluster != nullptr
            ? webchat::ClusterSubscribeEndpoint(webchat_redis->cluster, target->endpoints[0],
                                                webchat::RedisTranscript::kNotifyChannel)
            : webchat::FixedSubscribeEndpoint(target->endpoints[0]),
        webchat::RedisTranscript::kNotifyChannel,
        [&](const std::string& session) { webchat_waiters.Notify(session); },
        [&] { webchat_waiters.NotifyAll(); });
  }
  webchat::WebchatDeps webchat_deps;
  webchat_deps.publish = [&pipeline](std::vector<v1::Event> events, ingest::PublishDone done) {
    pipeline.Publish(std::move(events), std::move(done));
  };
  webchat_deps.transcript = &transcript;
  webchat_deps.waiters = &webchat_waiters;
  webchat_deps.work = &webchat_work;
  webchat_deps.clock = &clock;
  webchat::WebchatMetrics webchat_metrics(*registry);
  webchat_deps.metrics = &webchat_metrics;
  webchat::WebchatHttpHandler webchat_handler(cfg.connectors, cfg.webchat, webchat_deps);
  webchat::PrefixRouter http_router(webchat::WebchatHttpHandler::kPrefix, &webchat_handler,
                                    &http_handler);
  http::ServerOptions http_options;
  http_options.address = http_addr;
  http_options.threads = cfg.ingest.http_threads;
  http_options.max_body_bytes = cfg.ingest.max_body_bytes;
  http_options.header_timeout = cfg.ingest.header_timeout;
  http_options.body_timeout = cfg.ingest.body_timeout;
  http_options.idle_timeout = cfg.ingest.idle_timeout;
  auto http_server = http::HttpServer::Start(http_options, &http_router);
  if (!http_server.ok()) return Fail(http_server.status());

  ingest::IngestGrpcService grpc_service(&pipeline, /*max_stream_in_flight=*/64,
                                         static_cast<size_t>(cfg.ingest.max_in_flight_calls));
  auto authorizer = grpcutil::AuthorizerFromConfig(cfg.grpc_server);
  if (!authorizer.ok()) return Fail(authorizer.status());
  grpc_service.set_authorizer(authorizer->get());
  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.address = grpc_addr;
  grpc_options.tls = grpcutil::ServerTlsFromConfig(cfg.grpc_server);
  grpc_options.max_receive_message_bytes = static_cast<int>(cfg.ingest.max_body_bytes) + (64 << 10);
  // One busy client connection waits in its own transport beyond this
  // instead of being refused call by call; it also bounds the calls a client
  // parks in ingest's memory.
  grpc_options.max_concurrent_streams = cfg.ingest.max_streams_per_connection;
  auto grpc_server = grpcutil::GrpcServer::Start(grpc_options, {&grpc_service});
  if (!grpc_server.ok()) return Fail(grpc_server.status());

  auto metrics_server = metrics::MetricsServer::Start(metrics_addr, registry);
  if (!metrics_server.ok()) return Fail(metrics_server.status());

  OG_LOG(INFO) << "omnigate-ingest started: http_port=" << (*http_server)->port()
               << " grpc_port=" << (*grpc_server)->port()
               << " metrics_port=" << (*metrics_server)->port()
               << " redis=" << target->ToSafeString() << " connectors=" << connector_names.size()
               << " partitions=" << options.partitions;

  // Readiness follows Redis; health checks and the gauge are refreshed here.
  runtime::ReadinessWatcher readiness([&] { return pipeline.ready(); },
                                      [&](bool ready) {
                                        (*grpc_server)->SetServing(ready);
                                        metrics.SetReady(ready);
                                      },
                                      absl::Milliseconds(100),
                                      [&] { metrics.SetHttpLoopLag((*http_server)->loop_lag()); });

  const int sig = runtime::WaitForTerminationSignal();
  OG_LOG(INFO) << "signal " << sig << ": draining";
  pipeline.StartDraining();
  // Long-polls answer now (the widget reconnects elsewhere) instead of
  // holding the drain for their whole wait.
  webchat_waiters.NotifyAll();
  readiness.Stop();
  (*grpc_server)->SetServing(false);
  metrics.SetReady(false);
  absl::SleepFor(cfg.ingest.drain_delay);
  // Stop taking requests; answer the ones in flight (they need the writer).
  (*http_server)->Shutdown(cfg.ingest.drain_timeout);
  (*grpc_server)->Shutdown(cfg.ingest.drain_timeout);
  const absl::Time deadline = absl::Now() + cfg.ingest.drain_timeout;
  while (pipeline.in_flight() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  writer->Shutdown();
  OG_LOG(INFO) << "stopped; unanswered requests: " << pipeline.in_flight();
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
