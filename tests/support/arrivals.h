#pragma once

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::testing {

// The conversation key of web chat visitor `c` of site-1, as published by
// SeqMessage.
std::string VisitorConversation(int c);

// A customer's web chat message number `seq` in visitor `conversation`'s
// conversation, with a "seq" attribute; body "message <seq>" unless given.
omnigate::v1::Event SeqMessage(int conversation, int seq, const std::string& body = "");

// The "seq" attribute tests put on published events (-1 when absent).
int SeqOf(const omnigate::v1::Event& event);

// What a sink received: per conversation, the seq of first deliveries in
// arrival order, and how many deliveries repeated an event id. Lifecycle
// events (payload conversation) are left out.
struct Arrivals {
  std::map<std::string, std::vector<int>> first_seen;
  size_t repeats = 0;
};
Arrivals Analyze(const std::vector<omnigate::v1::Event>& events);

// Every one of `conversations` got seq 0..rounds-1, in order.
::testing::AssertionResult InPublishOrder(const Arrivals& arrivals, size_t conversations,
                                          int rounds);

}  // namespace omnigate::testing
