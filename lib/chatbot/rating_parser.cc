#include "lib/chatbot/rating_parser.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/chatbot/politeness.h"
#include "lib/chatbot/rating_tokens.h"
#include "lib/chatbot/rating_words.h"

namespace omnigate::chatbot {
namespace {

// A rating is short; longer messages are something else that mentions a
// score. Bytes are capped before any work is done.
constexpr size_t kMaxRatingBytes = 200;
constexpr size_t kMaxRatingTokens = 12;
constexpr absl::string_view kOptionIdPrefix = "csat:";

int Intensify(int score) { return score >= 4 ? 5 : score <= 2 ? 1 : score; }

// Everything the message says about a score, before deciding.
struct Evidence {
  std::vector<int> numbers;
  int stars = 0;
  int empty_stars = 0;
  std::vector<int> faces;
  std::vector<int> words;       // strong words, after their modifiers
  std::vector<int> weak_words;  // "ok", "cukup": used only alone
  bool thanked = false;
};

// Modifiers seen since the last word that carries a score.
struct Modifiers {
  WordRole negation = WordRole::kUnknown;    // kNegator, kSoftNegator or none
  bool intensified = false;                  // "very good", "sangat puas"
  bool intensified_before_negation = false;  // "sangat tidak puas"

  bool negated() const { return negation != WordRole::kUnknown; }
};

int ApplyModifiers(const RatingWord& word, const Modifiers& m) {
  if (!m.negated()) return m.intensified ? Intensify(word.score) : word.score;
  int score;
  if (word.score <= 2) {
    score = 3;  // "not bad", "tidak jelek"
  } else if (m.negation == WordRole::kNegator && word.score >= 4 && word.score_when_negated) {
    score = word.score_when_negated;  // "tidak puas"
  } else {
    score = 2;  // "not good", "kurang puas", "not ok"
  }
  // "sangat tidak puas" is lower still; "not very good" is just not good.
  return m.intensified_before_negation ? Intensify(score) : score;
}

std::optional<int> NumberValue(const RatingToken& t) {
  if (t.kind == RatingTokenKind::kNumber) return t.value;
  if (t.kind != RatingTokenKind::kWord) return std::nullopt;
  const RatingWord w = LookUpRatingWord(t.word);
  if (w.role == WordRole::kNumber) return w.score;
  return std::nullopt;
}

bool IsWord(const std::vector<RatingToken>& tokens, size_t i, absl::string_view word) {
  return i < tokens.size() && tokens[i].kind == RatingTokenKind::kWord && tokens[i].word == word;
}

// Where the denominator starts when tokens[i] opens a scale ("/", "out of",
// "of", "dari"); 0 when it does not.
size_t ScaleEnd(const std::vector<RatingToken>& tokens, size_t i) {
  if (i >= tokens.size()) return 0;
  if (tokens[i].kind == RatingTokenKind::kSlash) return i + 1;
  if (IsWord(tokens, i, "out") && IsWord(tokens, i + 1, "of")) return i + 2;
  if (IsWord(tokens, i, "of") || IsWord(tokens, i, "dari")) return i + 1;
  return 0;
}

std::optional<int> ScaleToFive(int numerator, int denominator) {
  if (numerator < 1 || numerator > denominator) return std::nullopt;
  if (denominator == 5) return numerator;
  if (denominator == 10) return (numerator + 1) / 2;
  return std::nullopt;
}

// Reads every token into `e`; false when one of them shows the message is
// not a rating.
bool Collect(const std::vector<RatingToken>& tokens, Evidence& e) {
  Modifiers m;
  bool after_sentiment = false;  // the previous token carried a word score
  for (size_t i = 0; i < tokens.size(); ++i) {
    const RatingToken& t = tokens[i];
    const bool was_after_sentiment = after_sentiment;
    after_sentiment = false;
    if (std::optional<int> n = NumberValue(t)) {
      if (m.negated()) return false;  // "not 5"
      m = Modifiers{};
      const size_t denominator_at = ScaleEnd(tokens, i + 1);
      std::optional<int> denominator =
          denominator_at ? (denominator_at < tokens.size() ? NumberValue(tokens[denominator_at])
                                                           : std::nullopt)
                         : std::nullopt;
      if (denominator) {
        std::optional<int> score = ScaleToFive(*n, *denominator);
        if (!score) return false;
        e.numbers.push_back(*score);
        i = denominator_at;
        continue;
      }
      if (*n < 1 || *n > 5) return false;
      e.numbers.push_back(*n);
      continue;
    }
    switch (t.kind) {
      case RatingTokenKind::kStar:
        ++e.stars;
        continue;
      case RatingTokenKind::kEmptyStar:
        ++e.empty_stars;
        continue;
      case RatingTokenKind::kFace:
        e.faces.push_back(t.value);
        continue;
      case RatingTokenKind::kDecoration:
        continue;
      case RatingTokenKind::kSlash:
        return false;  // a "/" that is not between two numbers
      case RatingTokenKind::kNumber:
      case RatingTokenKind::kWord:
        break;
    }
    std::optional<RatingWord> word;
    if (i + 1 < tokens.size() && tokens[i + 1].kind == RatingTokenKind::kWord) {
      word = LookUpRatingPhrase(t.word, tokens[i + 1].word);
      if (word) ++i;
    }
    if (!word) word = LookUpRatingWord(t.word);
    switch (word->role) {
      case WordRole::kUnknown:
      case WordRole::kNumber:  // handled above
        return false;
      case WordRole::kFiller:
        if (IsThanksWord(t.word) || t.word == "terima") e.thanked = true;
        // "tidak, terima kasih" is a no, not a score; a lone "very" is
        // dropped ("thank you very much").
        if (m.negated()) return false;
        m = Modifiers{};
        break;
      case WordRole::kNegator:
      case WordRole::kSoftNegator:
        if (m.negation != WordRole::kUnknown) return false;  // "not not good"
        m.negation = word->role;
        m.intensified_before_negation = m.intensified;
        break;
      case WordRole::kIntensifier:
        m.intensified = true;
        break;
      case WordRole::kTrailingIntensifier: {
        // "puas banget": raises the word just read; alone it is filler.
        std::vector<int>& last = e.words;
        if (was_after_sentiment && !last.empty()) last.back() = Intensify(last.back());
        if (m.negated()) return false;
        break;
      }
      case WordRole::kSentiment: {
        const int score = ApplyModifiers(*word, m);
        // A negated weak word is plain disagreement ("not ok"): strong.
        const bool weak = word->weak && !m.negated();
        (weak ? e.weak_words : e.words).push_back(score);
        after_sentiment = !weak;
        m = Modifiers{};
        break;
      }
    }
  }
  return !m.negated();
}

// All within one point: the lowest; further apart: no single score.
std::optional<int> Agreed(const std::vector<int>& scores) {
  const auto [low, high] = std::minmax_element(scores.begin(), scores.end());
  if (*high - *low > 1) return std::nullopt;
  return *low;
}

std::optional<int> Decide(const Evidence& e) {
  if (!e.numbers.empty()) {
    if (e.numbers.size() > 1) return std::nullopt;
    return e.numbers.front();
  }
  if (e.stars > 0) {
    if (e.stars > 5 || e.stars + e.empty_stars > 5) return std::nullopt;
    return e.stars;
  }
  if (!e.words.empty()) return Agreed(e.words);
  if (!e.faces.empty()) return Agreed(e.faces);
  // "ok, thanks" acknowledges the answer rather than rating it: a wrong 3
  // would cost more than a rating missed.
  if (!e.weak_words.empty() && !e.thanked) return Agreed(e.weak_words);
  return std::nullopt;
}

}  // namespace

std::optional<int> ParseCsatRating(absl::string_view text) {
  if (text.size() > kMaxRatingBytes) return std::nullopt;
  std::optional<std::vector<RatingToken>> tokens = SplitRatingTokens(text);
  if (!tokens || tokens->empty() || tokens->size() > kMaxRatingTokens) return std::nullopt;
  Evidence evidence;
  if (!Collect(*tokens, evidence)) return std::nullopt;
  return Decide(evidence);
}

std::string CsatOptionId(int score) { return absl::StrCat(kOptionIdPrefix, score); }

std::optional<int> RatingFromOptionId(absl::string_view id) {
  if (!absl::ConsumePrefix(&id, kOptionIdPrefix)) return std::nullopt;
  if (id.size() != 1 || id[0] < '1' || id[0] > '5') return std::nullopt;
  return id[0] - '0';
}

}  // namespace omnigate::chatbot
