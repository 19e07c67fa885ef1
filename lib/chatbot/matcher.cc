#include "lib/chatbot/matcher.h"

#include <algorithm>

#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

absl::flat_hash_set<std::string> TopicWords(const std::vector<std::string>& tokens,
                                            Language language) {
  absl::flat_hash_set<std::string> out;
  for (const std::string& t : tokens)
    if (!IsStopWord(language, t)) out.insert(t);
  return out;
}

}  // namespace

FaqMatcher::FaqMatcher(const Faq& faq, double threshold) : threshold_(threshold) {
  for (Language lang : {Language::kEnglish, Language::kIndonesian}) {
    for (const FaqEntry& entry : faq.entries) {
      const auto& answer = entry.in(lang);
      if (!answer) continue;
      Prepared p{&entry, {}, {}};
      for (const std::string& k : answer->keywords) p.keywords.push_back(Tokenize(k));
      for (const std::string& q : answer->questions) {
        auto words = TopicWords(Tokenize(q), lang);
        if (!words.empty()) p.questions.push_back(std::move(words));
      }
      prepared_[static_cast<int>(lang)].push_back(std::move(p));
    }
  }
}

FaqMatch FaqMatcher::Match(const std::vector<std::string>& tokens, Language language) const {
  const absl::flat_hash_set<std::string> all(tokens.begin(), tokens.end());
  const absl::flat_hash_set<std::string> topic = TopicWords(tokens, language);
  FaqMatch best;
  for (const Prepared& p : prepared_[static_cast<int>(language)]) {
    double score = 0;
    for (const auto& phrase : p.keywords) {
      const bool hit =
          !phrase.empty() &&
          std::all_of(phrase.begin(), phrase.end(), [&](const auto& w) { return all.contains(w); });
      if (hit) score += 1;
    }
    double overlap = 0;
    for (const auto& question : p.questions) {
      size_t shared = 0;
      for (const std::string& w : question) shared += topic.contains(w) ? 1 : 0;
      overlap = std::max(overlap, static_cast<double>(shared) / question.size());
    }
    score += overlap;
    // Strictly greater: the first entry keeps a tie.
    if (score >= threshold_ && score > best.score) best = FaqMatch{p.entry, score};
  }
  return best;
}

}  // namespace omnigate::chatbot
