#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/language.h"

namespace omnigate::chatbot {

struct FaqMatch {
  const FaqEntry* entry = nullptr;  // nullptr: nothing scored above the threshold
  double score = 0;
};

// Finds the FAQ entry a question is about by word overlap. Deterministic:
// equal scores go to the entry listed first in the file. Immutable after
// construction, so one instance serves every thread. `faq` must outlive it.
class FaqMatcher {
 public:
  // An entry's score is the number of its keywords whose words all occur in
  // the question, plus the best share of an example question's topic words
  // that occur in it (0..1). Scores below `threshold` are no match.
  explicit FaqMatcher(const Faq& faq, double threshold = 0.6);

  // `tokens` as produced by Tokenize().
  FaqMatch Match(const std::vector<std::string>& tokens, Language language) const;

 private:
  struct Prepared {
    const FaqEntry* entry;
    std::vector<std::vector<std::string>> keywords;           // each a phrase's tokens
    std::vector<absl::flat_hash_set<std::string>> questions;  // topic words only
  };
  std::vector<Prepared> prepared_[2];
  double threshold_;
};

}  // namespace omnigate::chatbot
