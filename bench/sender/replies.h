#pragma once

#include <string>

#include "lib/outbound/outbound_message.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::bench {

// The connector both halves of the sender benchmark send through: Telegram,
// whose send is one JSON POST per reply.
inline constexpr char kConnector[] = "tg-bench";
inline constexpr char kToken[] = "123456:BENCH-token";

// Reply `i` of a run spread over `conversations` chats (reply i goes to chat
// i % conversations, so each chat's replies are in order), shaped like the
// chatbot's: a bot answer quoting the customer's message.
omnigate::v1::Event BenchReply(int i, int conversations);

// What the sender's Telegram connector passes its ChannelSender.
outbound::SenderSettings BenchSettings(const std::string& api_base_url);

}  // namespace omnigate::bench
