#include "tests/support/arrivals.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace omnigate::testing {

std::string VisitorConversation(int c) { return absl::StrCat("webchat:site-1:visitor-", c); }

omnigate::v1::Event SeqMessage(int conversation, int seq, const std::string& body) {
  omnigate::v1::Event e;
  e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  e.set_connector("publish-test");
  e.set_account_id("site-1");
  e.set_conversation_key(VisitorConversation(conversation));
  e.set_external_id(absl::StrCat("m-", conversation, "-", seq));
  e.mutable_sender()->set_id(absl::StrCat("visitor-", conversation));
  e.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  e.mutable_text()->set_body(body.empty() ? absl::StrCat("message ", seq) : body);
  (*e.mutable_attributes())["seq"] = absl::StrCat(seq);
  return e;
}

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
