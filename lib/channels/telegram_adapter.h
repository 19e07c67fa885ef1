#pragma once

#include "lib/channels/adapter.h"
#include "lib/common/clock.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {

// Telegram Bot API webhooks: one `Update` per request (message,
// edited_message, channel_post, edited_channel_post, business_message,
// callback_query, message_reaction, my_chat_member; any other kind is kept as
// unsupported). Authenticated by the secret token Telegram echoes in
// X-Telegram-Bot-Api-Secret-Token. Updates do not name the bot, so the
// connector's `account_id` (the bot id) keys conversations:
// "telegram:<bot id>:<chat id>".
class TelegramAdapter final : public ConnectorAdapter {
 public:
  using ConnectorAdapter::ConnectorAdapter;

  omnigate::v1::Channel channel() const override { return omnigate::v1::CHANNEL_TELEGRAM; }
  absl::Status Authenticate(const InboundRequest& request) const override;
  absl::Status Normalize(const InboundRequest& request, NormalizeResult* result) const override;
};

}  // namespace omnigate::channels
