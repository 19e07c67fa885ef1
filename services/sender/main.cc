// omnigate-sender: delivers queued replies (omnigate:outbound:{p}) to the
// channels' send APIs in per-conversation order, within shared rate limits,
// with retries, dead letters and delivery status; owns outbound partitions
// by lease so any number of replicas share the work. Serves Outbound (Send,
// GetStatus) and Admin for the outbound dead letters.
//
// This file only wires: flags, config, construction, signals.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "lib/common/clock.h"
#include "lib/common/log.h"
#include "lib/config/config.h"
#include "lib/conversations/outbound_service.h"
#include "lib/conversations/outbound_status_store.h"
#include "lib/cx/cx_metrics.h"
#include "lib/dispatch/admin_service.h"
#include "lib/dispatch/dead_letter_store.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/grpcutil/security_config.h"
#include "lib/grpcutil/server.h"
#include "lib/httpclient/curl_http_client.h"
#include "lib/metrics/metrics_server.h"
#include "lib/outbound/rate_limiter.h"
#include "lib/queue/redis_stream_queue.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/store_writer.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "lib/sender/sender_connector.h"
#include "lib/sender/sender_engine.h"
#include "lib/sender/sender_metrics.h"
#include "lib/sender/sent_recorder.h"
#include "services/common/contract_flags.h"
#include "services/common/service_redis.h"

ABSL_FLAG(std::string, instance_id, "",
          "Replica id in leases and consumer groups (env OMNIGATE_INSTANCE_ID; default "
          "hostname-pid).");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-sender: delivers queued replies to the channels' send APIs (WhatsApp, Messenger,\n"
    "Instagram, Telegram, LINE, Twilio, Viber, X, SendGrid, Mailgun, web chat) in per-\n"
    "conversation order, within rate limits shared by every replica; retries what may work\n"
    "later, dead-letters what a channel refuses for good, records delivery status. Serves\n"
    "omnigate.v1.Outbound (Send, GetStatus) and omnigate.v1.Admin (outbound dead letters).\n\n"
    "Usage: omnigate-sender --config omnigate.yaml [--redis URL] [--grpc_addr HOST:PORT]\n"
    "                       [--metrics_addr HOST:PORT] [--instance_id ID]\n\n"
    "Precedence: flags > config file > environment (OMNIGATE_*) > defaults.\n"
    "SIGTERM: readiness turns false, sends in flight finish, leases are released, exit 0.\n"
    "Default listeners: --grpc_addr 0.0.0.0:7103 --metrics_addr 0.0.0.0:9104";

