// One libFuzzer target per channel adapter (OMNIGATE_FUZZ_TARGET names it).
// Feeds arbitrary bytes as body, query and signature to Authenticate,
// Normalize and Handshake; they must never crash, and whatever Normalize
// accepts must be queueable: keyed, in a conversation, valid UTF-8.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/common/encoding.h"
#include "lib/connectors/connector.h"

#ifndef OMNIGATE_FUZZ_TARGET
#error "define OMNIGATE_FUZZ_TARGET"
#endif

namespace {

using omnigate::connectors::ConnectorSettings;

ConnectorSettings Settings() {
  const std::string target = OMNIGATE_FUZZ_TARGET;
  ConnectorSettings settings;
  settings.name = "fuzz";
  const std::string channel = target.substr(0, target.find('_'));
  settings.channel = omnigate::connectors::ChannelFromName(channel);
  settings.secret = "fuzz-secret";
  settings.verify_token = "fuzz-token";
  settings.account_id = "fuzz-bot";
  settings.public_url = "https://fuzz.example.com/webhooks/fuzz";
  if (channel == "email") {
    settings.provider = target.substr(target.find('_') + 1);
    settings.basic_auth = "u:p";
  }
  return settings;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static omnigate::FakeClock clock(1770120000000);
  static std::unique_ptr<omnigate::channels::ChannelAdapter> adapter = [] {
    auto created = omnigate::channels::CreateAdapter(Settings(), clock);
    Check(created.ok(), "adapter settings");
    return std::move(*created);
  }();
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  omnigate::Headers headers;
  // Multipart bodies name their boundary on the first line.
  if (absl::StartsWith(body, "--")) {
    const size_t eol = body.find_first_of("\r\n");
    const absl::string_view boundary = body.substr(2, eol == absl::string_view::npos ? 0 : eol - 2);
    headers.Add("Content-Type",
                std::string("multipart/form-data; boundary=") + std::string(boundary));
  }
  headers.Add("X-Hub-Signature-256", body.substr(0, 71));
  headers.Add("X-Webchat-Signature", body.substr(0, 90));

  omnigate::channels::InboundRequest request;
  request.headers = &headers;
  request.body = body;
  request.query = body.substr(0, 256);
  request.received_at_ms = 1770120000000;
  (void)adapter->Authenticate(request);
  (void)adapter->Handshake(request);
  omnigate::channels::NormalizeResult result;
  if (adapter->Normalize(request, &result).ok()) {
    for (const auto& event : result.events) {
      Check(!event.idempotency_key().empty(), "idempotency key");
      Check(!event.conversation_key().empty(), "conversation key");
      Check(omnigate::IsValidUtf8(event.text().body()), "utf-8 text");
      Check(omnigate::IsValidUtf8(event.media().caption()), "utf-8 caption");
      std::string wire;
      Check(event.SerializeToString(&wire), "serializable");
    }
  }
  return 0;
}
