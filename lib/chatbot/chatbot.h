#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/chatbot/chatbot_metrics.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/faq_store.h"
#include "lib/chatbot/handoff.h"
#include "lib/chatbot/matcher.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/conversations/conversations_client.h"
#include "lib/cx/cx_metrics.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::chatbot {

// The CSAT survey the bot sends after a resolve (config cx.csat).
struct CsatOptions {
  bool enabled = false;
  // How long the customer's next message may be read as a rating.
  absl::Duration window = absl::Hours(24);
  // The question waits this long after the resolve (the sender holds it).
  absl::Duration delay = absl::ZeroDuration();
  // The operator's question per language; empty: the built-in one.
  std::string text_en;
  std::string text_id;
  std::vector<std::string> off_connectors;

  bool On(absl::string_view connector) const;
};

// Credits a customer's rating to the agent who resolved the conversation,
// once per `rating_id` (safe to repeat).
using RatingCredit = std::function<absl::Status(const std::string& agent_id,
                                                const std::string& rating_id, int score)>;

struct ChatbotOptions {
  // Partitions of the queue (config ingest.partitions): the bot's keys and
  // its outbound stream share the conversation's partition.
  uint32_t partitions = 16;
  // Unanswered questions in a row; the one that reaches it hands off.
  int max_unanswered = 2;
  // Used when the bot is built from a Faq (a FaqStore brings its own).
  double match_threshold = kDefaultMatchThreshold;
  CsatOptions csat;
  RatingCredit credit_rating;  // optional: ratings are then only counted
  // CSAT ratings, surveys and reopens; optional.
  cx::CxMetrics* cx_metrics = nullptr;
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
  // The customer's answer to the CSAT question was a rating.
  absl::StatusOr<EventResult> HandleRating(const omnigate::v1::Event& event, uint32_t partition,
                                           const BotState& state, int score);
  // The CSAT question for a conversation just resolved; nullopt when none
  // is due (off for the connector, no customer on record, reopened since).
  std::optional<omnigate::v1::Event> Survey(const omnigate::v1::Event& resolved,
                                            const ConversationView& conversation);

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
