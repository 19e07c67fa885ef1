#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels {

// Event fields several adapters set the same way.

// Sets sent_at_ms from the payload's time, or from the receipt time (and says
// so in timestamp_source) when the payload gave none (`payload_ms` <= 0).
void SetSentAt(int64_t payload_ms, int64_t received_at_ms, omnigate::v1::Event* event);

// The media kind of a MIME type; documents for anything not image, audio or
// video.
omnigate::v1::MediaItem::Kind MediaKindOfMime(absl::string_view mime);

}  // namespace omnigate::channels
