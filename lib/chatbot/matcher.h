#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/language.h"

namespace omnigate::chatbot {

// Below this score the bot does not answer (see docs/chatbot.md#matching).
inline constexpr double kDefaultMatchThreshold = 1.2;

struct FaqMatch {
  const FaqEntry* entry = nullptr;  // nullptr: nothing scored above the threshold
  double score = 0;
  // Set when the second-best entry scored close to `entry`: the bot should
  // ask which of the two the customer means instead of guessing.
  const FaqEntry* alternative = nullptr;
  double alternative_score = 0;
  // The best entry even below the threshold, for explanations (faq test).
  const FaqEntry* candidate = nullptr;
};

struct MatchOptions {
  double threshold = kDefaultMatchThreshold;
  // Second best >= ratio * best (both above the threshold): ambiguous.
  double clarify_ratio = 0.85;
  // Share of the question's topic words the FAQ must know; a question that
  // is mostly about something else ("can I order pizza here") is not ours.
  double min_coverage = 0.5;
};

// The result of reading a raw customer message.
struct TextMatch {
  Language language = Language::kEnglish;
  FaqMatch match;
};

// Finds the FAQ entry a question is about: informal writing is expanded
// (ExpandInformal), words are stemmed, shared synonyms mapped to one term,
// unknown words matched to FAQ words within TyposAllowed() edits, and entries
// ranked by BM25 over their keywords (counted twice), example questions and
// synonyms, plus a bonus for each multi-word keyword found whole.
// Deterministic: equal scores go to the entry listed first in the file.
// Immutable after construction, so one instance serves every thread. `faq`
// must outlive it.
class FaqMatcher {
 public:
  explicit FaqMatcher(const Faq& faq, double threshold = kDefaultMatchThreshold);
  FaqMatcher(const Faq& faq, MatchOptions options);

  // `tokens` as produced by Tokenize().
  FaqMatch Match(const std::vector<std::string>& tokens, Language language) const;

  // Detects the language (the locale hint wins, else the words after
  // informal expansion) and matches. Without a hint, a question the detected
  // language cannot answer is tried in the other one.
  TextMatch MatchText(absl::string_view text, absl::string_view locale_hint) const;

  // The terms the matcher sees in `text` ("~" marks a typo guess), for
  // explaining a match to whoever tunes the FAQ.
  std::vector<std::string> Explain(absl::string_view text, Language language) const;

 private:
  struct Doc {
    const FaqEntry* entry;
    absl::flat_hash_map<std::string, double> tf;
    double length = 0;
    std::vector<std::vector<std::string>> phrases;  // multi-term keywords
  };
  struct Index {
    absl::flat_hash_map<std::string, std::string> canonical;   // stem(s) -> synonym head
    absl::flat_hash_map<std::string, double> idf;              // the vocabulary
    std::vector<std::pair<std::string, std::string>> surface;  // FAQ word -> term, sorted
    std::vector<Doc> docs;
    double avg_length = 1;
  };
  struct Terms {
    std::vector<std::string> terms;
    std::vector<double> weights;  // per term: 1, or less for a typo guess
    int topic_words = 0;          // words that are neither stop words nor numbers
    double known_words = 0;       // of those, in the vocabulary (a typo counts half)
  };

  Terms Analyze(const Index& index, Language language, const std::vector<std::string>& tokens,
                bool fuzzy) const;
  std::string Correct(const Index& index, const std::string& word, const std::string& stem) const;

  Index index_[2];
  MatchOptions options_;
};

}  // namespace omnigate::chatbot
