#include "lib/redis/cluster_slot.h"

#include "gtest/gtest.h"

namespace omnigate::redis {
namespace {

TEST(Crc16Test, MatchesTheXmodemCheckValue) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(KeySlotTest, KnownSlots) {
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 % kClusterSlots);
  // Values CLUSTER KEYSLOT gives.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("hello"), 866);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(KeySlotTest, HashTagDecidesTheSlot) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("omnigate:stream:{7}"), KeySlot("7"));
  EXPECT_EQ(KeySlot("omnigate:stream:{7}"), KeySlot("omnigate:lock:{7}"));
  // Only the first '{' and the first '}' after it count.
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
}

TEST(KeySlotTest, EmptyOrUnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % kClusterSlots);
  EXPECT_EQ(KeySlot("foo{bar"), Crc16("foo{bar") % kClusterSlots);
  EXPECT_EQ(KeySlot("foo}bar{"), Crc16("foo}bar{") % kClusterSlots);
}

TEST(KeySlotTest, BinaryKeys) {
  const std::string key("a\0b", 3);
  EXPECT_EQ(KeySlot(key), Crc16(key) % kClusterSlots);
  EXPECT_NE(KeySlot(key), KeySlot("a"));
}

TEST(ReplicaMarkKeyTest, SharesTheSlotOfTheKeyItMarks) {
  EXPECT_EQ(ReplicaMarkKey("omnigate:stream:{7}"), "omnigate:replica-mark:{7}");
  EXPECT_EQ(HashedPart("omnigate:agents:a-1"), "omnigate:agents:a-1");
  for (const char* key : {"omnigate:stream:{7}", "omnigate:conv:{12}:whatsapp:1:2",
                          "omnigate:senders", "omnigate:mgtoken:abc", "foo{bar"}) {
    EXPECT_EQ(KeySlot(ReplicaMarkKey(key)), KeySlot(key)) << key;
  }
}

}  // namespace
}  // namespace omnigate::redis
