#include "lib/chatbot/evaluation.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace omnigate::chatbot {

absl::StatusOr<std::vector<EvalCase>> LoadEvalCases(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the questions file"));
  std::vector<EvalCase> cases;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() > 2 || absl::StripAsciiWhitespace(fields[0]).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", n, ": expected 'question<TAB>entry id or -'"));
    }
    EvalCase c{fields[0], fields.size() == 2 ? std::string(absl::StripAsciiWhitespace(fields[1]))
                                             : std::string()};
    if (c.expected == "-") c.expected.clear();
    cases.push_back(std::move(c));
  }
  return cases;
}

EvalSummary Evaluate(const FaqMatcher& matcher, const std::vector<EvalCase>& cases,
                     std::vector<EvalOutcome>* outcomes) {
  EvalSummary sum;
  for (const EvalCase& c : cases) {
    EvalOutcome o;
    o.got = matcher.MatchText(c.question, "");
    const FaqMatch& m = o.got.match;
    o.clarified = m.alternative != nullptr;
    if (c.expected.empty()) {
      ++sum.off_topic;
      if (m.entry != nullptr) ++sum.off_topic_answered;
    } else {
      ++sum.in_scope;
      o.right = m.entry != nullptr && !o.clarified && m.entry->id == c.expected;
      if (o.right) ++sum.in_scope_right;
      if (o.clarified && (m.entry->id == c.expected || m.alternative->id == c.expected))
        ++sum.in_scope_clarified_with_right;
    }
    if (outcomes != nullptr) outcomes->push_back(std::move(o));
  }
  return sum;
}

}  // namespace omnigate::chatbot
