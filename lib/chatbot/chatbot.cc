#include "lib/chatbot/chatbot.h"

#include "absl/strings/str_cat.h"
#include "lib/chatbot/clarify.h"
#include "lib/chatbot/language.h"
#include "lib/chatbot/reply.h"
#include "lib/chatbot/text.h"
#include "lib/queue/partitioner.h"

namespace omnigate::chatbot {
namespace {

constexpr absl::string_view kActor = "chatbot";

}  // namespace

std::string CustomerText(const omnigate::v1::Event& event) {
  switch (event.payload_case()) {
    case omnigate::v1::Event::kText:
      return event.text().body();
    case omnigate::v1::Event::kInteractive:
      return event.interactive().title();
    case omnigate::v1::Event::kPostback:
      return event.postback().title();
    default:
      return "";
  }
}

Chatbot::Chatbot(const Faq& faq, ChatbotOptions options, BotMemory* memory,
                 conversations::ConversationsClient* conversations, const Clock& clock)
    : Chatbot(nullptr, options, memory, conversations, clock) {
  owned_store_ =
      std::make_unique<FaqStore>(faq, MatchOptions{.threshold = options.match_threshold});
  store_ = owned_store_.get();
}

Chatbot::Chatbot(FaqStore* store, ChatbotOptions options, BotMemory* memory,
                 conversations::ConversationsClient* conversations, const Clock& clock)
    : store_(store),
      options_(options),
      memory_(memory),
      conversations_(conversations),
      clock_(clock),
      ids_(clock) {}

absl::StatusOr<EventResult> Chatbot::HandleLifecycle(const omnigate::v1::Event& event,
                                                     uint32_t partition) {
  EventResult result;
  result.partition = partition;
  const auto& change = event.conversation();
  const bool back_to_bot = change.kind() == omnigate::v1::ConversationEvent::KIND_RESOLVED ||
                           (change.kind() == omnigate::v1::ConversationEvent::KIND_MODE_CHANGED &&
                            change.mode() == "bot");
  if (!back_to_bot) return result;
  // A fresh start with the bot: the old unanswered run no longer counts.
  BotEffect effect;
  effect.partition = partition;
  effect.event_id = event.id();
  effect.conversation_key = event.conversation_key();
  auto applied = memory_->Apply(effect);
  if (!applied.ok()) return applied.status();
  if (!applied->has_value()) result.outcome = Outcome::kDuplicate;
  return result;
}

absl::StatusOr<EventResult> Chatbot::Handle(const omnigate::v1::Event& event) {
  EventResult result;
  // Garbage must never block the partition: acknowledge and move on.
  if (event.id().empty() || event.conversation_key().empty()) return result;
  const uint32_t partition = queue::PartitionOf(event.conversation_key(), options_.partitions);
  result.partition = partition;
  if (event.payload_case() == omnigate::v1::Event::kConversation)
    return HandleLifecycle(event, partition);
  if (event.sender().role() != omnigate::v1::ROLE_CUSTOMER || event.is_echo()) return result;
  const std::string text = CustomerText(event);
  const std::vector<std::string> tokens = Tokenize(text);
  if (tokens.empty()) return result;

  auto state = memory_->Read(partition, event.id(), event.conversation_key());
  if (!state.ok()) return state.status();
  if (state->seen) {
    result.outcome = Outcome::kDuplicate;
    return result;
  }

  // One snapshot per event: a reload in between cannot mix two FAQs.
  const std::shared_ptr<const LoadedFaq> loaded = store_->Current();
  const Faq& faq = loaded->faq;
  const TextMatch understood = loaded->matcher.MatchText(text, event.locale());
  Language language = understood.language;
  const FaqMatch& match = understood.match;
  std::string answer;
  std::vector<omnigate::v1::Option> options;
  const FaqEntry* picked = nullptr;
  if (AsksForHuman(tokens)) {
    result.outcome = Outcome::kHandoff;
    result.handoff = HandoffReason::kCustomerRequest;
  } else if (Language pick_language = language;
             (picked = PickedEntry(event, faq, &pick_language)) != nullptr) {
    // A choice the bot offered: answer it, in its language if need be.
    language = picked->in(pick_language) ? pick_language : language;
    if (!picked->in(language))
      language = language == Language::kEnglish ? Language::kIndonesian : Language::kEnglish;
    result.outcome = Outcome::kAnswered;
    result.faq_id = picked->id;
    answer = picked->in(language)->answer;
  } else if (match.entry != nullptr && match.alternative != nullptr) {
    // Two entries score close: asking beats a wrong answer.
    result.outcome = Outcome::kClarified;
    options = ClarifyOptions({match.entry, match.alternative}, language);
    for (const auto& o : options) result.offered.push_back(o.id().substr(kOptionIdPrefix.size()));
    const std::string& text_in_faq = faq.texts_in(language).clarify;
    answer = text_in_faq.empty() ? std::string(DefaultClarifyText(language)) : text_in_faq;
  } else if (match.entry != nullptr) {
    result.outcome = Outcome::kAnswered;
    result.faq_id = match.entry->id;
    answer = match.entry->in(language)->answer;
  } else if (state->unanswered + 1 >= options_.max_unanswered) {
    result.outcome = Outcome::kHandoff;
    result.handoff = HandoffReason::kUnanswered;
  } else {
    result.outcome = Outcome::kUnanswered;
    answer = faq.texts_in(language).fallback;
  }

  if (result.handoff) {
    // Before the script: if this fails nothing is recorded and the retried
    // Deliver asks again (SetMode is idempotent on the server).
    absl::Status s = conversations_->SetMode(event.conversation_key(), omnigate::v1::MODE_AGENT,
                                             HandoffReasonName(*result.handoff), kActor);
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "conversations SetMode: ", absl::StatusCodeToString(s.code()), ": ", s.message()));
    }
    answer = faq.texts_in(language).handoff;
  }

  BotEffect effect;
  effect.partition = partition;
  effect.event_id = event.id();
  effect.conversation_key = event.conversation_key();
  effect.count_unanswered = result.outcome == Outcome::kUnanswered;
  effect.reply =
      BuildReply(event, answer, language, result.faq_id, ids_, clock_, options).SerializeAsString();
  auto applied = memory_->Apply(effect);
  if (!applied.ok()) return applied.status();
  if (!applied->has_value()) {
    // Another delivery of the same event won the race; it replied.
    result.outcome = Outcome::kDuplicate;
    result.handoff.reset();
    result.faq_id.clear();
    result.offered.clear();
  }
  return result;
}

}  // namespace omnigate::chatbot
