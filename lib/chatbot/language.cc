#include "lib/chatbot/language.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace omnigate::chatbot {
namespace {

// Function words that are frequent in chat messages and rare in the other
// language. Words both languages use ("ok", "admin") are left out.
const absl::flat_hash_set<absl::string_view>& EnglishWords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "the",   "a",    "an",    "is",    "are",   "was",   "were", "what",   "how",    "when",
      "where", "why",  "which", "who",   "my",    "your",  "i",    "me",     "you",    "we",
      "to",    "of",   "and",   "or",    "for",   "in",    "on",   "at",     "it",     "its",
      "do",    "does", "did",   "can",   "could", "would", "will", "please", "there",  "this",
      "that",  "with", "have",  "has",   "be",    "im",    "hi",   "hello",  "thanks", "thank",
      "want",  "need", "get",   "about", "any",   "if",    "from", "our",    "much",   "many"};
  return *words;
}

const absl::flat_hash_set<absl::string_view>& IndonesianWords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "yang",  "dan",    "di",     "ke",          "dari",    "ini",       "itu",    "saya",
      "aku",   "kamu",   "anda",   "apa",         "apakah",  "bagaimana", "gimana", "berapa",
      "kapan", "dimana", "mana",   "kenapa",      "mengapa", "dengan",    "untuk",  "tidak",
      "nggak", "gak",    "ga",     "bisa",        "ada",     "mau",       "ingin",  "tolong",
      "mohon", "kak",    "kakak",  "sudah",       "udah",    "belum",     "sih",    "dong",
      "ya",    "nya",    "halo",   "hai",         "terima",  "kasih",     "pak",    "bu",
      "juga",  "atau",   "jika",   "kalau",       "bagi",    "saja",      "aja",    "pada",
      "akan",  "masih",  "sampai", "bagaimanakah"};
  return *words;
}

}  // namespace

absl::string_view LanguageCode(Language language) {
  return language == Language::kIndonesian ? "id" : "en";
}

Language DetectLanguage(absl::string_view locale_hint, const std::vector<std::string>& tokens) {
  const std::string hint = absl::AsciiStrToLower(locale_hint);
  // "in" is the legacy ISO 639 code for Indonesian that some platforms send.
  if (absl::StartsWith(hint, "id") || absl::StartsWith(hint, "in")) return Language::kIndonesian;
  if (absl::StartsWith(hint, "en")) return Language::kEnglish;
  int english = 0;
  int indonesian = 0;
  for (const std::string& t : tokens) {
    if (EnglishWords().contains(t)) ++english;
    if (IndonesianWords().contains(t)) ++indonesian;
  }
  return indonesian > english ? Language::kIndonesian : Language::kEnglish;
}

bool IsStopWord(Language language, absl::string_view token) {
  return language == Language::kIndonesian ? IndonesianWords().contains(token)
                                           : EnglishWords().contains(token);
}

}  // namespace omnigate::chatbot
