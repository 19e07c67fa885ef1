#include "lib/chatbot/rating_words.h"

#include <array>

#include "absl/container/flat_hash_map.h"
#include "lib/chatbot/politeness.h"

namespace omnigate::chatbot {
namespace {

RatingWord Sentiment(int score, bool weak = false, int score_when_negated = 0) {
  return RatingWord{WordRole::kSentiment, score, weak, score_when_negated};
}

RatingWord Role(WordRole role, int score = 0) { return RatingWord{role, score}; }

// Our own lists, from how customers answer satisfaction surveys in chat.
// Words after ExpandInformal(), so its spellings are covered.
const absl::flat_hash_map<absl::string_view, RatingWord>& Words() {
  static const auto* words = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, RatingWord>();
    for (absl::string_view w :
         {// English: the score's label and the words around it.
          "rating", "rate", "rated", "score", "star", "stars", "point", "points", "i", "id", "ill",
          "would", "give", "gave", "it", "its", "is", "was", "a", "an", "the", "my", "me", "from",
          "for", "this", "service", "support", "help", "experience", "overall", "you", "your",
          "guys", "team", "all", "and", "much", "lot", "pretty", "quite",
          // Indonesian.
          "nilai", "nilainya", "skor", "bintang", "bintangnya", "poin", "saya", "aku", "beri",
          "kasih", "kasi", "berikan", "kak", "kakak", "min", "admin", "adminnya", "ya", "yaa",
          "yah", "deh", "dong", "nih", "sih", "pelayanan", "pelayanannya", "layanan", "layanannya",
          "customer", "dan", "nya", "saja", "untuk", "buat", "dari", "banyak", "terima", "semua",
          "semuanya", "kalian", "cs",
          // Who or what is rated: "good job", "fast response", "respon cepat".
          "job", "work", "agent", "staff", "bot", "response", "answer", "reply", "agen", "petugas",
          "petugasnya", "respon", "responnya", "jawaban", "jawabannya", "balasan"}) {
      (*map)[w] = Role(WordRole::kFiller);
    }
    for (absl::string_view w : {"not", "tidak", "bukan"}) (*map)[w] = Role(WordRole::kNegator);
    (*map)["kurang"] = Role(WordRole::kSoftNegator);
    for (absl::string_view w :
         {"very", "really", "so", "super", "extremely", "truly", "totally", "too", "sangat", "amat",
          "sgt", "sungguh", "paling", "terlalu", "begitu", "sangaat"}) {
      (*map)[w] = Role(WordRole::kIntensifier);
    }
    for (absl::string_view w :
         {"sekali", "skali", "banget", "bgt", "bngt", "bangettt", "bangett", "bener", "pisan"}) {
      (*map)[w] = Role(WordRole::kTrailingIntensifier);
    }
    const std::array<absl::string_view, 5> english_numbers = {"one", "two", "three", "four",
                                                              "five"};
    const std::array<absl::string_view, 5> indonesian_numbers = {"satu", "dua", "tiga", "empat",
                                                                 "lima"};
    for (int i = 0; i < 5; ++i) {
      (*map)[english_numbers[i]] = Role(WordRole::kNumber, i + 1);
      (*map)[indonesian_numbers[i]] = Role(WordRole::kNumber, i + 1);
    }
    // 1: the worst.
    for (absl::string_view w : {"terrible", "awful", "horrible", "worst", "useless", "hate",
                                "parah", "terburuk", "payah"}) {
      (*map)[w] = Sentiment(1);
    }
    // 2: bad, below expectations. "jelek" (ugly, poor) is read as bad, not
    // as the worst: "jelek banget" / "sangat jelek" reach 1.
    for (absl::string_view w : {"bad", "poor", "disappointed", "disappointing", "unhappy",
                                "unsatisfied", "dissatisfied", "unhelpful", "slow", "jelek",
                                "buruk", "kecewa", "mengecewakan", "lambat", "lelet", "lemot"}) {
      (*map)[w] = Sentiment(2);
    }
    // 3: middling. The weak ones double as "I read you" ("ok", "sip"), so a
    // stronger word beside them decides.
    for (absl::string_view w : {"average", "neutral", "meh", "decent", "standar", "netral"}) {
      (*map)[w] = Sentiment(3);
    }
    for (absl::string_view w : {"ok", "okay", "okey", "oke", "okee", "okeh", "okie", "oce",
                                "alright", "fine", "cukup", "lumayan", "biasa"}) {
      (*map)[w] = Sentiment(3, /*weak=*/true);
    }
    // 4: good.
    for (absl::string_view w :
         {"good", "nice", "satisfied", "happy", "helpful", "fast", "quick", "friendly", "cool",
          "bagus", "baik", "senang", "ramah", "cepat", "responsif", "membantu", "keren"}) {
      (*map)[w] = Sentiment(4);
    }
    for (absl::string_view w : {"puas", "memuaskan"}) {
      (*map)[w] = Sentiment(4, /*weak=*/false, /*score_when_negated=*/1);
    }
    for (absl::string_view w : {"sip", "sipp", "siip", "siiip"}) {
      (*map)[w] = Sentiment(4, /*weak=*/true);
    }
    // 5: the best.
    for (absl::string_view w :
         {"great",   "excellent", "awesome",   "amazing", "perfect", "fantastic", "outstanding",
          "superb",  "wonderful", "brilliant", "best",    "love",    "loved",     "mantap",
          "mantab",  "mantep",    "mantul",    "mantabs", "mantapp", "top",       "juara",
          "terbaik", "sempurna",  "hebat",     "jos",     "joss"}) {
      (*map)[w] = Sentiment(5);
    }
    return map;
  }();
  return *words;
}

}  // namespace

RatingWord LookUpRatingWord(absl::string_view word) {
  auto it = Words().find(word);
  if (it != Words().end()) return it->second;
  if (IsThanksWord(word)) return Role(WordRole::kFiller);
  return RatingWord{};
}

std::optional<RatingWord> LookUpRatingPhrase(absl::string_view first, absl::string_view second) {
  if (first == "luar" && second == "biasa") return Sentiment(5);  // outstanding
  if (first == "so" && second == "so") return Sentiment(3);
  if (first == "b" && second == "saja") return Sentiment(3);  // "b aja": biasa aja
  return std::nullopt;
}

}  // namespace omnigate::chatbot
