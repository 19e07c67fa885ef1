#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/chatbot/language.h"

namespace omnigate::chatbot {

// One FAQ entry in one language.
struct FaqAnswer {
  // Words or short phrases that point at the entry ("opening hours").
  std::vector<std::string> keywords;
  // Example questions customers ask.
  std::vector<std::string> questions;
  // Other words or phrases customers use for this topic only; they count
  // like the words of an example question.
  std::vector<std::string> synonyms;
  // Short label of the entry when the bot offers it as a choice (a button);
  // empty: the first keyword or example question.
  std::string title;
  std::string answer;
};

struct FaqEntry {
  // Stable name, reported in reply attributes ("faq_id") and logs.
  std::string id;
  // Indexed by Language; an entry may exist in one language only.
  std::array<std::optional<FaqAnswer>, 2> answers;

  const std::optional<FaqAnswer>& in(Language language) const {
    return answers[static_cast<int>(language)];
  }
};

// Fixed texts of one language.
struct FaqTexts {
  // Sent when no entry matches ("I didn't understand ...").
  std::string fallback;
  // Sent when the conversation goes to a human.
  std::string handoff;
  // Asked with two entries offered as options; empty: DefaultClarifyText().
  std::string clarify;
};

// The bot's knowledge: immutable after loading, shared by every thread.
struct Faq {
  std::vector<FaqEntry> entries;
  std::array<FaqTexts, 2> texts;
  // Groups of words or phrases that mean the same for every entry and both
  // languages ("package", "order", "paket", "pesanan").
  std::vector<std::vector<std::string>> synonyms;

  const FaqTexts& texts_in(Language language) const { return texts[static_cast<int>(language)]; }
};

// Parses the YAML form (see deploy/local/faq.yaml):
//
//   texts:
//     en: {fallback: "...", handoff: "...", clarify: "..."}  # clarify optional
//     id: {fallback: "...", handoff: "..."}
//   entries:
//     - id: opening_hours
//       languages:   # at least one of en / id
//         en: {keywords: [...], questions: [...], answer: "..."}
//         id: {keywords: [...], questions: [...], synonyms: [...],
//              title: "...", answer: "..."}
//   synonyms:    # optional, shared by all entries
//     - [package, order, paket, pesanan]
//
// Errors are INVALID_ARGUMENT and start with `source` (the file path) and the
// path inside the document ("faq.yaml: entries[2].languages.en.answer: missing").
// Unknown keys are errors too.
absl::StatusOr<Faq> ParseFaq(absl::string_view yaml, absl::string_view source);

// Reads and parses a file. NOT_FOUND naming the path when it cannot be read.
absl::StatusOr<Faq> LoadFaqFile(const std::string& path);

}  // namespace omnigate::chatbot
