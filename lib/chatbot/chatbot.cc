#include "lib/chatbot/chatbot.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/chatbot/clarify.h"
#include "lib/chatbot/csat_survey.h"
#include "lib/chatbot/language.h"
#include "lib/chatbot/rating_parser.h"
#include "lib/chatbot/reply.h"
#include "lib/chatbot/resolution_confirm.h"
#include "lib/chatbot/text.h"
#include "lib/connectors/connector.h"
#include "lib/queue/partitioner.h"

namespace omnigate::chatbot {
namespace {

constexpr absl::string_view kActor = "chatbot";
// Set by the dispatcher's routing rules on the events it delivers.
constexpr absl::string_view kPriorityAttribute = "omnigate.priority";
// The sender holds a reply carrying this attribute (UTC ms) until then.
constexpr absl::string_view kNotBeforeAttribute = "omnigate.not_before_ms";

absl::string_view ThanksForRating(Language language) {
  return language == Language::kIndonesian ? "Terima kasih atas penilaian Anda!"
                                           : "Thank you for your rating!";
}

absl::string_view GladToHelp(Language language) {
  return language == Language::kIndonesian ? "Senang bisa membantu! Hubungi kami lagi kapan saja."
                                           : "Glad I could help! Write to us any time.";
}

Language LanguageOf(absl::string_view code) {
  return code.substr(0, 2) == "id" ? Language::kIndonesian : Language::kEnglish;
}

// The score of a customer's answer to the CSAT question: a tapped option,
// or a message that is only a rating.
std::optional<int> RatingOf(const omnigate::v1::Event& event, absl::string_view text) {
  if (event.payload_case() == omnigate::v1::Event::kInteractive) {
    if (auto score = RatingFromOptionId(event.interactive().id())) return score;
  }
  if (event.payload_case() == omnigate::v1::Event::kPostback) {
    if (auto score = RatingFromOptionId(event.postback().payload())) return score;
  }
  if (event.payload_case() == omnigate::v1::Event::kRating) {
    const auto& r = event.rating();
    if (r.scale() == 5 && r.score() >= 1 && r.score() <= 5) return r.score();
  }
  return ParseCsatRating(text);
}

}  // namespace

bool CsatOptions::On(absl::string_view connector) const {
  if (!enabled || connector.empty()) return false;
  for (const std::string& off : off_connectors) {
    if (off == connector) return false;
  }
  return true;
}

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
  const bool resolved = change.kind() == omnigate::v1::ConversationEvent::KIND_RESOLVED;
  const bool back_to_bot =
      resolved || (change.kind() == omnigate::v1::ConversationEvent::KIND_MODE_CHANGED &&
                   change.mode() == "bot");
  if (!back_to_bot) return result;
  // A fresh start with the bot: the old unanswered run no longer counts.
  BotEffect effect;
  effect.partition = partition;
  effect.event_id = event.id();
  effect.conversation_key = event.conversation_key();
  effect.now_ms = clock_.NowMs();
  std::optional<omnigate::v1::Event> survey;
  if (resolved) {
    effect.idle = IdleMark::kForget;
    auto state = memory_->Read(partition, event.id(), event.conversation_key());
    if (!state.ok()) return state.status();
    if (state->seen) {
      result.outcome = Outcome::kDuplicate;
      return result;
    }
    survey = Survey(event, state->conversation);
    if (survey.has_value()) {
      effect.reply = survey->SerializeAsString();
      effect.csat_until_ms =
          effect.now_ms + absl::ToInt64Milliseconds(options_.csat.window + options_.csat.delay);
    }
  }
  auto applied = memory_->Apply(effect);
  if (!applied.ok()) return applied.status();
  if (!applied->has_value()) {
    result.outcome = Outcome::kDuplicate;
  } else if (survey.has_value()) {
    result.outcome = Outcome::kSurveyed;
    if (options_.cx_metrics != nullptr) options_.cx_metrics->SurveySent(survey->channel());
  }
  return result;
}

std::optional<omnigate::v1::Event> Chatbot::Survey(const omnigate::v1::Event& resolved,
                                                   const ConversationView& c) {
  // Reopened since (resolved_ms cleared) or already asked: nothing is due.
  if (!options_.csat.On(c.connector) || c.customer_id.empty() || c.resolved_ms == 0 ||
      c.csat_until_ms > 0) {
    return std::nullopt;
  }
  const Language language = LanguageOf(c.language);
  const CsatQuestion question = BuildCsatQuestion(
      LanguageCode(language),
      language == Language::kIndonesian ? options_.csat.text_id : options_.csat.text_en);
  omnigate::v1::Event reply;
  reply.set_id(ids_.Next());
  // "<channel>:<account>:<thread>": the channel and account the customer
  // wrote to (a lifecycle event is omnigate's own, not the channel's).
  const std::vector<absl::string_view> parts =
      absl::StrSplit(resolved.conversation_key(), absl::MaxSplits(':', 2));
  reply.set_channel(connectors::ChannelFromName(parts[0]));
  if (parts.size() == 3) reply.set_account_id(std::string(parts[1]));
  reply.set_connector(c.connector);
  reply.set_conversation_key(resolved.conversation_key());
  reply.mutable_sender()->set_id(std::string(kBotSenderId));
  reply.mutable_sender()->set_role(omnigate::v1::ROLE_BOT);
  reply.mutable_recipient()->set_id(c.customer_id);
  reply.mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  reply.set_locale(std::string(LanguageCode(language)));
  const int64_t now = clock_.NowMs();
  reply.set_sent_at_ms(now);
  reply.set_received_at_ms(now);
  reply.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  (*reply.mutable_attributes())["csat"] = "question";
  if (options_.csat.delay > absl::ZeroDuration()) {
    (*reply.mutable_attributes())[std::string(kNotBeforeAttribute)] =
        absl::StrCat(now + absl::ToInt64Milliseconds(options_.csat.delay));
  }
  reply.mutable_text()->set_body(question.text);
  for (const auto& o : question.options) *reply.mutable_text()->add_options() = o;
  return reply;
}

