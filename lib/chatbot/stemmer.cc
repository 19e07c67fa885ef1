#include "lib/chatbot/stemmer.h"

#include "absl/strings/match.h"

namespace omnigate::chatbot {
namespace {

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

bool IsAsciiWord(absl::string_view w) {
  for (char c : w)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Drops `suffix` when at least `min_left` characters remain.
bool StripSuffix(std::string& w, absl::string_view suffix, size_t min_left) {
  if (w.size() < suffix.size() + min_left || !absl::EndsWith(w, suffix)) return false;
  w.resize(w.size() - suffix.size());
  return true;
}

void UndoubleFinal(std::string& w) {
  const size_t n = w.size();
  if (n >= 3 && w[n - 1] == w[n - 2] && !IsVowel(w[n - 1]) && w[n - 1] != 's' && w[n - 1] != 'l')
    w.pop_back();
}

std::string StemEnglish(std::string w) {
  if (w.size() <= 3) return w;
  if (StripSuffix(w, "ies", 2)) {
    w += 'y';
  } else if (absl::EndsWith(w, "sses")) {
    w.resize(w.size() - 2);
  } else if (!absl::EndsWith(w, "ss") && !absl::EndsWith(w, "us") && !absl::EndsWith(w, "is")) {
    StripSuffix(w, "s", 3);
  }
  if (StripSuffix(w, "ing", 3) || StripSuffix(w, "ed", 3)) {
    UndoubleFinal(w);
  } else {
    StripSuffix(w, "ly", 4);
  }
  // "delivery" meets "deliver", "shipment" meets "ship".
  if (!StripSuffix(w, "ment", 3) && absl::EndsWith(w, "ery") && w.size() >= 6) w.pop_back();
  // "price"/"priced"/"pricing" all end as "pric".
  StripSuffix(w, "e", 3);
  if (!w.empty() && w.back() == 'y' && w.size() > 3) w.back() = 'i';
  return w;
}

// Removes one nasal prefix (me-/pe- family), restoring the initial consonant
// the nasal replaced: "menukar" -> "tukar", "pengiriman" -> "kiriman".
bool StripNasal(std::string& w, char m_or_p) {
  if (w.size() < 5 || w[0] != m_or_p || w[1] != 'e') return false;
  const absl::string_view rest = absl::string_view(w).substr(2);
  std::string out;
  if (absl::StartsWith(rest, "ng")) {
    const absl::string_view r = rest.substr(2);
    if (r.empty()) return false;
    out = IsVowel(r[0]) ? "k" + std::string(r) : std::string(r);
  } else if (absl::StartsWith(rest, "ny")) {
    out = "s" + std::string(rest.substr(2));
  } else if (rest[0] == 'm') {
    const absl::string_view r = rest.substr(1);
    out = IsVowel(r[0]) ? "p" + std::string(r) : std::string(r);
  } else if (rest[0] == 'n') {
    const absl::string_view r = rest.substr(1);
    out = IsVowel(r[0]) ? "t" + std::string(r) : std::string(r);
  } else if (rest[0] == 'l' || rest[0] == 'r' || rest[0] == 'w' || rest[0] == 'y') {
    out = std::string(rest);
  } else {
    return false;
  }
  if (out.size() < 3) return false;
  w = std::move(out);
  return true;
}

std::string StemIndonesian(std::string w) {
  if (w.size() <= 4) return w;
  // Particles, then possessives, then derivational suffixes.
  StripSuffix(w, "lah", 4) || StripSuffix(w, "kah", 4) || StripSuffix(w, "pun", 4);
  StripSuffix(w, "nya", 3) || StripSuffix(w, "ku", 4) || StripSuffix(w, "mu", 4);
  const bool had_an = !absl::EndsWith(w, "kan") && StripSuffix(w, "an", 4);
  if (!had_an) StripSuffix(w, "kan", 4);
  // Prefixes: di-, ter-, ber-, ke- (only with -an: "keterlambatan"), then me-/pe-.
  if (w.size() >= 5 && absl::StartsWith(w, "di")) {
    w.erase(0, 2);
  } else if (w.size() >= 6 && absl::StartsWith(w, "ter")) {
    w.erase(0, 3);
  } else if (w.size() >= 6 && absl::StartsWith(w, "ber")) {
    w.erase(0, 3);
  } else if (had_an && w.size() >= 5 && absl::StartsWith(w, "ke")) {
    w.erase(0, 2);
  } else if (w.size() >= 6 && absl::StartsWith(w, "per")) {
    w.erase(0, 3);
  }
  StripNasal(w, 'm') || StripNasal(w, 'p');
  return w;
}

}  // namespace

std::string Stem(Language language, absl::string_view word) {
  if (!IsAsciiWord(word)) return std::string(word);
  return language == Language::kIndonesian ? StemIndonesian(std::string(word))
                                           : StemEnglish(std::string(word));
}

}  // namespace omnigate::chatbot
