#include "tests/support/arrivals.h"

#include <set>

#include "absl/strings/numbers.h"

namespace omnigate::testing {

int SeqOf(const omnigate::v1::Event& event) {
  int seq = -1;
  auto it = event.attributes().find("seq");
  if (it != event.attributes().end()) (void)absl::SimpleAtoi(it->second, &seq);
  return seq;
}

Arrivals Analyze(const std::vector<omnigate::v1::Event>& events) {
  Arrivals a;
  std::set<std::string> ids;
  for (const auto& e : events) {
    if (e.has_conversation()) continue;  // lifecycle events
    if (!ids.insert(e.id()).second) {
      ++a.repeats;
      continue;
    }
    a.first_seen[e.conversation_key()].push_back(SeqOf(e));
  }
  return a;
}

::testing::AssertionResult InPublishOrder(const Arrivals& arrivals, size_t conversations,
                                          int rounds) {
  if (arrivals.first_seen.size() != conversations) {
    return ::testing::AssertionFailure()
           << arrivals.first_seen.size() << " conversations, expected " << conversations;
  }
  for (const auto& [key, seqs] : arrivals.first_seen) {
    if (seqs.size() != static_cast<size_t>(rounds))
      return ::testing::AssertionFailure() << key << ": " << seqs.size() << " events";
    for (int i = 0; i < rounds; ++i) {
      if (seqs[i] != i)
        return ::testing::AssertionFailure() << key << ": event " << i << " is seq " << seqs[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace omnigate::testing
