// omnigate-loadgen: load generator and baselines for omnigate.
//
// This file only wires flags to the library beside it: drivers (webhook, gRPC unary,
// gRPC stream), the closed/open-loop runner, the no-op servers and the JSON
// summary.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/connectors/connector.h"
#include "lib/runtime/runtime.h"
#include "tools/loadgen/grpc_drivers.h"
#include "tools/loadgen/http_driver.h"
#include "tools/loadgen/loopback.h"
#include "tools/loadgen/payloads.h"
#include "tools/loadgen/runner.h"
#include "tools/loadgen/servers.h"
#include "tools/loadgen/summary.h"

ABSL_FLAG(std::string, mode, "grpc-unary",
          "webhook | grpc-unary | grpc-stream | e2e | noop-server | sink");
ABSL_FLAG(std::string, target, "",
          "Loopback HOST:PORT to load: ingest's --http_addr (webhook) or --grpc_addr (grpc-*, "
          "e2e, also a noop-server). Non-loopback addresses are refused.");
ABSL_FLAG(int, concurrency, 16,
          "Closed loop: requests in flight (webhook: connections). Open loop: the most allowed "
          "in flight.");
ABSL_FLAG(double, rate, 0, "Open loop: requests per second (0 = closed loop).");
ABSL_FLAG(int64_t, count, 0, "Stop after this many requests (0 = bounded by --duration only).");
ABSL_FLAG(double, duration, 10, "Stop sending after this many seconds.");
ABSL_FLAG(int, connections, 1,
          "grpc-unary/e2e: client connections the calls are spread over (each its own HTTP/2 "
          "connection, so each gets the server's per-connection stream limit).");
ABSL_FLAG(int, streams, 1, "grpc-stream: bidi streams the in-flight requests are spread over.");
ABSL_FLAG(int, batch, 1, "grpc-*/e2e: events per PublishRequest.");
ABSL_FLAG(int, payload_bytes, 64, "Approximate text size of each message.");
ABSL_FLAG(int, conversations, 1000, "grpc-*/e2e: distinct conversation keys.");
ABSL_FLAG(std::string, channel, "whatsapp",
          "webhook: whatsapp|messenger|instagram|telegram|line|twilio|viber|x|webchat|email "
          "(e-mail as Mailgun's signed form).");
ABSL_FLAG(std::string, connector, "", "webhook: connector name (default: the channel name).");
ABSL_FLAG(std::string, secret, "", "webhook: the connector's signing secret.");
ABSL_FLAG(std::string, public_url, "", "webhook (twilio): the connector's public_url.");
ABSL_FLAG(std::string, sink_addr, "127.0.0.1:0",
          "e2e: where the built-in Sink listens (the dispatcher's sink address).");
ABSL_FLAG(int, sink_delay_ms, 0, "sink: answer each Deliver call this long after it arrived.");
ABSL_FLAG(double, e2e_wait, 20, "e2e/sink: seconds to wait for deliveries after sending.");
ABSL_FLAG(std::string, json, "", "Write the JSON summary to this file ('-' = stdout).");
ABSL_FLAG(int, progress, -1, "Live progress line on stderr: 1 on, 0 off, -1 when a terminal.");
ABSL_FLAG(std::string, run_id, "", "Unique prefix of message ids (default random).");
// The binary contract; used where they mean something, otherwise accepted.
ABSL_FLAG(std::string, config, "", "Accepted for the common contract; unused.");
ABSL_FLAG(std::string, redis, "", "Accepted for the common contract; unused.");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:0",
          "noop-server/sink: where to listen (loopback only).");
ABSL_FLAG(std::string, metrics_addr, "", "Accepted for the common contract; unused.");
ABSL_FLAG(std::string, http_addr, "", "Accepted for the common contract; unused.");