absl::StatusOr<EventResult> Chatbot::HandleRating(const omnigate::v1::Event& event,
                                                  uint32_t partition, const BotState& state,
                                                  int score) {
  EventResult result;
  result.partition = partition;
  const ConversationView& c = state.conversation;
  // Before the script, and idempotent by the message id: a failure here
  // leaves nothing applied and the retried Deliver credits once.
  if (!c.resolved_agent.empty() && options_.credit_rating) {
    if (absl::Status s = options_.credit_rating(c.resolved_agent, event.id(), score); !s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("crediting the rating to agent ", c.resolved_agent, ": ", s.message()));
    }
  }
  omnigate::v1::Event rating = event;
  rating.set_id(ids_.Next());
  rating.set_idempotency_key(absl::StrCat("rating:", event.id()));
  omnigate::v1::Rating* r = rating.mutable_rating();
  r->set_score(score);
  r->set_scale(5);
  r->set_comment(CustomerText(event));
  (*rating.mutable_attributes())["rated_agent"] = c.resolved_agent;

  const Language language = LanguageOf(c.language);
  BotEffect effect;
  effect.partition = partition;
  effect.event_id = event.id();
  effect.conversation_key = event.conversation_key();
  effect.now_ms = clock_.NowMs();
  effect.rating = score;
  effect.rating_event = rating.SerializeAsString();
  effect.reply =
      BuildReply(event, ThanksForRating(language), language, "", ids_, clock_).SerializeAsString();
  auto applied = memory_->Apply(effect);
  if (!applied.ok()) return applied.status();
  if (!applied->has_value()) {
    result.outcome = Outcome::kDuplicate;
    return result;
  }
  result.outcome = Outcome::kRated;
  if (options_.cx_metrics != nullptr) options_.cx_metrics->Rating(event.channel(), score);
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
  const bool may_rate =
      event.payload_case() == omnigate::v1::Event::kRating || RatingOf(event, text).has_value();
  if (tokens.empty() && !may_rate) return result;

  auto state = memory_->Read(partition, event.id(), event.conversation_key());
  if (!state.ok()) return state.status();
  if (state->seen) {
    result.outcome = Outcome::kDuplicate;
    return result;
  }
  // The CSAT question is open (ingest kept the cycle for us to decide): a
  // rating answers it; anything else is a new request that reopens.
  const bool asked = state->conversation.csat_until_ms > 0;
  if (asked) {
    if (std::optional<int> score = RatingOf(event, text))
      return HandleRating(event, partition, *state, *score);
  }
  if (tokens.empty()) return result;

  // One snapshot per event: a reload in between cannot mix two FAQs.
  const std::shared_ptr<const LoadedFaq> loaded = store_->Current();
  const Faq& faq = loaded->faq;
  const TextMatch understood = loaded->matcher.MatchText(text, event.locale());
  Language language = understood.language;
  const FaqMatch& match = understood.match;
  std::string answer;
  std::vector<omnigate::v1::Option> options;
  const FaqEntry* picked = nullptr;
  const bool bot_mode = state->conversation.mode.empty() || state->conversation.mode == "bot";
  if (AsksForHuman(tokens)) {
    result.outcome = Outcome::kHandoff;
    result.handoff = HandoffReason::kCustomerRequest;
  } else if (bot_mode && !asked && ConfirmsResolved(text)) {
    result.outcome = Outcome::kResolved;
    answer = std::string(GladToHelp(language));
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
    // Deliver asks again (SetMode is idempotent on the server). The
    // conversation's language goes with it: the agent router routes by it.
    absl::Status s =
        conversations_->SetMode(event.conversation_key(), omnigate::v1::MODE_AGENT,
                                HandoffReasonName(*result.handoff), kActor, LanguageCode(language));
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "conversations SetMode: ", absl::StatusCodeToString(s.code()), ": ", s.message()));
    }
    answer = faq.texts_in(language).handoff;
  } else if (result.outcome == Outcome::kResolved) {
    // Same: resolving twice records nothing new.
    absl::Status s = conversations_->Resolve(event.conversation_key(), "",
                                             "bot: the customer confirmed it is solved");
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "conversations Resolve: ", absl::StatusCodeToString(s.code()), ": ", s.message()));
    }
  }

  BotEffect effect;
  effect.partition = partition;
  effect.event_id = event.id();
  effect.conversation_key = event.conversation_key();
  effect.now_ms = clock_.NowMs();
  effect.count_unanswered = result.outcome == Outcome::kUnanswered;
  effect.language = std::string(LanguageCode(language));
  if (auto it = event.attributes().find(std::string(kPriorityAttribute));
      it != event.attributes().end()) {
    effect.priority = it->second;
  }
  // Only an answer can be left alone "resolved"; anything else needs more.
  effect.idle = result.outcome == Outcome::kAnswered ? IdleMark::kTrack : IdleMark::kForget;
  if (asked) effect.reopen_at_ms = event.sent_at_ms() > 0 ? event.sent_at_ms() : effect.now_ms;
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
  } else if ((*applied)->reopened && options_.cx_metrics != nullptr) {
    options_.cx_metrics->Reopened(event.channel());
  }
  return result;
}

}  // namespace omnigate::chatbot
