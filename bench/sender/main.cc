// sender_bench: the C++ half of tools/sender_bench.py (BENCHMARKS.md,
// "Sender against the fake provider").
//
//   --mode=direct   the baseline: the replies' Telegram requests, built by the
//                   sender's own ChannelSender, sent straight to the fake
//                   provider with CurlHttpClient; prints one JSON line.
//   --mode=preload  the same replies as XADDs to omnigate:outbound:{p} in the
//                   Redis protocol on stdout, for `redis-cli --pipe`.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "bench/sender/direct_sends.h"
#include "bench/sender/replies.h"
#include "bench/sender/resp_writer.h"
#include "lib/outbound/sender_factory.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

ABSL_FLAG(std::string, mode, "direct", "direct or preload.");
ABSL_FLAG(std::string, api_base_url, "",
          "direct: the fake's Telegram root, http://HOST:PORT/telegram.");
ABSL_FLAG(int, count, 20000, "Replies.");
ABSL_FLAG(int, conversations, 1000, "Chats the replies are spread over.");
ABSL_FLAG(int, partitions, 16, "preload: outbound partitions (ingest.partitions).");
ABSL_FLAG(int, in_flight, 256, "direct: CurlHttpClient max_in_flight (the sender's default).");

namespace omnigate::bench {
namespace {

int Direct() {
  auto sender = outbound::SenderFor(omnigate::v1::CHANNEL_TELEGRAM);
  const outbound::SenderSettings settings = BenchSettings(absl::GetFlag(FLAGS_api_base_url));
  std::vector<outbound::HttpRequest> requests;
  // Built before the clock starts: the baseline is the HTTP client alone.
  for (int i = 0; i < absl::GetFlag(FLAGS_count); ++i) {
    auto message = outbound::FromEvent(BenchReply(i, absl::GetFlag(FLAGS_conversations)), settings);
    if (!message.ok()) return fprintf(stderr, "%s\n", message.status().ToString().c_str()), 1;
    auto request = sender->Build(*message);
    if (!request.ok()) return fprintf(stderr, "%s\n", request.status().ToString().c_str()), 1;
    requests.push_back(*std::move(request));
  }
  // The sender's HTTP options (config defaults): only max_in_flight is set.
  httpclient::CurlClientOptions options;
  options.max_in_flight = absl::GetFlag(FLAGS_in_flight);
  const size_t n = requests.size();
  auto result = RunDirectSends(std::move(requests), options, absl::Seconds(10));
  if (!result.ok()) return fprintf(stderr, "%s\n", result.status().ToString().c_str()), 1;
  printf(
      "{\"requests\": %zu, \"ok\": %d, \"failed\": %d, \"in_flight\": %d, \"wall_s\": %.6f, "
      "\"cpu_s\": %.6f, \"sends_per_s\": %.1f, \"cpu_us_per_send\": %.2f, "
      "\"context_switches\": %ld}\n",
      n, result->answered_2xx, result->failed, options.max_in_flight, result->wall_s, result->cpu_s,
      n / result->wall_s, result->cpu_s * 1e6 / n, result->context_switches);
  return result->failed == 0 ? 0 : 1;
}

int Preload() {
  const uint32_t partitions = static_cast<uint32_t>(absl::GetFlag(FLAGS_partitions));
  std::string out;
  for (int i = 0; i < absl::GetFlag(FLAGS_count); ++i) {
    const omnigate::v1::Event e = BenchReply(i, absl::GetFlag(FLAGS_conversations));
    const std::string key =
        queue::OutboundStreamKey(queue::PartitionOf(e.conversation_key(), partitions));
    // As the chatbot queues a reply: field "event", the serialized Event.
    AppendCommand({"XADD", key, "*", "event", e.SerializeAsString()}, &out);
  }
  return fwrite(out.data(), 1, out.size(), stdout) == out.size() ? 0 : 1;
}

}  // namespace
}  // namespace omnigate::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "direct") return omnigate::bench::Direct();
  if (mode == "preload") return omnigate::bench::Preload();
  fprintf(stderr, "sender_bench: --mode must be direct or preload\n");
  return 2;
}
