// One libFuzzer target per channel adapter (OMNIGATE_FUZZ_TARGET names it).
// Feeds arbitrary bytes as body, query and signature to Authenticate,
// Normalize and Handshake; they must never crash, and whatever Normalize
// accepts must be queueable: keyed, in a conversation, valid UTF-8.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "lib/channels/adapter.h"
#include "lib/channels/email_attachments.h"
#include "lib/channels/encoded_words.h"
#include "lib/channels/mailbox.h"
#include "lib/channels/twilio_reply.h"
#include "lib/channels/x_url_entities.h"
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
  headers.Add("X-Twilio-Signature", body.substr(0, 28));

  omnigate::channels::InboundRequest request;
  request.headers = &headers;
  request.body = body;
  request.query = body.substr(0, 256);
  request.received_at_ms = 1770120000000;
  (void)adapter->Authenticate(request);
  (void)adapter->Handshake(request);
  (void)omnigate::channels::TwilioSuccessReply(headers, body);
  // The header, address, attachment and link parsers adapters share, fed
  // directly too (the adapters reach them only behind a valid envelope).
  Check(omnigate::IsValidUtf8(omnigate::channels::mime::DecodeEncodedWords(body)),
        "decoded header is utf-8");
  for (const auto& mailbox : omnigate::channels::mime::ParseMailboxList(body)) {
    Check(omnigate::IsValidUtf8(mailbox.display_name), "display name is utf-8");
  }
  std::vector<omnigate::channels::email::Attachment> attachments;
  (void)omnigate::channels::email::FromMime(body, &attachments);
  Check(attachments.size() <= omnigate::channels::email::kMaxAttachments, "attachments bounded");
  if (omnigate::IsValidUtf8(body) && size >= 2) {
    const size_t a = data[0] % (size + 1), b = data[1] % (size + 8);
    const std::string expanded = omnigate::channels::x::ExpandUrls(
        body, {{a, b, std::string(body.substr(a % size, 4)), "https://e.example/\xF0\x9F\x98\x80"},
               {b, a, "https://t.co/x", "y"}});
    Check(omnigate::IsValidUtf8(expanded), "expanded text is utf-8");
  }
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
