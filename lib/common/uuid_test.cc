#include "lib/common/uuid.h"

#include <set>

#include "gtest/gtest.h"

namespace omnigate {
namespace {

TEST(UuidV7Test, HasVersionVariantAndTimestamp) {
  FakeClock clock(0x0123456789ab);
  UuidV7Generator gen(clock);
  const std::string id = gen.Next();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(id[14], '7');                                          // version
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC variant
}

TEST(UuidV7Test, IsStrictlyIncreasingWithinAMillisecond) {
  FakeClock clock(1770091506000);
  UuidV7Generator gen(clock);
  std::string prev = gen.Next();
  std::set<std::string> seen{prev};
  for (int i = 0; i < 10000; ++i) {  // more than the 12-bit counter holds
    std::string next = gen.Next();
    EXPECT_LT(prev, next);
    seen.insert(next);
    prev = next;
  }
  EXPECT_EQ(seen.size(), 10001u);
}

TEST(UuidV7Test, KeepsOrderWhenTheClockStepsBack) {
  FakeClock clock(1770091506000);
  UuidV7Generator gen(clock);
  const std::string a = gen.Next();
  clock.AdvanceMs(-5000);
  EXPECT_LT(a, gen.Next());
}

}  // namespace
}  // namespace omnigate
