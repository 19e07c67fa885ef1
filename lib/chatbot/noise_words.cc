#include "lib/chatbot/noise_words.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/chatbot/fuzzy.h"

namespace omnigate::chatbot {
namespace {

const absl::flat_hash_set<absl::string_view>& Fillers(Language language) {
  static const auto* english = new absl::flat_hash_set<absl::string_view>{
      "like",  "would", "id",       "ill", "want",   "know", "tell",   "let",    "also",   "just",
      "still", "help",  "question", "ask", "kindly", "ok",   "okay",   "yes",    "no",     "yet",
      "some",  "sir",   "madam",    "hey", "dear",   "got",  "should", "really", "please", "am",
      "not",   "so",    "then",     "one", "us",     "they", "them",   "been",   "day",    "days"};
  static const auto* indonesian = new absl::flat_hash_set<absl::string_view>{
      "nih",     "deh",     "kok",    "yah",    "loh",     "lho",   "dong",  "sih",
      "min",     "gan",     "sis",    "bang",   "mas",     "mbak",  "nanti", "lagi",
      "terus",   "tapi",    "karena", "soal",   "tentang", "tanya", "minta", "cara",
      "caranya", "kalian",  "kami",   "kita",   "mereka",  "tetap", "tetep", "sama",
      "hari",    "bisakah", "boleh",  "apakah", "gitu",    "begitu"};
  return language == Language::kIndonesian ? *indonesian : *english;
}

// Stop words that name a topic in a shop's questions.
bool IsTopicStopWord(absl::string_view word) { return word == "sampai"; }

std::vector<std::string> LongStopWords(Language language) {
  // The candidates are few: try the common question words of both lists.
  static const char* const kEnglish[] = {"where", "what",  "when",   "which",  "there", "about",
                                         "would", "could", "please", "thanks", "thank", "your"};
  static const char* const kIndonesian[] = {"bagaimana", "berapa", "kapan",  "dimana", "kenapa",
                                            "mengapa",   "dengan", "untuk",  "tolong", "sudah",
                                            "belum",     "kakak",  "terima", "kasih",  "apakah"};
  std::vector<std::string> out;
  if (language == Language::kIndonesian) {
    for (const char* w : kIndonesian) out.emplace_back(w);
  } else {
    for (const char* w : kEnglish) out.emplace_back(w);
  }
  return out;
}

}  // namespace

bool IsNoiseWord(Language language, absl::string_view word) {
  if (IsTopicStopWord(word)) return false;
  return IsStopWord(language, word) || Fillers(language).contains(word);
}

bool IsMisspeltStopWord(Language language, absl::string_view word) {
  if (word.size() < 4) return false;
  static const auto* english = new std::vector<std::string>(LongStopWords(Language::kEnglish));
  static const auto* indonesian =
      new std::vector<std::string>(LongStopWords(Language::kIndonesian));
  for (const std::string& s : language == Language::kIndonesian ? *indonesian : *english) {
    if (s[0] == word[0] && EditDistance(word, s, 1) <= 1) return true;
  }
  return false;
}

}  // namespace omnigate::chatbot
