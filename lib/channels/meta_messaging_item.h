#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/json/strict_json.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::channels::meta {

// What the events of one messaging item share.
struct ItemContext {
  omnigate::v1::Channel channel = omnigate::v1::CHANNEL_UNSPECIFIED;
  std::string channel_name;  // "messenger" / "instagram": key prefix
  std::string connector;
  bool standby = false;
  int64_t received_at_ms = 0;
};

// Appends the canonical events of one Messenger Platform messaging item
// ({sender, recipient, timestamp, message|postback|reaction|read|...}).
absl::Status NormalizeMessagingItem(const json::Value& item, const ItemContext& context,
                                    std::vector<omnigate::v1::Event>* events);

}  // namespace omnigate::channels::meta
