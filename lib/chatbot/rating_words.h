#pragma once

#include <optional>

#include "absl/strings/string_view.h"

// The vocabulary of CSAT answers in English and Indonesian: which words carry
// a score, which change it ("very", "tidak", "banget") and which may stand
// around a score without making the message something else ("rating",
// "kak", "thanks"). A word outside all of these means the message is not a
// rating.
namespace omnigate::chatbot {

enum class WordRole {
  kUnknown,
  kFiller,               // "nilai", "rating", "the", "kak", "thanks", "terima", "kasih"
  kNegator,              // "not", "tidak" (ExpandInformal turns gak/ga/nggak into it)
  kSoftNegator,          // "kurang": less
  kIntensifier,          // before the word: "very", "so", "sangat", "terlalu"
  kTrailingIntensifier,  // after the word: "sekali", "banget", "bgt"
  kSentiment,            // a word with a score
  kNumber,               // "one".."five", "satu".."lima"
};

struct RatingWord {
  WordRole role = WordRole::kUnknown;
  // kSentiment, kNumber: the score 1..5.
  int score = 0;
  // kSentiment: a weak word ("ok", "cukup", "fine") counts only when no
  // other word in the message has a score ("ok, good" is 4).
  bool weak = false;
  // kSentiment: the score after "not"/"tidak" when it differs from the
  // general rule (see rating_parser.cc): "tidak puas" is 1, the bottom of the
  // Indonesian CSAT scale, where "not good" is 2.
  int score_when_negated = 0;
};

RatingWord LookUpRatingWord(absl::string_view word);

// Two words that mean one thing together ("luar biasa": outstanding, "so
// so"); nullopt when the pair is not such a phrase.
std::optional<RatingWord> LookUpRatingPhrase(absl::string_view first, absl::string_view second);

}  // namespace omnigate::chatbot
