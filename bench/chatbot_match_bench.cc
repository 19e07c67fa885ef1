// Cost of the FAQ bot's matching per customer message, and its quality, on
// the held-out questions of tests/fixtures/chatbot/eval.tsv against
// deploy/local/faq.yaml (see docs/chatbot.md and BENCHMARKS.md).
//
// Method: one iteration runs FaqMatcher::MatchText (tokenize, informal
// expansion, language detection, stemming, synonyms, typo guesses, BM25 over
// every entry) on every question of the set, on one thread; "items" are
// messages, so us_per_message = 1e6 / items_per_second. Counters also carry
// the evaluation figures, so the JSON holds score and speed together.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "lib/chatbot/evaluation.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/matcher.h"

namespace {

using omnigate::chatbot::EvalCase;
using omnigate::chatbot::EvalSummary;
using omnigate::chatbot::Evaluate;
using omnigate::chatbot::FaqMatcher;

void BM_ChatbotMatch(benchmark::State& state) {
  auto faq = omnigate::chatbot::LoadFaqFile(OMNIGATE_SOURCE_DIR "/deploy/local/faq.yaml");
  auto cases =
      omnigate::chatbot::LoadEvalCases(OMNIGATE_SOURCE_DIR "/tests/fixtures/chatbot/eval.tsv");
  if (!faq.ok() || !cases.ok()) {
    state.SkipWithError("cannot load the FAQ or the evaluation set");
    return;
  }
  const FaqMatcher matcher(*faq);
  for (auto _ : state) {
    for (const EvalCase& c : *cases) benchmark::DoNotOptimize(matcher.MatchText(c.question, ""));
  }
  const double messages = static_cast<double>(state.iterations()) * cases->size();
  state.SetItemsProcessed(static_cast<int64_t>(messages));
  state.counters["us_per_message"] =
      benchmark::Counter(messages / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  const EvalSummary sum = Evaluate(matcher, *cases);
  state.counters["questions"] = sum.in_scope + sum.off_topic;
  state.counters["in_scope_right_pct"] = sum.right_percent();
  state.counters["off_topic_answered_pct"] = sum.off_topic_answered_percent();
}
BENCHMARK(BM_ChatbotMatch)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
