// omnigate-fakeprovider: the channels' send APIs on loopback, for the local
// demo (`make run`). Prints one line per request it receives and answers
// like the provider does on success (tools/fake_provider/fake_provider.h).

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/runtime/runtime.h"
#include "tools/fake_provider/fake_provider.h"
#include "tools/fake_provider/request_summary.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:8090", "HOST:PORT to listen on (port 0: any free port).");
ABSL_FLAG(int, threads, 2, "HTTP I/O threads.");

namespace omnigate {
namespace {

constexpr char kUsage[] =
    "omnigate-fakeprovider: answers like the channels' send APIs (WhatsApp, Messenger,\n"
    "Instagram, Telegram, LINE, Twilio, Viber, X, SendGrid, Mailgun, web chat) and prints\n"
    "one line per request. Set a connector's outbound.api_base_url to\n"
    "http://HOST:PORT/<channel> (whatsapp, messenger, instagram, telegram, line, twilio,\n"
    "viber, x, sendgrid, mailgun, webchat).\n";

int Main(int argc, char** argv) {
  runtime::PrepareProcess();
  runtime::HandleHelp(argc, argv, kUsage);
  absl::ParseCommandLine(argc, argv);

  fakeprovider::FakeProvider::Options options;
  options.address = absl::GetFlag(FLAGS_addr);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.on_request = [](const fakeprovider::RecordedRequest& request) {
    // One call per line: stdio locks per call, so lines from the server's
    // threads do not interleave.
    std::printf("%s\n", fakeprovider::SummarizeRequest(request).c_str());
    std::fflush(stdout);
  };
  auto fake = fakeprovider::FakeProvider::Start(std::move(options));
  if (!fake.ok()) {
    std::fprintf(stderr, "omnigate-fakeprovider: %s\n", fake.status().ToString().c_str());
    return 1;
  }
  std::printf("omnigate-fakeprovider listening on %s (api_base_url: %s/<channel>)\n",
              (*fake)->base_url().c_str(), (*fake)->base_url().c_str());
  std::fflush(stdout);
  runtime::WaitForTerminationSignal();
  return 0;
}

}  // namespace
}  // namespace omnigate

int main(int argc, char** argv) { return omnigate::Main(argc, argv); }
