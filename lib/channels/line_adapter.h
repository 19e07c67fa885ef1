#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// LINE Messaging API webhooks: `events[]` of message (text, image, video,
// audio, file, location, sticker), follow, unfollow, join, leave,
// memberJoined, memberLeft, postback and unsend; other types kept as
// unsupported. X-Line-Signature is base64 HMAC-SHA256 of the body with the
// channel secret. Each event is deduped by its webhookEventId, so LINE's
// redeliveries (deliveryContext.isRedelivery) are stored once. An empty
// `events` array is LINE's "Verify" call and answers 200 with nothing queued.
class LineAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_LINE; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
};

}  // namespace omnigate::channels
