// Overload: omnigate-ingest is offered twice what it can take (open loop,
// omnigate-loadgen) for 8 s (60 s in the long form), once as signed webhooks
// and once as unary Publish calls. Measured against its peak of the same run:
// goodput, what happened to the excess and how fast, ingest's peak memory
// under the configured caps, and how soon a single client is served normally
// again once the excess stops. With at least 2 CPUs the load generator runs
// on CPU 1 and ingest + Redis on CPU 0, so the client's own work does not eat
// the server's capacity. Runs alone (RUN_SERIAL): it measures capacity.

#include <grpcpp/grpcpp.h>
#include <sched.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/http_client.h"
#include "tests/support/redis_test.h"

namespace omnigate::faults {
namespace {

constexpr int kMaxInFlightCalls = 256;
constexpr int kStreamsPerConnection = 128;  // ingest's default
// Goodput floor (share of peak) where the excess waits with the client: a
// shared VM drifts too much within a run to assert the 90 % target, so the
// floor catches a collapse and RELIABILITY.md reports the figures run by run.
constexpr double kWaitingGoodputFloor = 0.6;

bool TwoCpus() { return std::thread::hardware_concurrency() >= 2; }

// Every thread of `pid` on `cpu` (threads started later inherit it).
void PinTo(pid_t pid, int cpu) {
  if (!TwoCpus()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/task"), ec)) {
    int tid = 0;
    if (absl::SimpleAtoi(task.path().filename().string(), &tid)) {
      (void)sched_setaffinity(tid, sizeof(set), &set);
    }
  }
}

// Field `key` of the loadgen's JSON summary (of its `block` object when
// given), -1 when absent, so a missing figure fails the checks.
double JsonNumber(const std::string& json, const char* key, const char* block = nullptr) {
  auto doc = json::ParseStrictObject(json);
  if (!doc.ok()) return -1;
  const json::Value* object = block == nullptr ? doc->get() : json::Find(**doc, block);
  const json::Value* v = object == nullptr ? nullptr : json::Find(*object, key);
  return v != nullptr && v->IsNumber() ? v->GetDouble() : -1;
}

// The loadgen's JSON after one run (pinned to CPU 1).
std::string RunLoadgen(const std::string& dir, const std::string& name,
                       const std::vector<std::string>& args) {
  const std::string json = absl::StrCat(dir, "/", name, ".json");
  std::vector<std::string> argv;
  if (TwoCpus()) argv = {"/usr/bin/taskset", "-c", "1"};
  argv.insert(argv.end(), {testing::BinaryPath("omnigate-loadgen"), "--progress", "0", "--json",
                           json, "--conversations", "2000"});
  argv.insert(argv.end(), args.begin(), args.end());
  auto proc = testing::ChildProcess::Spawn(argv, absl::StrCat(dir, "/", name, ".log"));
  EXPECT_TRUE(proc.ok()) << proc.status();
  if (!proc.ok()) return "";
  EXPECT_TRUE(WaitFor([&] { return !(*proc)->running(); }, absl::Seconds(120)));
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << (*proc)->ReadLog();
  return text.str();
}

// True when one more call is served normally: accepted within 20 ms.
using Probe = std::function<bool(int)>;

struct OverloadFigures {
  // Peak measured before and after the overload window; goodput is judged
  // against their mean, so a VM that slows down (or speeds up) during the
  // run does not read as lost (or gained) goodput. Offered: twice the first.
  double peak_before = 0, peak_after = 0, peak = 0;
  double goodput = 0, shed = 0, errors = 0, dropped = 0;
  // Refusals' p99 from each call's due time, and from when it was sent (the
  // server's part, without the client falling behind its own schedule).
  double shed_p99_ms = -1, shed_service_p99_ms = -1, ok_p99_ms = -1;
  double rss_before = 0, rss_peak = 0;
  absl::Duration recovered_after = absl::InfiniteDuration();

