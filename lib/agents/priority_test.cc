#include "lib/agents/priority.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::agents {
namespace {

PriorityClass Of(std::vector<std::pair<std::string, std::string>> attrs) {
  omnigate::v1::Event event;
  for (auto& [k, v] : attrs) (*event.mutable_attributes())[k] = v;
  return PriorityFromAttributes(event.attributes());
}

TEST(PriorityTest, FromAttributes) {
  EXPECT_EQ(Of({}), PriorityClass::kNormal);
  EXPECT_EQ(Of({{"omnigate.priority", "urgent"}}), PriorityClass::kUrgent);
  EXPECT_EQ(Of({{"omnigate.priority", "LOW"}}), PriorityClass::kLow);
  EXPECT_EQ(Of({{"omnigate.priority", "bogus"}}), PriorityClass::kNormal);
  EXPECT_EQ(Of({{"vip", "true"}}), PriorityClass::kHigh);
  EXPECT_EQ(Of({{"vip", "true"}, {"omnigate.priority", "low"}}), PriorityClass::kHigh);
  EXPECT_EQ(Of({{"vip", "true"}, {"omnigate.priority", "urgent"}}), PriorityClass::kUrgent);
  EXPECT_EQ(Of({{"vip", "false"}}), PriorityClass::kNormal);
}

TEST(PriorityTest, ScoreOrdersByClassThenFifo) {
  const int64_t t = 1770000000000;  // 2026
  struct Item {
    PriorityClass p;
    int64_t ms;
    int expected_rank;
  };
  std::vector<Item> items = {
      {PriorityClass::kLow, t - 100000, 5},     {PriorityClass::kNormal, t + 5, 4},
      {PriorityClass::kNormal, t, 3},           {PriorityClass::kHigh, t + 900000, 2},
      {PriorityClass::kUrgent, t + 1000000, 0}, {PriorityClass::kUrgent, t + 1000001, 1}};
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return QueueScore(a.p, a.ms) < QueueScore(b.p, b.ms);
  });
  for (int i = 0; i < static_cast<int>(items.size()); ++i) EXPECT_EQ(items[i].expected_rank, i);
  // Exact integers in a double: one millisecond apart stays apart.
  EXPECT_EQ(QueueScore(PriorityClass::kLow, t + 1) - QueueScore(PriorityClass::kLow, t), 1.0);
}

}  // namespace
}  // namespace omnigate::agents
