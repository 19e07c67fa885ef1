#include "lib/channels/event_fields.h"

#include "absl/strings/match.h"

namespace omnigate::channels {

using omnigate::v1::MediaItem;

void SetSentAt(int64_t payload_ms, int64_t received_at_ms, omnigate::v1::Event* event) {
  if (payload_ms > 0) {
    event->set_sent_at_ms(payload_ms);
    event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
  } else {
    event->set_sent_at_ms(received_at_ms);
    event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  }
}

MediaItem::Kind MediaKindOfMime(absl::string_view mime) {
  if (absl::StartsWith(mime, "image/")) return MediaItem::KIND_IMAGE;
  if (absl::StartsWith(mime, "audio/")) return MediaItem::KIND_AUDIO;
  if (absl::StartsWith(mime, "video/")) return MediaItem::KIND_VIDEO;
  return MediaItem::KIND_DOCUMENT;
}

}  // namespace omnigate::channels
