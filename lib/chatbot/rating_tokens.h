#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// First step of reading a CSAT answer: the message cut into words, numbers
// and the symbols customers rate with (stars, faces), so "5⭐", "⭐⭐⭐⭐"
// and "puas😊" become separate pieces the parser can weigh.
namespace omnigate::chatbot {

enum class RatingTokenKind {
  kWord,        // a normalized word (Tokenize + ExpandInformal)
  kNumber,      // ASCII digits; `value` holds it (numbers of 4+ digits: 9999)
  kSlash,       // "/" as in "4/5"
  kStar,        // ⭐ ★ 🌟: one filled star
  kEmptyStar,   // ☆ as in "★★★☆☆"
  kFace,        // a face or hand with a score in `value` (table in rating_tokens.cc)
  kDecoration,  // 🙏 🎉 👏 ✨ ❗ ...: adds nothing and takes nothing away
};

struct RatingToken {
  RatingTokenKind kind = RatingTokenKind::kWord;
  std::string word;  // kWord only
  int value = 0;     // kNumber, kFace
};

// Cuts `text` into tokens. nullopt when the text cannot be a score at all:
// invalid UTF-8, a signed number ("-1", "+62 812...") or a decimal ("4.5",
// "4,5"). Emoji variation selectors, skin tones, ZWJ and keycap marks are
// dropped ("5️⃣" is 5, "⭐️" is ⭐). Symbols not in the table stay inside words,
// where the parser will not know them.
std::optional<std::vector<RatingToken>> SplitRatingTokens(absl::string_view text);

}  // namespace omnigate::chatbot