namespace omnigate {
namespace {

using loadgen::Summary;

constexpr char kUsage[] =
    "omnigate-loadgen: drives omnigate-ingest (or a baseline) on this machine and reports rate\n"
    "and latency percentiles.\n\n"
    "  --mode webhook      POST unique, signed webhooks of --channel to "
    "--target/webhooks/{connector}\n"
    "  --mode grpc-unary   Ingest.Publish calls to --target\n"
    "  --mode grpc-stream  Ingest.PublishStream (--streams streams) to --target\n"
    "  --mode e2e          Publish to --target and time each event until the built-in Sink on\n"
    "                      --sink_addr receives it from the dispatcher\n"
    "  --mode noop-server  serve an Ingest that answers without work on --grpc_addr (baseline)\n"
    "  --mode sink         serve a no-op Sink on --grpc_addr; exit after --count events\n\n"
    "Closed loop by default (--concurrency in flight); open loop with --rate. Bounded by --count\n"
    "and --duration. Summary on stdout, JSON with --json. Targets must be loopback.\n"
    "Example: omnigate-loadgen --mode grpc-unary --target 127.0.0.1:7000 --duration 10";

int Fail(const absl::Status& status) {
  fprintf(stderr, "omnigate-loadgen: %s\n", std::string(status.message()).c_str());
  return 2;
}

bool Progress() {
  const int p = absl::GetFlag(FLAGS_progress);
  return p < 0 ? isatty(2) != 0 : p != 0;
}

loadgen::RunOptions Options(const std::string& label) {
  loadgen::RunOptions o;
  o.concurrency = absl::GetFlag(FLAGS_concurrency);
  o.rate = absl::GetFlag(FLAGS_rate);
  o.count = absl::GetFlag(FLAGS_count);
  o.duration = absl::Seconds(absl::GetFlag(FLAGS_duration));
  o.progress = Progress();
  o.label = label;
  return o;
}

std::string RunId() {
  std::string id = absl::GetFlag(FLAGS_run_id);
  if (id.empty()) id = absl::StrCat(absl::Hex(absl::BitGen()() & 0xffffffffffULL));
  return id;
}

void Describe(Summary* s, const std::string& mode, const loadgen::RunOptions& o,
              const loadgen::RunResult& r, int events_per_request) {
  s->Set("mode", mode);
  s->Set("loop", o.rate > 0 ? std::string("open") : std::string("closed"));
  s->SetInt("concurrency", o.concurrency);
  s->Set("target_rate", o.rate);
  s->SetInt("sent", r.sent);
  s->SetInt("ok", r.ok);
  s->SetInt("shed", r.shed);
  s->SetInt("errors", r.errors);
  s->SetInt("dropped", r.dropped);
  s->Set("seconds", r.seconds);
  s->Set("rate", r.seconds > 0 ? r.ok / r.seconds : 0.0);
  s->Set("events_per_s", r.seconds > 0 ? r.ok * events_per_request / r.seconds : 0.0);
  s->SetLatency("latency", r.latency);
  if (r.shed > 0) {
    s->SetLatency("shed_latency", r.shed_latency);
    s->SetLatency("shed_service_latency", r.shed_service_latency);
  }
}

int Emit(const Summary& s) {
  printf("%s", s.ToText().c_str());
  const std::string path = absl::GetFlag(FLAGS_json);
  if (path == "-") {
    printf("%s", s.ToJson().c_str());
  } else if (!path.empty()) {
    std::ofstream out(path);
    out << s.ToJson();
    if (!out) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  }
  return 0;
}

loadgen::PublishBuilder EventBuilder(const std::string& run_id, bool stamp) {
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
  const int conversations = absl::GetFlag(FLAGS_conversations);
  const size_t text = static_cast<size_t>(absl::GetFlag(FLAGS_payload_bytes));
  return [=](int64_t seq, int64_t due_ns, omnigate::v1::PublishRequest* request) {
    for (int i = 0; i < batch; ++i) {
      *request->add_events() = loadgen::BuildEvent(run_id, seq * batch + i, conversations, text);
      if (stamp) {
        // From when the event was due, so a client that falls behind its
        // schedule does not hide the wait (coordinated omission).
        (*request->mutable_events(i)->mutable_attributes())[loadgen::kSentAtAttribute] =
            absl::StrCat(due_ns);
      }
    }
  };
}

std::shared_ptr<grpc::Channel> Channel(const loadgen::HostPort& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  // Channels to one target would otherwise share one connection.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat(target.host, ":", target.port),
                                   grpc::InsecureChannelCredentials(), args);
}

int RunServer(const std::string& mode) {
  auto listen = loadgen::ParseLoopbackTarget(absl::GetFlag(FLAGS_grpc_addr));
  if (!listen.ok()) return Fail(listen.status());
  loadgen::NoopIngestService ingest;
  loadgen::CountingSink sink(absl::Milliseconds(absl::GetFlag(FLAGS_sink_delay_ms)));
  int port = 0;
  auto server =
      loadgen::Serve(absl::GetFlag(FLAGS_grpc_addr),
                     mode == "sink" ? static_cast<grpc::Service*>(&sink) : &ingest, &port);
  if (!server.ok()) return Fail(server.status());
  fprintf(stderr, "omnigate-loadgen %s listening on 127.0.0.1:%d\n", mode.c_str(), port);
  const int64_t want = absl::GetFlag(FLAGS_count);
  if (mode == "sink" && want > 0) {
    // Drain measurement: wait for `want` events, bounded by --e2e_wait after
    // the first one (or forever before it: the backlog may take a while to
    // reach us while the dispatcher starts).
    while (sink.events() < want) {
      if (sink.first_ns() != 0 &&
          loadgen::SteadyNowNs() - sink.first_ns() > absl::GetFlag(FLAGS_e2e_wait) * 1e9)
        break;
      absl::SleepFor(absl::Milliseconds(1));
    }
  } else {
    runtime::WaitForTerminationSignal();
  }
  Summary s;
  s.Set("mode", mode);
  s.SetInt("port", port);
  if (mode == "sink") {
    const double seconds = (sink.last_ns() - sink.first_ns()) / 1e9;
    s.SetInt("events", sink.events());
    s.SetInt("calls", sink.calls());
    s.Set("seconds", seconds);
    s.Set("events_per_s", seconds > 0 ? sink.events() / seconds : 0.0);
  } else {
    s.SetInt("events", ingest.events());
  }
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return Emit(s);
}

int Run(int argc, char** argv) {
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);
  runtime::PrepareProcess();
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "noop-server" || mode == "sink") return RunServer(mode);

  auto target = loadgen::ParseLoopbackTarget(absl::GetFlag(FLAGS_target));
  if (!target.ok()) return Fail(target.status());
  const std::string run_id = RunId();
  const loadgen::RunOptions options = Options(mode);
  Summary summary;

  if (mode == "webhook") {
    loadgen::WebhookSpec spec;
    const std::string channel_name = absl::GetFlag(FLAGS_channel);
    spec.channel = connectors::ChannelFromName(channel_name);
    if (!loadgen::SupportsWebhookChannel(spec.channel)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("unsupported channel ", channel_name)));
    }
    spec.secret = absl::GetFlag(FLAGS_secret);
    spec.public_url = absl::GetFlag(FLAGS_public_url);
    spec.text_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_payload_bytes));
    spec.run_id = run_id;
    std::string connector = absl::GetFlag(FLAGS_connector);
    if (connector.empty()) connector = channel_name;
    auto driver = loadgen::HttpDriver::Start(
        *target, absl::StrCat("/webhooks/", connector), options.concurrency, [spec](int64_t seq) {
          return loadgen::BuildWebhook(spec, seq, absl::ToUnixSeconds(absl::Now()));
        });
    if (!driver.ok()) return Fail(driver.status());
    const loadgen::RunResult r = loadgen::RunLoad(driver->get(), options);
    Describe(&summary, mode, options, r, 1);
    summary.Set("channel", channel_name);
    return Emit(summary);
  }

  if (mode == "grpc-unary" || mode == "grpc-stream" || mode == "e2e") {
    const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
    const int connections = mode == "grpc-stream" ? 1 : absl::GetFlag(FLAGS_connections);
    if (connections < 1 || connections > 1024)
      return Fail(absl::InvalidArgumentError("--connections must be 1..1024"));
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < connections; ++i) {
      channels.push_back(Channel(*target));
      if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                             std::chrono::seconds(10))) {
        return Fail(absl::UnavailableError(
            absl::StrCat("cannot connect to ", target->host, ":", target->port)));
      }
    }
    auto channel = channels.front();
    loadgen::CountingSink sink;
    std::unique_ptr<grpc::Server> sink_server;
    if (mode == "e2e") {
      if (auto s = loadgen::ParseLoopbackTarget(absl::GetFlag(FLAGS_sink_addr)); !s.ok())
        return Fail(s.status());
      int port = 0;
      auto server = loadgen::Serve(absl::GetFlag(FLAGS_sink_addr), &sink, &port);
      if (!server.ok()) return Fail(server.status());
      sink_server = *std::move(server);
    }
    std::unique_ptr<loadgen::Driver> driver;
    if (mode == "grpc-stream") {
      driver = std::make_unique<loadgen::StreamPublishDriver>(channel, absl::GetFlag(FLAGS_streams),
                                                              EventBuilder(run_id, false));
    } else {
      driver = std::make_unique<loadgen::UnaryPublishDriver>(channels,
                                                             EventBuilder(run_id, mode == "e2e"));
    }
    {
      omnigate::v1::PublishRequest sample;
      EventBuilder(run_id, false)(0, 0, &sample);
      summary.SetInt("request_bytes", static_cast<int64_t>(sample.ByteSizeLong()));
    }
    const loadgen::RunResult r = loadgen::RunLoad(driver.get(), options);
    driver.reset();
    Describe(&summary, mode, options, r, batch);
    summary.SetInt("batch", batch);
    if (mode == "grpc-stream") summary.SetInt("streams", absl::GetFlag(FLAGS_streams));
    summary.SetInt("connections", connections);
    if (mode == "e2e") {
      const int64_t want = r.ok * batch;
      const absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_e2e_wait));
      while (sink.events() < want && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
      summary.SetInt("delivered", sink.events());
      summary.SetInt("deliver_calls", sink.calls());
      summary.SetLatency("e2e_latency", sink.latency());
      sink_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    }
    return Emit(summary);
  }
  return Fail(absl::InvalidArgumentError(absl::StrCat("unknown --mode ", mode)));
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Run(argc, argv); }
