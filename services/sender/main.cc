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
#include "lib/redis/connection_pool.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_url.h"
#include "lib/runtime/readiness_watcher.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/service_settings.h"
#include "lib/sender/sender_connector.h"
#include "lib/sender/sender_engine.h"
#include "lib/sender/sender_metrics.h"
#include "services/common/contract_flags.h"

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
  auto endpoint = redis::ParseRedisUrl(settings->redis_url);
  if (!endpoint.ok()) return Fail(endpoint.status());

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

  // Server threads, the partition workers' rate checks and the answers'
  // bookkeeping share this pool.
  redis::ConnectionPool pool(*endpoint, absl::Seconds(1), absl::Seconds(5), /*max_idle=*/16,
                             /*max_open=*/kMaxServerThreads + static_cast<int>(partitions) + 8);
  outbound::RateLimiter limiter(&pool, clock);
  conversations::OutboundStatusStore statuses(&pool, partitions, sc.status_retention, clock);

  // FAILED status events go through ingest's own deduplicating append.
  redis::PipelineWriterOptions writer_options;
  writer_options.endpoint = *endpoint;
  writer_options.lanes = 1;
  queue::RedisStreamQueue::AddScripts(&writer_options);
  redis::RedisPipelineWriter writer(writer_options, nullptr);
  writer.Start();
  queue::RedisStreamQueueOptions queue_options;
  queue_options.dedupe_ttl_seconds = cfg.ingest.dedupe_ttl_seconds;
  queue_options.stream_max_len = cfg.ingest.stream_max_len;
  queue_options.conversation_retention = cfg.ingest.conversation_retention;
  queue_options.status_retention = sc.status_retention;
  queue_options.history_max_len = cfg.cx.history_max_len;
  queue_options.history_retention = cfg.cx.history_retention;
  queue::RedisStreamQueue events(queue_options, &writer);

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
  deps.events = &events;
  deps.metrics = &metrics;
  deps.clock = &clock;
  cx::CxMetrics cx_metrics(*registry);
  deps.cx_metrics = &cx_metrics;
  sender::ReplyTokens reply_tokens(&pool, partitions, clock);
  deps.reply_tokens = &reply_tokens;
  deps.first_response_sla = [&cfg](absl::string_view priority) { return cfg.cx.SlaFor(priority); };
  sender::SenderEngine engine(options, *endpoint, deps, &worker_metrics);

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
               << " redis=" << endpoint->ToSafeString() << " connectors=" << connector_names.size()
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
