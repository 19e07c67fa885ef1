#include "lib/redis/cluster_topology.h"

#include "gtest/gtest.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis {
namespace {

RedisReply Node(absl::string_view host, int64_t port, absl::string_view id = "id") {
  std::vector<RedisReply> node;
  node.push_back(BulkReply(host));
  node.push_back(IntegerReply(port));
  node.push_back(BulkReply(id));
  return ArrayReply(std::move(node));
}

RedisReply Range(int64_t start, int64_t end, std::vector<RedisReply> nodes) {
  std::vector<RedisReply> range;
  range.push_back(IntegerReply(start));
  range.push_back(IntegerReply(end));
  for (auto& node : nodes) range.push_back(std::move(node));
  return ArrayReply(std::move(range));
}

template <typename... R>
std::vector<RedisReply> List(R... replies) {
  std::vector<RedisReply> list;
  (list.push_back(std::move(replies)), ...);
  return list;
}

TEST(ClusterTopologyTest, ParsesMastersAndReplicas) {
  RedisReply reply =
      ArrayReply(List(Range(0, 5460, List(Node("10.0.0.1", 7000), Node("10.0.0.4", 7003))),
                      Range(5461, 10922, List(Node("10.0.0.2", 7001))),
                      Range(10923, 16383, List(Node("10.0.0.3", 7002), Node("10.0.0.5", 7004)))));
  auto topology = ClusterTopology::FromClusterSlots(reply.get(), "10.0.0.9");
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_EQ(topology->covered_slots(), 16384);
  EXPECT_EQ(topology->MasterOf(0)->ToString(), "10.0.0.1:7000");
  EXPECT_EQ(topology->MasterOf(5460)->ToString(), "10.0.0.1:7000");
  EXPECT_EQ(topology->MasterOf(5461)->ToString(), "10.0.0.2:7001");
  EXPECT_EQ(topology->MasterOf(16383)->ToString(), "10.0.0.3:7002");
  ASSERT_EQ(topology->ShardOf(0)->replicas.size(), 1u);
  EXPECT_EQ(topology->ShardOf(0)->replicas[0].ToString(), "10.0.0.4:7003");
  EXPECT_TRUE(topology->ShardOf(6000)->replicas.empty());
  EXPECT_EQ(topology->Masters().size(), 3u);
  EXPECT_EQ(topology->Nodes().size(), 5u);
}

TEST(ClusterTopologyTest, OneMasterWithSeveralRanges) {
  RedisReply reply =
      ArrayReply(List(Range(0, 99, List(Node("h", 1))), Range(200, 299, List(Node("h", 1))),
                      Range(100, 199, List(Node("h", 2)))));
  auto topology = ClusterTopology::FromClusterSlots(reply.get(), "asked");
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_EQ(topology->covered_slots(), 300);
  EXPECT_EQ(topology->Masters().size(), 2u);
  EXPECT_EQ(topology->MasterOf(250)->port, 1);
  EXPECT_EQ(topology->MasterOf(150)->port, 2);
  EXPECT_EQ(topology->MasterOf(300), nullptr);
  EXPECT_EQ(topology->ShardOf(300), nullptr);
}

TEST(ClusterTopologyTest, UnknownHostIsTheNodeAsked) {
  std::vector<RedisReply> nil_host;
  nil_host.push_back(NilReply());
  nil_host.push_back(IntegerReply(7002));
  RedisReply reply =
      ArrayReply(List(Range(0, 1, List(Node("", 7000))), Range(2, 3, List(Node("?", 7001))),
                      Range(4, 5, List(ArrayReply(std::move(nil_host))))));
  auto topology = ClusterTopology::FromClusterSlots(reply.get(), "192.168.1.5");
  ASSERT_TRUE(topology.ok()) << topology.status();
  EXPECT_EQ(topology->MasterOf(0)->ToString(), "192.168.1.5:7000");
  EXPECT_EQ(topology->MasterOf(2)->ToString(), "192.168.1.5:7001");
  EXPECT_EQ(topology->MasterOf(4)->ToString(), "192.168.1.5:7002");
}

TEST(ClusterTopologyTest, EmptyReplyServesNothing) {
  RedisReply reply = ArrayReply({});
  auto topology = ClusterTopology::FromClusterSlots(reply.get(), "h");
  ASSERT_TRUE(topology.ok());
  EXPECT_EQ(topology->covered_slots(), 0);
  EXPECT_TRUE(topology->Masters().empty());
}

TEST(ClusterTopologyTest, RejectsOtherShapes) {
  RedisReply error = ErrorReply("ERR This instance has cluster support disabled");
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(error.get(), "h").ok());
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(nullptr, "h").ok());
  RedisReply reversed = ArrayReply(List(Range(10, 5, List(Node("h", 1)))));
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(reversed.get(), "h").ok());
  RedisReply too_far = ArrayReply(List(Range(0, 16384, List(Node("h", 1)))));
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(too_far.get(), "h").ok());
  RedisReply no_master = ArrayReply(List(Range(0, 1, {})));
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(no_master.get(), "h").ok());
  RedisReply bad_port = ArrayReply(List(Range(0, 1, List(Node("h", 0)))));
  EXPECT_FALSE(ClusterTopology::FromClusterSlots(bad_port.get(), "h").ok());
}

TEST(ClusterTopologyTest, AssignSlotRecordsAMove) {
  RedisReply reply = ArrayReply(List(Range(0, 16383, List(Node("h", 1)))));
  auto topology = ClusterTopology::FromClusterSlots(reply.get(), "h");
  ASSERT_TRUE(topology.ok());
  topology->AssignSlot(42, ClusterNodeAddress{"h", 2});
  EXPECT_EQ(topology->MasterOf(42)->port, 2);
  EXPECT_EQ(topology->MasterOf(41)->port, 1);
  EXPECT_EQ(topology->Masters().size(), 2u);
  topology->AssignSlot(42, ClusterNodeAddress{"h", 1});
  EXPECT_EQ(topology->Masters().size(), 1u);  // node 2 serves nothing any more
}

TEST(ClusterNodeAddressTest, BracketsIpv6) {
  EXPECT_EQ((ClusterNodeAddress{"::1", 7000}.ToString()), "[::1]:7000");
  EXPECT_EQ((ClusterNodeAddress{"127.0.0.1", 7000}.ToString()), "127.0.0.1:7000");
}

}  // namespace
}  // namespace omnigate::redis
