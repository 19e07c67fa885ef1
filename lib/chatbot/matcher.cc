#include "lib/chatbot/matcher.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "lib/chatbot/fuzzy.h"
#include "lib/chatbot/informal.h"
#include "lib/chatbot/noise_words.h"
#include "lib/chatbot/stemmer.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

// BM25 constants: term frequency saturates quickly (k1) and long entries are
// only mildly penalised (b), since FAQ entries differ mostly in examples.
constexpr double kK1 = 1.2;
constexpr double kB = 0.5;
constexpr double kKeywordWeight = 2;
constexpr double kPhraseBonus = 0.5;
constexpr int kMaxPhrase = 3;
constexpr double kTypoWeight = 0.6;

bool HasDigit(absl::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// In short words a changed letter makes another word too easily ("umur" /
// "ukur"): there only a missing letter or two swapped letters count.
bool PlausibleTypo(absl::string_view word, absl::string_view target) {
  if (word.size() > 5) return true;
  if (target.size() == word.size() + 1) return true;
  if (target.size() != word.size()) return false;
  std::string a(word), b(target);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

FaqMatcher::FaqMatcher(const Faq& faq, double threshold)
    : FaqMatcher(faq, MatchOptions{.threshold = threshold}) {}

FaqMatcher::FaqMatcher(const Faq& faq, MatchOptions options) : options_(options) {
  for (Language lang : {Language::kEnglish, Language::kIndonesian}) {
    Index& index = index_[static_cast<int>(lang)];
    // Shared synonyms first: every later analysis maps them to the group head.
    for (const auto& group : faq.synonyms) {
      std::string head;
      for (const std::string& member : group) {
        // Keys are plain stems: Analyze() looks phrases up before mapping.
        std::vector<std::string> stems;
        for (const std::string& w : ExpandInformal(Tokenize(member)))
          if (!IsNoiseWord(lang, w) && !HasDigit(w) && w.size() >= 2)
            stems.push_back(Stem(lang, w));
        if (stems.empty()) continue;
        const std::string joined = absl::StrJoin(stems, " ");
        if (head.empty()) head = joined;
        index.canonical.try_emplace(joined, head);
      }
    }
    absl::flat_hash_map<std::string, std::string> surface;
    for (const FaqEntry& entry : faq.entries) {
      const auto& answer = entry.in(lang);
      if (!answer) continue;
      Doc doc{&entry, {}, 0, {}};
      auto add = [&](const std::string& text, double weight) {
        const std::vector<std::string> tokens = ExpandInformal(Tokenize(text));
        const Terms t = Analyze(index, lang, tokens, false);
        for (const std::string& term : t.terms) doc.tf[term] += weight;
        doc.length += weight * t.terms.size();
        for (const std::string& w : tokens) {
          if (surface.contains(w) || IsNoiseWord(lang, w)) continue;
          const Terms one = Analyze(index, lang, {w}, false);
          surface[w] = one.terms.empty() ? "" : one.terms[0];
        }
        return t.terms;
      };
      for (const std::string& k : answer->keywords) {
        auto terms = add(k, kKeywordWeight);
        if (terms.size() >= 2) doc.phrases.push_back(std::move(terms));
      }
      for (const std::string& q : answer->questions) add(q, 1);
      for (const std::string& s : answer->synonyms) add(s, 1);
      index.docs.push_back(std::move(doc));
    }
    // Document frequencies, then idf (the BM25 form, always positive).
    absl::flat_hash_map<std::string, int> df;
    double total = 0;
    for (const Doc& d : index.docs) {
      total += d.length;
      for (const auto& [term, tf] : d.tf) ++df[term];
    }
    const double n = static_cast<double>(index.docs.size());
    if (n > 0) index.avg_length = std::max(1.0, total / n);
    for (const auto& [term, count] : df)
      index.idf[term] = std::log(1 + (n - count + 0.5) / (count + 0.5));
    for (auto& [word, term] : surface)
      if (!term.empty() && index.idf.contains(term)) index.surface.emplace_back(word, term);
    std::sort(index.surface.begin(), index.surface.end());
  }
}

std::string FaqMatcher::Correct(const Index& index, const std::string& word,
                                const std::string& stem) const {
  const int allowed = TyposAllowed(word.size());
  if (allowed == 0) return "";
  int best = allowed + 1;
  std::string found;
  // Against the FAQ's own spellings first, then against stems.
  // Typos rarely hit the first letter, and allowing it there turns "rice"
  // into "price" and "suka" into "buka".
  for (const auto& [surface, term] : index.surface) {
    if (surface[0] != word[0] || !PlausibleTypo(word, surface)) continue;
    const int d = EditDistance(word, surface, allowed);
    if (d < best) best = d, found = term;
  }
  if (!found.empty()) return found;
  for (const auto& [term, idf] : index.idf) {
    if (term.find(' ') != std::string::npos || term[0] != stem[0] || !PlausibleTypo(stem, term))
      continue;
    const int d = EditDistance(stem, term, allowed);
    // Hash order is not stable: on equal distance keep the smaller term.
    if (d <= allowed && (d < best || (d == best && term < found))) best = d, found = term;
  }
  return found;
}

FaqMatcher::Terms FaqMatcher::Analyze(const Index& index, Language language,
                                      const std::vector<std::string>& tokens, bool fuzzy) const {
  struct Word {
    std::string text, stem;
  };
  std::vector<Word> words;
  Terms out;
  for (const std::string& t : tokens) {
    if (IsNoiseWord(language, t) || HasDigit(t) || t.size() < 2) continue;
    words.push_back({t, Stem(language, t)});
  }
  out.topic_words = static_cast<int>(words.size());
  for (size_t i = 0; i < words.size();) {
    // Longest synonym phrase starting here ("customer service" -> one term).
    size_t used = 1;
    std::string term = words[i].stem;
    for (int len = kMaxPhrase; len >= 1; --len) {
      if (i + len > words.size()) continue;
      std::string joined = words[i].stem;
      for (int k = 1; k < len; ++k) joined += " " + words[i + k].stem;
      if (auto it = index.canonical.find(joined); it != index.canonical.end()) {
        term = it->second;
        used = len;
        break;
      }
    }
    double weight = 1;
    if (fuzzy && !index.idf.contains(term) && used == 1) {
      if (IsMisspeltStopWord(language, words[i].text)) {
        --out.topic_words;
        ++i;
        continue;
      }
      std::string corrected = Correct(index, words[i].text, words[i].stem);
      // A guessed word is weaker evidence that the question is ours.
      if (!corrected.empty()) term = std::move(corrected), weight = kTypoWeight;
    }
    if (!fuzzy || index.idf.contains(term)) {
      if (fuzzy) out.known_words += weight * used;
      out.terms.push_back(std::move(term));
      out.weights.push_back(weight);
    }
    i += used;
  }
  return out;
}

FaqMatch FaqMatcher::Match(const std::vector<std::string>& tokens, Language language) const {
  const Index& index = index_[static_cast<int>(language)];
  const Terms q = Analyze(index, language, ExpandInformal(tokens), true);
  FaqMatch best;
  if (q.topic_words <= 0 || q.known_words < options_.min_coverage * q.topic_words) return best;
  // Each term once, with its best weight (exact beats a typo guess).
  absl::flat_hash_map<std::string, double> query;
  for (size_t i = 0; i < q.terms.size(); ++i) {
    double& w = query[q.terms[i]];
    w = std::max(w, q.weights[i]);
  }
  double second_score = 0;
  const FaqEntry* second = nullptr;
  for (const Doc& d : index.docs) {
    double score = 0;
    const double norm = kK1 * (1 - kB + kB * d.length / index.avg_length);
    for (const auto& [t, weight] : query) {
      auto it = d.tf.find(t);
      if (it == d.tf.end()) continue;
      score += weight * index.idf.at(t) * it->second * (kK1 + 1) / (it->second + norm);
    }
    for (const auto& phrase : d.phrases) {
      if (std::all_of(phrase.begin(), phrase.end(),
                      [&](const auto& t) { return query.contains(t); }))
        score += kPhraseBonus;
    }
    // Strictly greater: the first entry keeps a tie.
    if (score > best.score) {
      second_score = best.score;
      second = best.entry;
      best = FaqMatch{d.entry, score, nullptr, 0, nullptr};
    } else if (score > second_score) {
      second_score = score;
      second = d.entry;
    }
  }
  if (best.score < options_.threshold) return FaqMatch{nullptr, best.score, nullptr, 0, best.entry};
  best.candidate = best.entry;
  if (second != nullptr && second_score >= options_.threshold &&
      second_score >= options_.clarify_ratio * best.score) {
    best.alternative = second;
    best.alternative_score = second_score;
  }
  return best;
}

TextMatch FaqMatcher::MatchText(absl::string_view text, absl::string_view locale_hint) const {
  const std::vector<std::string> tokens = Tokenize(text);
  TextMatch result;
  result.language = DetectLanguage(locale_hint, ExpandInformal(tokens));
  result.match = Match(tokens, result.language);
  if (result.match.entry != nullptr || !locale_hint.empty()) return result;
  const Language other =
      result.language == Language::kEnglish ? Language::kIndonesian : Language::kEnglish;
  FaqMatch retry = Match(tokens, other);
  if (retry.entry != nullptr) result = TextMatch{other, retry};
  return result;
}

std::vector<std::string> FaqMatcher::Explain(absl::string_view text, Language language) const {
  const Terms q =
      Analyze(index_[static_cast<int>(language)], language, ExpandInformal(Tokenize(text)), true);
  std::vector<std::string> out;
  for (size_t i = 0; i < q.terms.size(); ++i)
    out.push_back(q.weights[i] < 1 ? "~" + q.terms[i] : q.terms[i]);
  return out;
}

}  // namespace omnigate::chatbot
