#include "lib/channels/meta_messaging_adapter.h"

#include "lib/channels/meta_common.h"
#include "lib/channels/meta_messaging_item.h"
#include "lib/channels/signature.h"
#include "lib/common/status_macros.h"

namespace omnigate::channels {

absl::Status MetaMessagingAdapter::Authenticate(const InboundRequest& request) const {
  return VerifyMetaSignature(request, settings_.secret);
}

absl::StatusOr<HandshakeReply> MetaMessagingAdapter::Handshake(
    const InboundRequest& request) const {
  return MetaHandshake(request, settings_.verify_token);
}

absl::Status MetaMessagingAdapter::Normalize(const InboundRequest& request,
                                             NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const json::Value& root = **doc;
  const bool instagram = settings_.channel == omnigate::v1::CHANNEL_INSTAGRAM;
  std::string object;
  OG_RETURN_IF_ERROR(json::GetString(root, "object", &object));
  if (object != (instagram ? "instagram" : "page")) {
    // Authentic but for another product of the same app: never route by
    // URL alone.
    result->ignored_reason = "unexpected_object_type";
    return absl::OkStatus();
  }
  meta::ItemContext context;
  context.channel = settings_.channel;
  context.channel_name = instagram ? "instagram" : "messenger";
  context.connector = settings_.name;
  context.received_at_ms = ReceiptTimeMs(request, clock_);

  const json::Value* entries = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(root, "entry", &entries));
  for (const json::Value& entry : entries->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&entry, "entry[]"));
    for (const char* list : {"messaging", "standby"}) {
      const json::Value* items = nullptr;
      OG_RETURN_IF_ERROR(json::GetArray(entry, list, &items));
      if (items == nullptr) continue;
      context.standby = std::string(list) == "standby";
      for (const json::Value& item : items->GetArray()) {
        OG_RETURN_IF_ERROR(json::ExpectObject(&item, list));
        OG_RETURN_IF_ERROR(meta::NormalizeMessagingItem(item, context, &result->events));
      }
    }
    // Dashboard test sends wrap one messaging item per change.
    const json::Value* changes = nullptr;
    OG_RETURN_IF_ERROR(json::GetArray(entry, "changes", &changes));
    if (changes != nullptr) {
      context.standby = false;
      for (const json::Value& change : changes->GetArray()) {
        OG_RETURN_IF_ERROR(json::ExpectObject(&change, "changes[]"));
        const json::Value* value = nullptr;
        OG_RETURN_IF_ERROR(json::RequireObject(change, "value", &value));
        OG_RETURN_IF_ERROR(meta::NormalizeMessagingItem(*value, context, &result->events));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
