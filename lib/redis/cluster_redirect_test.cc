#include "lib/redis/cluster_redirect.h"

#include "gtest/gtest.h"

namespace omnigate::redis {
namespace {

TEST(ParseClusterRedirectTest, Moved) {
  auto redirect = ParseClusterRedirect("MOVED 3999 127.0.0.1:6381", "10.0.0.1");
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->kind, ClusterRedirect::Kind::kMoved);
  EXPECT_EQ(redirect->slot, 3999);
  EXPECT_EQ(redirect->target.ToString(), "127.0.0.1:6381");
}

TEST(ParseClusterRedirectTest, Ask) {
  auto redirect = ParseClusterRedirect("ASK 16383 10.1.2.3:7000", "10.0.0.1");
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->kind, ClusterRedirect::Kind::kAsk);
  EXPECT_EQ(redirect->slot, 16383);
  EXPECT_EQ(redirect->target.host, "10.1.2.3");
  EXPECT_EQ(redirect->target.port, 7000);
}

TEST(ParseClusterRedirectTest, EmptyHostIsTheNodeThatReplied) {
  auto redirect = ParseClusterRedirect("MOVED 1 :7001", "10.0.0.1");
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->target.ToString(), "10.0.0.1:7001");
}

TEST(ParseClusterRedirectTest, Ipv6) {
  auto redirect = ParseClusterRedirect("MOVED 1 ::1:7001", "h");
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->target.host, "::1");
  EXPECT_EQ(redirect->target.port, 7001);
  redirect = ParseClusterRedirect("ASK 1 [fe80::1]:7001", "h");
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->target.host, "fe80::1");
}

TEST(ParseClusterRedirectTest, OtherErrorsAreNotRedirections) {
  EXPECT_FALSE(ParseClusterRedirect("ERR unknown command", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("MOVED", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("MOVED x h:1", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("MOVED 16384 h:1", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("MOVED 1 h", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("MOVED 1 h:0", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("ASK 1 h:1 extra", "h").has_value());
  EXPECT_FALSE(ParseClusterRedirect("NOSCRIPT No matching script", "h").has_value());
}

TEST(IsTransientClusterErrorTest, ClassifiesErrors) {
  EXPECT_TRUE(IsTransientClusterError("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_TRUE(IsTransientClusterError("CLUSTERDOWN The cluster is down"));
  EXPECT_TRUE(IsTransientClusterError("CLUSTERDOWN Hash slot not served"));
  EXPECT_FALSE(IsTransientClusterError("ERR wrong number of arguments"));
  EXPECT_FALSE(IsTransientClusterError("MOVED 1 h:1"));
  EXPECT_FALSE(IsTransientClusterError("CROSSSLOT Keys in request don't hash to the same slot"));
}

}  // namespace
}  // namespace omnigate::redis
