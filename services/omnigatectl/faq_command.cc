#include "services/omnigatectl/faq_command.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/chatbot/evaluation.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/matcher.h"

namespace omnigate {
namespace {

int Fail(const std::string& message) {
  fprintf(stderr, "omnigatectl faq: %s\n", message.c_str());
  return 1;
}

}  // namespace

int RunFaqCommand(const std::vector<std::string>& args) {
  if (args.size() != 3 || args[0] != "test")
    return Fail("usage: omnigatectl faq test FAQ.yaml QUESTIONS.tsv");
  auto faq = chatbot::LoadFaqFile(args[1]);
  if (!faq.ok()) return Fail(std::string(faq.status().message()));
  auto cases = chatbot::LoadEvalCases(args[2]);
  if (!cases.ok()) return Fail(std::string(cases.status().message()));
  const chatbot::FaqMatcher matcher(*faq);
  std::vector<chatbot::EvalOutcome> outcomes;
  const chatbot::EvalSummary sum = chatbot::Evaluate(matcher, *cases, &outcomes);
  printf("%-7s %-16s %-34s %6s %-2s  %s\n", "verdict", "expected", "chosen", "score", "ln",
         "question  [terms; ~ = typo guess]");
  for (size_t i = 0; i < cases->size(); ++i) {
    const chatbot::EvalCase& c = (*cases)[i];
    const chatbot::EvalOutcome& o = outcomes[i];
    const chatbot::FaqMatch& m = o.got.match;
    std::string chosen = "-";
    if (m.entry != nullptr) chosen = m.entry->id;
    if (m.alternative != nullptr)
      chosen = absl::StrCat("ask: ", m.entry->id, " | ", m.alternative->id);
    // Below the threshold: show what came closest, for tuning.
    if (m.entry == nullptr && m.candidate != nullptr)
      chosen = absl::StrCat("- (", m.candidate->id, ")");
    const char* verdict = c.expected.empty()   ? (m.entry == nullptr ? "ok" : "WRONG")
                          : o.right            ? "ok"
                          : o.clarified        ? "ASK"
                          : m.entry == nullptr ? "MISS"
                                               : "WRONG";
    printf("%-7s %-16s %-34s %6.2f %-2s  %s  [%s]\n", verdict,
           c.expected.empty() ? "-" : c.expected.c_str(), chosen.c_str(), m.score,
           std::string(chatbot::LanguageCode(o.got.language)).c_str(), c.question.c_str(),
           absl::StrJoin(matcher.Explain(c.question, o.got.language), " ").c_str());
  }
  printf(
      "\nin-scope %d: answered right %d (%.1f %%), asked with the right option %d\n"
      "off-topic %d: answered %d (%.1f %%)\nthreshold %.2f\n",
      sum.in_scope, sum.in_scope_right, sum.right_percent(), sum.in_scope_clarified_with_right,
      sum.off_topic, sum.off_topic_answered, sum.off_topic_answered_percent(),
      chatbot::kDefaultMatchThreshold);
  return 0;
}

}  // namespace omnigate