  std::string Text(absl::Duration window) const {
    return absl::StrCat(
        "peak ", static_cast<int>(peak), "/s (", static_cast<int>(peak_before), " before, ",
        static_cast<int>(peak_after), " after); offered ", static_cast<int>(peak_before * 2),
        "/s for ", absl::FormatDuration(window), ": goodput ", static_cast<int>(goodput), "/s (",
        static_cast<int>(100 * goodput / peak), "% of peak), accepted p99 ", ok_p99_ms, " ms, ",
        static_cast<int64_t>(shed), " refused for load",
        shed > 0 ? absl::StrCat(" (p99 ", shed_p99_ms, " ms from due time, ", shed_service_p99_ms,
                                " ms from sending)")
                 : std::string(),
        ", ", static_cast<int64_t>(errors), " other errors, ", static_cast<int64_t>(dropped),
        " held back by the client's connections/in-flight cap; ingest RSS ",
        static_cast<int>(rss_before), " -> peak ", static_cast<int>(rss_peak),
        " MiB; normal service again ",
        absl::FormatDuration(absl::Trunc(recovered_after, absl::Milliseconds(1))),
        " after the excess stopped", TwoCpus() ? " (loadgen CPU 1, ingest + Redis CPU 0)" : "");
  }
};

class OverloadTest : public testing::RedisTest {
 protected:
  // Ingest with these caps, pinned with Redis to CPU 0.
  void StartIngest(int max_in_flight_calls, int max_streams_per_connection) {
    const std::string config = WriteConfig(
        dir_, "127.0.0.1:2", "127.0.0.1:2",
        absl::StrCat("  max_backlog: 0\n  max_in_flight_calls: ", max_in_flight_calls,
                     "\n  max_streams_per_connection: ", max_streams_per_connection, "\n"));
    ingest_ = std::make_unique<IngestProcess>(config, redis_->url(), dir_);
    ASSERT_TRUE(ingest_->Start());
    ASSERT_TRUE(ingest_->WaitReady(absl::Seconds(10)));
    PinTo(ingest_->process()->pid(), 0);
    PinTo(redis_->pid(), 0);
  }

  // A Publish of one event that must be accepted within 2 s.
  Probe PublishProbe() {
    auto stub = std::shared_ptr<omnigate::v1::Ingest::Stub>(
        omnigate::v1::Ingest::NewStub(grpc::CreateChannel(
            absl::StrCat("127.0.0.1:", ingest_->grpc_port()), grpc::InsecureChannelCredentials())));
    return [stub](int i) {
      omnigate::v1::PublishRequest request;
      auto* e = request.add_events();
      e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
      e->set_conversation_key(absl::StrCat("webchat:probe:", i));
      e->set_external_id(absl::StrCat("probe-", i));
      e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
      e->mutable_text()->set_body("probe");
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      omnigate::v1::PublishResponse response;
      return stub->Publish(&context, request, &response).ok() && response.code() == 0;
    };
  }

  std::vector<std::string> UnaryMode() const {
    return {"--mode", "grpc-unary", absl::StrCat("--target=127.0.0.1:", ingest_->grpc_port())};
  }