// Outbound and Admin calls each block on a pooled Redis connection.
constexpr int kMaxServerThreads = 16;

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-sender: %s\n", std::string(status.message()).c_str());
  return 2;
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();

  auto settings =
      runtime::LoadServiceSettings(ContractFlagValues(), "0.0.0.0:7103", "0.0.0.0:9104");
  if (!settings.ok()) return Fail(settings.status());
  const config::Config& cfg = settings->config;
  const config::SenderConfig& sc = cfg.sender;
  const std::string instance_id = runtime::Resolve(
      absl::GetFlag(FLAGS_instance_id),
      sc.instance_id.empty() ? std::nullopt : std::optional<std::string>(sc.instance_id),
      "OMNIGATE_INSTANCE_ID", runtime::DefaultInstanceId("sender"));
  // redis://... or redis-cluster://...
  auto target = redis::ParseRedisTarget(settings->redis_url);
  if (!target.ok()) return Fail(target.status());

  const Clock& clock = SystemClock::Get();
  const uint32_t partitions = static_cast<uint32_t>(cfg.ingest.partitions);
  auto connectors = sender::BuildSenderConnectors(cfg.connectors, clock);
  if (!connectors.ok()) return Fail(connectors.status());
  if (connectors->empty()) return Fail(absl::InvalidArgumentError("config: no connectors"));
  std::vector<std::string> connector_names;
  for (const auto& [name, c] : *connectors) connector_names.push_back(name);

  httpclient::CurlClientOptions http_options;
  http_options.max_in_flight = sc.max_in_flight;
  http_options.max_connections_per_host = sc.max_connections_per_host;
  http_options.verify_tls = sc.verify_tls;
  http_options.ca_file = sc.ca_file;
  auto http = httpclient::CurlHttpClient::Create(http_options);
  if (!http.ok()) return Fail(http.status());

  // Server threads and the answers' bookkeeping share this pool; its
  // acknowledged writes wait for replicas when redis_wait_replicas > 0.
  const redis::ReplicaWait replica_wait = ReplicaWaitOf(cfg);
  RedisClientSettings pool_settings;
  pool_settings.io_timeout = absl::Seconds(5);
  pool_settings.max_idle = 16;
  pool_settings.max_open = kMaxServerThreads + static_cast<int>(partitions) + 8;
  pool_settings.acquire_timeout = absl::Milliseconds(500);
  pool_settings.replica_wait = replica_wait;
  auto pool_redis = MakeServiceRedis(*target, pool_settings);
  if (!pool_redis.ok()) return Fail(pool_redis.status());
  redis::RedisClient& pool = *pool_redis->client;
  // The partition workers' rate checks: a lost token-bucket update only
  // shifts a send slot, so they never wait for replicas.
  RedisClientSettings limiter_settings;
  limiter_settings.io_timeout = absl::Seconds(5);
  limiter_settings.max_idle = 16;
  limiter_settings.max_open = static_cast<int>(partitions) + 8;
  auto limiter_redis = MakeServiceRedis(*target, limiter_settings);
  if (!limiter_redis.ok()) return Fail(limiter_redis.status());
  // Reservations and sent records through group commit: those made while a
  // flush is in Redis share the next round trip, folded into one script
  // call per connector (reservations) and per partition (records; all in
  // one on a single Redis), so no thread waits for Redis per send. One
  // writer carries both, unless records must wait for replicas
  // (redis_wait_replicas): reservations never do (a lost token-bucket
  // update only shifts a send slot).
  const bool one_batcher = !replica_wait.enabled();
  redis::PipelineWriterOptions reserve_options;
  reserve_options.lanes = 1;
  outbound::RateLimiter::AddScripts(&reserve_options);
  redis::PipelineWriterOptions record_options;
  if (one_batcher) record_options = reserve_options;
  record_options.lanes = 1;
  record_options.replica_wait = replica_wait;
  sender::SentRecorder::AddScripts(&record_options, target->cluster);
  std::vector<std::string> batch_routes;
  for (const std::string& name : connector_names) {
    batch_routes.push_back(outbound::ConnectorBucketKey(name));
  }
  for (uint32_t p = 0; p < partitions; ++p) batch_routes.push_back(queue::OutboundStreamKey(p));
  std::unique_ptr<redis::StoreWriter> record_writer =
      redis::StoreWriter::Start(*target, record_options, batch_routes, nullptr);
  std::unique_ptr<redis::StoreWriter> reserve_writer =
      one_batcher ? nullptr
                  : redis::StoreWriter::Start(*target, reserve_options, batch_routes, nullptr);
  redis::GroupCommitWriter* reserve_batcher =
      one_batcher ? record_writer->writer() : reserve_writer->writer();
  outbound::RateLimiter limiter(limiter_redis->client.get(), clock, {}, reserve_batcher);
  conversations::OutboundStatusStore statuses(&pool, partitions, sc.status_retention, clock);

  // FAILED status events go through ingest's own deduplicating append.
  // One Redis or a cluster (each partition's writes to its stream's
  // master), as ingest's store path.
  redis::PipelineWriterOptions writer_options;
  writer_options.lanes = 1;
  writer_options.replica_wait = replica_wait;
  queue::RedisStreamQueue::AddScripts(&writer_options);
  std::vector<std::string> partition_streams;
  for (uint32_t p = 0; p < partitions; ++p) partition_streams.push_back(queue::StreamKey(p));
  std::unique_ptr<redis::StoreWriter> writer =
      redis::StoreWriter::Start(*target, writer_options, partition_streams, nullptr);
  queue::RedisStreamQueueOptions queue_options;
  queue_options.dedupe_ttl_seconds = cfg.ingest.dedupe_ttl_seconds;
  queue_options.stream_max_len = cfg.ingest.stream_max_len;
  queue_options.conversation_retention = cfg.ingest.conversation_retention;
  queue_options.status_retention = sc.status_retention;
  queue_options.history_max_len = cfg.cx.history_max_len;
  queue_options.history_retention = cfg.cx.history_retention;
  queue::RedisStreamQueue events(queue_options, writer->writer());
  sender::SentRecorder recorder(record_writer->writer(), partitions, sc.status_retention, clock,
                                target->cluster);

  auto registry = std::make_shared<prometheus::Registry>();
  dispatch::DispatchMetrics worker_metrics(*registry, {sender::SenderEngine::kSinkName},
                                           "omnigate_sender");
  sender::SenderMetrics metrics(*registry, connector_names);

  sender::SenderEngineOptions options;
  options.dispatch.partitions = partitions;
  options.dispatch.instance_id = instance_id;
  options.dispatch.lease.partitions = partitions;
  options.dispatch.lease.instance_id = instance_id;
  options.dispatch.lease.ttl = sc.lease_ttl;
  options.dispatch.lease.renew = sc.lease_renew;
  // On a cluster the heartbeat set's master may fail over alone.
  options.dispatch.lease.renew_without_heartbeat = target->cluster;
  options.dispatch.worker.max_attempts = sc.max_attempts;
  options.dispatch.worker.backoff_initial = sc.backoff_initial;
  options.dispatch.worker.backoff_max = sc.backoff_max;
  // A call may first wait for its rate-limit slot (at most a second).
  options.dispatch.worker.deliver_timeout = sc.send_timeout + absl::Seconds(2);
  options.dispatch.worker.max_buffered = sc.max_buffered_per_partition;
  options.dispatch.worker.dead_letter_max_len = cfg.ingest.stream_max_len;
  options.dispatch.max_in_flight_per_sink = sc.max_in_flight;
  options.sink.partitions = partitions;
  options.sink.send_timeout = sc.send_timeout;
  options.sink.max_in_flight_per_connector = sc.max_in_flight_per_connector;
  options.sink.connector_pause = sc.connector_pause;
  sender::ChannelSinkDeps deps;
  deps.connectors = &*connectors;
  deps.transport = http->get();
  deps.limiter = &limiter;
  deps.statuses = &statuses;
  deps.recorder = &recorder;
  deps.events = &events;
  deps.metrics = &metrics;
  deps.clock = &clock;
  cx::CxMetrics cx_metrics(*registry);
  deps.cx_metrics = &cx_metrics;
  sender::ReplyTokens reply_tokens(&pool, partitions, clock);
  deps.reply_tokens = &reply_tokens;
  deps.first_response_sla = [&cfg](absl::string_view priority) { return cfg.cx.SlaFor(priority); };
  // Leases on connections that never wait for replicas (see the
  // dispatcher); readers and workers connect to their stream's node.
  RedisClientSettings lease_settings;
  lease_settings.max_idle = 2;
  lease_settings.cluster_retry_budget = absl::Seconds(1);
  auto lease_redis = MakeServiceRedis(*target, lease_settings);
  if (!lease_redis.ok()) return Fail(lease_redis.status());
  dispatch::DispatcherRedis engine_redis{
      lease_redis->client.get(), lease_redis->cluster != nullptr
                                     ? dispatch::ClusterStreamConnector(lease_redis->cluster)
                                     : dispatch::EndpointStreamConnector(target->endpoints[0])};
  sender::SenderEngine engine(options, std::move(engine_redis), deps, &worker_metrics);

  auto authorizer = grpcutil::AuthorizerFromConfig(cfg.grpc_server);
  if (!authorizer.ok()) return Fail(authorizer.status());
  conversations::OutboundOptions outbound_options;
  outbound_options.partitions = partitions;
  outbound_options.stream_max_len = cfg.ingest.stream_max_len;
  outbound_options.history_max_len = cfg.cx.history_max_len;
  outbound_options.history_retention = cfg.cx.history_retention;
  conversations::OutboundMetrics outbound_metrics(*registry);
  conversations::OutboundService outbound_service(outbound_options, &pool, clock, authorizer->get(),
                                                  &statuses, &outbound_metrics);
  dispatch::DeadLetterStore dead_letters(partitions, cfg.ingest.stream_max_len, &pool,
                                         &queue::kSenderKeys);
  dispatch::AdminService admin_service(partitions, {sender::SenderEngine::kSinkName}, &dead_letters,
                                       &pool, authorizer->get(), &queue::kSenderKeys);

  grpcutil::GrpcServerOptions grpc_options;
  grpc_options.address = settings->grpc_addr;
  grpc_options.tls = grpcutil::ServerTlsFromConfig(cfg.grpc_server);
  grpc_options.max_threads = kMaxServerThreads;
  auto grpc_server = grpcutil::GrpcServer::Start(grpc_options, {&outbound_service, &admin_service});
  if (!grpc_server.ok()) return Fail(grpc_server.status());
  auto metrics_server = metrics::MetricsServer::Start(settings->metrics_addr, registry);
  if (!metrics_server.ok()) return Fail(metrics_server.status());

  engine.Start();
  OG_LOG(INFO) << "omnigate-sender started: instance=" << instance_id
               << " grpc_port=" << (*grpc_server)->port()
               << " metrics_port=" << (*metrics_server)->port()
               << " redis=" << target->ToSafeString() << " connectors=" << connector_names.size()
               << " partitions=" << partitions;

  runtime::ReadinessWatcher readiness([&] { return engine.healthy(); },
                                      [&](bool ready) {
                                        (*grpc_server)->SetServing(ready);
                                        worker_metrics.SetReady(ready);
                                      });

  const int sig = runtime::WaitForTerminationSignal();
  OG_LOG(INFO) << "signal " << sig << ": draining";
  readiness.Stop();
  (*grpc_server)->SetServing(false);
  worker_metrics.SetReady(false);
  engine.Stop(sc.drain_timeout);
  (*http)->Stop();
  (*grpc_server)->Shutdown(absl::Seconds(2));
  OG_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
