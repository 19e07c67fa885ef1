#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/channels/attachment_store.h"
#include "lib/channels/channel_errors.h"
#include "lib/channels/replay_guard.h"
#include "lib/common/clock.h"
#include "lib/common/headers.h"
#include "lib/connectors/connector.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels {

// A webhook request as the channel sent it. Views stay valid for the call.
struct InboundRequest {
  absl::string_view method = "POST";
  // Raw query string without '?'.
  absl::string_view query;
  const Headers* headers = nullptr;
  // Raw body bytes exactly as received: signatures cover them.
  absl::string_view body;
  // When omnigate received it; used where the channel sends no timestamp.
  int64_t received_at_ms = 0;
};

// The answer to a GET handshake (Meta hub.challenge, X CRC).
struct HandshakeReply {
  int http_status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

struct NormalizeResult {
  // Events in payload order. The adapter fills the channel fields: channel,
  // connector, account_id, external_id, conversation_key, sender, recipient,
  // sent_at_ms, timestamp_source, reply_to_external_id, idempotency_key,
  // is_echo, attributes and the payload. The pipeline assigns id,
  // received_at_ms, raw and trace.
  std::vector<omnigate::v1::Event> events;
  // Set when the request is authentic but carries nothing to queue on
  // purpose (e.g. "unexpected_object_type" for a misrouted subscription): it
  // is acknowledged with 200, counted, and kept in quarantine for inspection.
  std::string ignored_reason;
  // Errors the channel reported that belong to no event (WhatsApp
  // value-level `errors`): the adapter has logged them and told the
  // ChannelErrorObserver; they are never queued.
  std::vector<ChannelError> channel_errors;
};

// Turns one channel's webhook dialect into canonical events.
// Implementations are immutable after construction and thread-safe; they
// never throw and never crash on any input.
class ChannelAdapter {
 public:
  virtual ~ChannelAdapter() = default;

  virtual omnigate::v1::Channel channel() const = 0;

  // Checks the request is from the channel (signature, token, basic auth).
  // UNAUTHENTICATED with a reason ("signature_missing", "signature_mismatch",
  // "signature_stale_timestamp", ...) when it is not.
  virtual absl::Status Authenticate(const InboundRequest& request) const = 0;

  // Normalizes an authenticated request. INVALID_ARGUMENT with a reason (see
  // lib/json/strict_json.h) when malformed; then nothing may be queued.
  virtual absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const = 0;

  // Answers a GET on the webhook URL (subscription handshakes). The default
  // answers NOT_FOUND: the channel has no handshake.
  virtual absl::StatusOr<HandshakeReply> Handshake(const InboundRequest& request) const;

  // The request passed Authenticate but was not stored (Redis failed; the
  // channel was told to retry): forget what Authenticate remembered of it (a
  // one-time signing token), so the channel's retry is let in. Best effort.
  virtual void ForgetAuthentication(const InboundRequest& request) const { (void)request; }
};

// What every adapter is built from: one connector's settings and the clock
// that replay windows and receipt times are measured with.
class ConnectorAdapter : public ChannelAdapter {
 public:
  // `clock` must outlive the adapter.
  ConnectorAdapter(connectors::ConnectorSettings settings, const Clock& clock)
      : settings_(std::move(settings)), clock_(clock) {}

 protected:
  const connectors::ConnectorSettings settings_;
  const Clock& clock_;
};

// What adapters may share beyond their connector's settings; all optional.
struct AdapterServices {
  // Mailgun signing tokens are claimed here ("omnigate:mgtoken:<token>" for
  // the rest of the timestamp window): a repeat is refused. Without it only
  // the timestamp window guards against replays.
  ReplayGuard* replay_guard = nullptr;
  // E-mail attachments are kept here (bytes by reference, with the
  // connector's attachment_ttl_seconds). Without it they are kept as
  // metadata only, with reason "no_attachment_store".
  AttachmentStore* attachment_store = nullptr;
};

// Builds the adapter for `settings.channel`. INVALID_ARGUMENT naming the
// connector when the channel is not supported or a required setting (such as
// the secret) is missing. `clock` (and what `services` points to) must
// outlive the adapter.
absl::StatusOr<std::unique_ptr<ChannelAdapter>> CreateAdapter(
    const connectors::ConnectorSettings& settings, const Clock& clock,
    const AdapterServices& services);
absl::StatusOr<std::unique_ptr<ChannelAdapter>> CreateAdapter(
    const connectors::ConnectorSettings& settings, const Clock& clock);

}  // namespace omnigate::channels