  // Peak with `peak_args` (closed loop), then twice that with `overload_args`
  // (open loop) for the window, sampling RSS and probing after the window,
  // then the peak again.
  OverloadFigures Run(const std::vector<std::string>& mode, std::vector<std::string> peak_args,
                      std::vector<std::string> overload_args, absl::Duration window,
                      const Probe& probe) {
    OverloadFigures f;
    const pid_t pid = ingest_->process()->pid();
    peak_args.insert(peak_args.begin(), mode.begin(), mode.end());
    const std::string peak_json = RunLoadgen(dir_, "peak", peak_args);
    f.peak = f.peak_before = JsonNumber(peak_json, "events_per_s");
    if (f.peak_before < 100) {
      ADD_FAILURE() << "no peak: " << peak_json;
      return f;
    }
    f.rss_before = RssMib(pid);

    std::atomic<bool> done{false};
    std::thread sampler([&] {
      while (!done.load()) {
        f.rss_peak = std::max(f.rss_peak, RssMib(pid));
        absl::SleepFor(absl::Milliseconds(100));
      }
    });
    const absl::Time start = absl::Now();
    std::thread prober([&] {
      absl::SleepFor(start + window - absl::Now());
      const absl::Time end_of_excess = absl::Now();
      int in_a_row = 0;
      absl::Time first_good;
      for (int i = 0; absl::Now() - end_of_excess < absl::Seconds(15); ++i) {
        const absl::Time sent = absl::Now();
        const bool good = probe(i) && absl::Now() - sent < absl::Milliseconds(20);
        if (good && in_a_row++ == 0) first_good = sent;
        if (!good) in_a_row = 0;
        if (in_a_row == 20) {  // 20 calls in a row served normally
          f.recovered_after = std::max(absl::ZeroDuration(), first_good - end_of_excess);
          return;
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
    overload_args.insert(overload_args.begin(), mode.begin(), mode.end());
    overload_args.insert(overload_args.end(),
                         {"--rate", absl::StrCat(static_cast<int>(f.peak_before * 2)), "--duration",
                          absl::StrCat(absl::ToInt64Seconds(window))});
    const std::string json = RunLoadgen(dir_, "overload", overload_args);
    prober.join();
    done.store(true);
    sampler.join();
    f.goodput = JsonNumber(json, "events_per_s");
    f.shed = JsonNumber(json, "shed");
    f.errors = JsonNumber(json, "errors");
    f.dropped = JsonNumber(json, "dropped");
    f.ok_p99_ms = JsonNumber(json, "p99_ms", "latency");  // accepted calls
    f.shed_p99_ms = JsonNumber(json, "p99_ms", "shed_latency");
    f.shed_service_p99_ms = JsonNumber(json, "p99_ms", "shed_service_latency");
    f.peak_after = JsonNumber(RunLoadgen(dir_, "peak-after", peak_args), "events_per_s");
    f.peak = (f.peak_before + std::max(0.0, f.peak_after)) / (f.peak_after > 0 ? 2 : 1);
    return f;
  }

  void ExpectBounded(const OverloadFigures& f, const std::string& figures) {
    EXPECT_EQ(f.errors, 0) << figures;
    EXPECT_LT(f.rss_peak, f.rss_before + 64) << "memory bounded by the caps: " << figures;
    EXPECT_LT(f.recovered_after, absl::Seconds(5)) << figures;
  }

  std::unique_ptr<IngestProcess> ingest_;
};

TEST_F(OverloadTest, WebhooksAtTwiceCapacityKeepGoodputAndRecover) {
  StartIngest(kMaxInFlightCalls, kStreamsPerConnection);
  const absl::Duration window = Scaled(absl::Seconds(8), absl::Seconds(60));
  const Probe probe = [&](int i) {
    const std::string body =
        WhatsAppBody(absl::StrCat("wamid.probe.", i), absl::StrCat("6281500", i), "probe");
    auto r = testing::HttpRequest(
        ingest_->http_port(), "POST", "/webhooks/wa-main",
        {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", MetaSignature(body)}}, body,
        absl::Seconds(2));
    return r.ok() && r->status == 200;
  };
  const std::vector<std::string> mode = {
      "--mode",   "webhook",     "--channel",
      "whatsapp", "--connector", "wa-main",
      "--secret", kMetaSecret,   absl::StrCat("--target=127.0.0.1:", ingest_->http_port())};
  // Senders hold 128 connections; one request in flight on each.
  const OverloadFigures f = Run(mode, {"--concurrency", "32", "--duration", "3"},
                                {"--concurrency", "128"}, window, probe);
  const std::string figures = f.Text(window);
  Report("overload 2x, webhooks", figures);
  EXPECT_GE(f.goodput, kWaitingGoodputFloor * f.peak) << figures;
  EXPECT_GT(f.dropped + f.shed, 0) << "twice the capacity was not offered: " << figures;
  ExpectBounded(f, figures);
}

// One client connection offering twice the capacity: ingest lets it have
// max_streams_per_connection calls open, the rest wait in the client's
// HTTP/2 transport (the client holds up to twice that many and drops what
// it cannot hold), so ingest spends nothing on the excess.
TEST_F(OverloadTest, GrpcClientAtTwiceCapacityWaitsInItsConnection) {
  StartIngest(kMaxInFlightCalls, kStreamsPerConnection);
  const absl::Duration window = Scaled(absl::Seconds(8), absl::Seconds(60));
  const OverloadFigures f =
      Run(UnaryMode(), {"--concurrency", "64", "--duration", "3"},
          {"--concurrency", absl::StrCat(2 * kStreamsPerConnection)}, window, PublishProbe());
  const std::string figures = f.Text(window);
  Report("overload 2x, gRPC Publish, one connection", figures);
  EXPECT_EQ(f.shed, 0) << "the connection's stream limit holds the excess: " << figures;
  EXPECT_GT(f.dropped, 0) << "twice the capacity was not offered: " << figures;
  EXPECT_GE(f.goodput, kWaitingGoodputFloor * f.peak) << figures;
  ExpectBounded(f, figures);
}

// Many clients together over max_in_flight_calls (8 connections of up to 64
// calls each, within their stream limit: 512 calls open against a cap of
// 256): the excess is refused with RESOURCE_EXHAUSTED at once.
TEST_F(OverloadTest, GrpcCallsBeyondTheInFlightCapAreRefused) {
  StartIngest(kMaxInFlightCalls, kStreamsPerConnection);
  const absl::Duration window = Scaled(absl::Seconds(8), absl::Seconds(60));
  const OverloadFigures f =
      Run(UnaryMode(), {"--concurrency", "64", "--duration", "3"},
          {"--connections", "8", "--concurrency", "512"}, window, PublishProbe());
  const std::string figures = f.Text(window);
  Report("overload 2x, gRPC Publish, refused beyond the in-flight cap", figures);
  EXPECT_GT(f.shed, 0) << "the excess must be refused (RESOURCE_EXHAUSTED): " << figures;
  EXPECT_LT(f.shed_service_p99_ms, 500) << "refusals must come fast: " << figures;
  // A refused call costs ingest about what a no-op gRPC call does, a good
  // share of an accepted one, so goodput falls well below the peak here
  // (figures in RELIABILITY.md); this floor catches a collapse.
  EXPECT_GE(f.goodput, 0.2 * f.peak) << figures;
  ExpectBounded(f, figures);
}

}  // namespace
}  // namespace omnigate::faults
