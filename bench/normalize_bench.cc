// Cost of turning one channel webhook into canonical events: signature check
// and normalization, per example in tests/fixtures/channels.
//
// Method: each benchmark runs the adapter on the same in-memory request in a
// loop (Google Benchmark picks the iteration count, >= 0.5 s per case), on
// one thread; "items" are events, so items_per_second gives events/s and
// ns per event = 1e9 / items_per_second. Bodies are parsed from scratch each
// iteration (RapidJSON DOM, no caching), exactly as ingest does per request.

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"
#include "tests/support/fixture_loader.h"

namespace {

using omnigate::channels::testing::ChannelFixture;
using omnigate::connectors::ConnectorSettings;

// Settings that make each example's signature verify (the fixtures' secrets).
ConnectorSettings SettingsFor(const std::string& name, const ChannelFixture& fixture) {
  const std::string prefix = name.substr(0, name.find("__"));
  ConnectorSettings s;
  s.name = "bench";
  s.channel = omnigate::connectors::ChannelFromName(prefix == "twitter" ? "x" : prefix);
  static const std::map<std::string, std::string> kSecrets = {
      {"whatsapp", "test-meta-app-secret-0001"},
      {"messenger", "test-meta-app-secret-0001"},
      {"instagram", "test-meta-app-secret-0001"},
      {"telegram", "test_tg_secret_Token-001"},
      {"line", "00112233445566778899aabbccddeeff"},
      {"twilio", "feedfacefeedfacefeedfacefeedface"},
      {"viber", "1a2b3c4d5e6f7a8b-1a2b3c4d5e6f7a8b-testtesttesttest"},
      {"twitter", "test_x_consumer_secret_000000000000000000000000001"},
      {"webchat", "test-webchat-signing-secret"},
      {"email", "key-test-mailgun-signing-0000000001"}};
  s.secret = kSecrets.at(prefix);
  s.account_id = "bench-bot";
  if (prefix == "email") {
    s.provider = absl::StrContains(name, "mailgun") ? "mailgun" : "sendgrid";
    s.basic_auth = "u:p";
  }
  if (prefix == "twilio") {
    std::string url = omnigate::channels::testing::FixtureString(
        *omnigate::json::Find(*fixture.expected, "request"), "url");
    s.public_url = url.substr(0, url.find('?'));
  }
  return s;
}

enum class Stage { kSignature, kNormalize };

// Runs one stage of the adapter on the fixture's request in the loop.
void RunStage(benchmark::State& state, Stage stage, std::shared_ptr<ChannelFixture> fixture,
              ConnectorSettings settings) {
  constexpr int64_t kNowMs = 1770120000000;
  omnigate::FakeClock clock(kNowMs);
  auto adapter = omnigate::channels::CreateAdapter(settings, clock);
  if (!adapter.ok()) {
    state.SkipWithError(std::string(adapter.status().message()).c_str());
    return;
  }
  omnigate::channels::InboundRequest request;
  request.headers = &fixture->headers;
  request.body = fixture->body;
  request.received_at_ms = kNowMs;
  size_t events = 0;
  for (auto _ : state) {
    if (stage == Stage::kSignature) {
      benchmark::DoNotOptimize((*adapter)->Authenticate(request));
      continue;
    }
    omnigate::channels::NormalizeResult result;
    benchmark::DoNotOptimize((*adapter)->Normalize(request, &result));
    events += result.events.size();
  }
  if (stage == Stage::kNormalize) state.SetItemsProcessed(static_cast<int64_t>(events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fixture->body.size()));
}

}  // namespace

int main(int argc, char** argv) {
  // One representative accepted example per channel, plus the 1000-event batch.
  const std::vector<std::string> cases = {
      "whatsapp__text_basic",     "whatsapp__large_batch_1000_updates",
      "messenger__text",          "instagram__text",
      "telegram__document",       "line__text_user_emoji",
      "twilio__sms_text",         "viber__message_text",
      "twitter__dm_text",         "webchat__message_text",
      "email__sendgrid_raw_mode", "email__mailgun_forward_urlencoded"};
  for (const auto& name : cases) {
    auto fixture =
        std::make_shared<ChannelFixture>(omnigate::channels::testing::LoadChannelFixture(name));
    const ConnectorSettings settings = SettingsFor(name, *fixture);
    benchmark::RegisterBenchmark(("Normalize/" + name).c_str(), RunStage, Stage::kNormalize,
                                 fixture, settings)
        ->MinTime(0.5);
    benchmark::RegisterBenchmark(("Signature/" + name).c_str(), RunStage, Stage::kSignature,
                                 fixture, settings)
        ->MinTime(0.2);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
