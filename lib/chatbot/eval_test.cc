// Quality gate of the FAQ bot on the held-out questions of
// tests/fixtures/chatbot/eval.tsv against deploy/local/faq.yaml.
#include <cstdio>

#include "gtest/gtest.h"
#include "lib/chatbot/evaluation.h"

namespace omnigate::chatbot {
namespace {

TEST(EvalTest, HeldOutQuestionsPassTheGate) {
  auto faq = LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
  ASSERT_TRUE(faq.ok()) << faq.status();
  auto cases = LoadEvalCases(OMNIGATE_SOURCE_DIR "/tests/fixtures/chatbot/eval.tsv");
  ASSERT_TRUE(cases.ok()) << cases.status();
  const FaqMatcher matcher(*faq);
  std::vector<EvalOutcome> outcomes;
  const EvalSummary sum = Evaluate(matcher, *cases, &outcomes);
  ASSERT_GE(sum.in_scope + sum.off_topic, 150);
  ASSERT_GE(sum.off_topic, 40);
  for (size_t i = 0; i < cases->size(); ++i) {
    const EvalCase& c = (*cases)[i];
    const FaqMatch& m = outcomes[i].got.match;
    const bool ok = c.expected.empty() ? m.entry == nullptr : outcomes[i].right;
    if (ok) continue;
    std::string terms;
    for (const auto& t : matcher.Explain(c.question, outcomes[i].got.language)) terms += t + ",";
    std::printf("[%s] ", terms.c_str());
    std::printf("miss: %-45s expected %-16s got %s%s%s (%.2f)\n", c.question.c_str(),
                c.expected.empty() ? "-" : c.expected.c_str(), m.entry ? m.entry->id.c_str() : "-",
                m.alternative ? " or " : "", m.alternative ? m.alternative->id.c_str() : "",
                m.score);
  }
  std::printf(
      "eval: in-scope %d, answered right %d (%.1f %%), clarified with the right option %d; "
      "off-topic %d, answered %d (%.1f %%)\n",
      sum.in_scope, sum.in_scope_right, sum.right_percent(), sum.in_scope_clarified_with_right,
      sum.off_topic, sum.off_topic_answered, sum.off_topic_answered_percent());
  EXPECT_GE(sum.right_percent(), 90.0);
  EXPECT_LE(sum.off_topic_answered_percent(), 1.0);
}

}  // namespace
}  // namespace omnigate::chatbot
