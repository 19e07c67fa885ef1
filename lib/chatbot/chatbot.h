#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/chatbot/chatbot_metrics.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/faq_store.h"
#include "lib/chatbot/handoff.h"
#include "lib/chatbot/matcher.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/conversations/conversations_client.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::chatbot {

struct ChatbotOptions {
  // Partitions of the queue (config ingest.partitions): the bot's keys and
  // its outbound stream share the conversation's partition.
  uint32_t partitions = 16;
  // Unanswered questions in a row; the one that reaches it hands off.
  int max_unanswered = 2;
  // Used when the bot is built from a Faq (a FaqStore brings its own).
  double match_threshold = kDefaultMatchThreshold;
};

// What the bot did with one event.
struct EventResult {
  Outcome outcome = Outcome::kIgnored;
  std::optional<HandoffReason> handoff;
  uint32_t partition = 0;
  std::string faq_id;  // answered only
  // clarified only: the entries offered, best first.
  std::vector<std::string> offered;
};

// The FAQ bot: decides how to answer one event and applies the effects
// exactly once per event id. Thread-safe; dependencies must outlive it.
class Chatbot {
 public:
  Chatbot(const Faq& faq, ChatbotOptions options, BotMemory* memory,
          conversations::ConversationsClient* conversations, const Clock& clock);
  // Answers from whatever FAQ `store` holds at each event (hot reload).
  Chatbot(FaqStore* store, ChatbotOptions options, BotMemory* memory,
          conversations::ConversationsClient* conversations, const Clock& clock);

  // OK with what was done (ignored events included). UNAVAILABLE when Redis
  // or the Conversations service failed: nothing was applied for this event
  // and handling it again is safe.
  absl::StatusOr<EventResult> Handle(const omnigate::v1::Event& event);

 private:
  absl::StatusOr<EventResult> HandleLifecycle(const omnigate::v1::Event& event, uint32_t partition);

  std::unique_ptr<FaqStore> owned_store_;  // set by the Faq constructor
  FaqStore* store_;
  const ChatbotOptions options_;
  BotMemory* memory_;
  conversations::ConversationsClient* conversations_;
  const Clock& clock_;
  UuidV7Generator ids_;
};

// The text the bot should read: a text body, or the title of a picked
// button / postback. Empty when the event has nothing to answer.
std::string CustomerText(const omnigate::v1::Event& event);

}  // namespace omnigate::chatbot
