#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/chatbot/matcher.h"

namespace omnigate::chatbot {

// One line of a questions file: "question<TAB>expected entry id", where "-"
// (or nothing) means the bot should not answer (off-topic).
struct EvalCase {
  std::string question;
  std::string expected;  // empty: off-topic
};

// Reads a questions TSV; '#' lines and blank lines are skipped. INVALID_ARGUMENT
// naming the line for a malformed one, NOT_FOUND when the file cannot be read.
absl::StatusOr<std::vector<EvalCase>> LoadEvalCases(const std::string& path);

// What the matcher did with one question.
struct EvalOutcome {
  TextMatch got;
  bool right = false;      // in-scope: answered with the expected entry
  bool clarified = false;  // offered two entries instead of answering
};

struct EvalSummary {
  int in_scope = 0;
  int in_scope_right = 0;
  int in_scope_clarified_with_right = 0;  // expected entry among the two options
  int off_topic = 0;
  int off_topic_answered = 0;  // answered or offered options: both are wrong
  double right_percent() const { return in_scope ? 100.0 * in_scope_right / in_scope : 0; }
  double off_topic_answered_percent() const {
    return off_topic ? 100.0 * off_topic_answered / off_topic : 0;
  }
};

// Runs every case through MatchText (no locale hint), filling `outcomes`
// (optional, one per case) and returning the totals.
EvalSummary Evaluate(const FaqMatcher& matcher, const std::vector<EvalCase>& cases,
                     std::vector<EvalOutcome>* outcomes = nullptr);

}  // namespace omnigate::chatbot
