#include "lib/chatbot/resolution_confirm.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "lib/chatbot/informal.h"
#include "lib/chatbot/politeness.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

// A confirmation is short; a long message has more to say than "done".
// Without thanks it must be shorter still: "problem solved", "it works now",
// not "is there a fixed fee for shipping".
constexpr size_t kMaxTokens = 14;
constexpr size_t kMaxTokensWithoutThanks = 5;

// Words that leave the problem open: negation, "still", "but", a failure, a
// question word, another request, an attempt ("sudah saya coba": I tried).
// Words after ExpandInformal() (gak -> tidak, blm -> belum,
// didnt -> did not).
bool KeepsItOpen(absl::string_view w) {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      // English
      "not", "no", "never", "still", "but", "however", "yet", "again", "doesnt", "wasnt", "werent",
      "arent", "couldnt", "cannot", "shouldnt", "fail", "fails", "failed", "error", "broken", "why",
      "how", "what", "when", "where", "which", "need", "another", "also", "try", "tried", "trying",
      "wrong", "damaged", "missing", "late", "locked",
      // Indonesian
      "tidak", "belum", "bukan", "masih", "tapi", "namun", "tetapi", "lagi", "gagal", "eror",
      "rusak", "kenapa", "mengapa", "bagaimana", "apa", "apakah", "kapan", "dimana", "mana",
      "butuh", "perlu", "tanya", "lain", "coba", "dicoba", "mencoba", "tolong", "bantu", "hilang",
      "telat"};
  return words->contains(w);
}

// Words that say it is solved, alone or after "sudah" ("sudah beres").
bool SaysSolved(absl::string_view w) {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      // English
      "solved", "resolved", "fixed", "sorted", "works", "worked", "working", "arrived",
      // Indonesian
      "beres", "selesai", "teratasi", "berhasil", "terselesaikan"};
  return words->contains(w);
}

// Words that say it is solved only right after "sudah": "sudah bisa" (it
// works now), "sudah masuk" (the refund came in); alone "bisa" is "can" and
// "masuk" is "enter".
bool SaysSolvedAfterSudah(absl::string_view w) {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "bisa",   "aman",     "oke",    "ok",     "clear",  "jelas",   "masuk",
      "sampai", "diterima", "terima", "lancar", "normal", "diganti", "dikirim"};
  return words->contains(w);
}

// Words that may stand beside a bare "sudah" without changing it.
bool IsPolite(absl::string_view w) {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "ya",  "yaa",    "kak",    "kakak", "min", "admin", "ok",   "oke",  "okay", "sip", "deh",
      "kok", "banyak", "terima", "kasih", "you", "so",    "much", "very", "a",    "lot"};
  return words->contains(w) || IsThanksWord(w);
}

}  // namespace

bool ConfirmsResolved(absl::string_view text) {
  // A question is never a confirmation ("sudah bisa?", "is it fixed?").
  if (absl::StrContains(text, "?")) return false;
  const std::vector<std::string> tokens = ExpandInformal(Tokenize(text));
  if (tokens.empty() || tokens.size() > kMaxTokens) return false;
  bool solved = false;
  bool bare_sudah = false;
  bool only_polite = true;  // besides "sudah"
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& w = tokens[i];
    if (KeepsItOpen(w)) return false;
    const bool next_solved =
        i + 1 < tokens.size() && (SaysSolved(tokens[i + 1]) || SaysSolvedAfterSudah(tokens[i + 1]));
    if (w == "sudah") {
      if (next_solved) {
        solved = true;
        ++i;
      } else {
        bare_sudah = true;
      }
      continue;
    }
    if (SaysSolved(w)) {
      solved = true;
      continue;
    }
    // "all good", "all set", "thats all": done, as the English say it.
    if ((w == "all" && i + 1 < tokens.size() &&
         (tokens[i + 1] == "good" || tokens[i + 1] == "set")) ||
        (w == "thats" && i + 1 < tokens.size() && tokens[i + 1] == "all")) {
      solved = true;
      ++i;
      continue;
    }
    if (!IsPolite(w)) only_polite = false;
  }
  const bool thanks = ContainsThanks(tokens);
  if (solved) return thanks || tokens.size() <= kMaxTokensWithoutThanks;
  return bare_sudah && only_polite && thanks;
}

}  // namespace omnigate::chatbot
