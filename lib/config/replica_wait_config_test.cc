// redis_wait_replicas / redis_wait_timeout_ms: defaults, values, refusals.

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/config/config.h"

namespace omnigate::config {
namespace {

using ::testing::HasSubstr;

std::optional<std::string> NoEnv(absl::string_view) { return std::nullopt; }

TEST(ReplicaWaitConfigTest, OffByDefaultWithOneSecondTimeout) {
  auto config = ParseConfig("redis: redis://127.0.0.1:6379\n", NoEnv);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis_wait_replicas, 0);
  EXPECT_EQ(config->redis_wait_timeout_ms, 1000);
}

TEST(ReplicaWaitConfigTest, ParsesBothKeysWithEnvExpansion) {
  auto env = [](absl::string_view name) -> std::optional<std::string> {
    if (name == "REPLICAS") return std::string("2");
    return std::nullopt;
  };
  auto config = ParseConfig("redis_wait_replicas: ${REPLICAS}\nredis_wait_timeout_ms: 250\n", env);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis_wait_replicas, 2);
  EXPECT_EQ(config->redis_wait_timeout_ms, 250);
}

TEST(ReplicaWaitConfigTest, RefusesOutOfRangeValuesNamingTheKey) {
  for (const char* yaml : {"redis_wait_replicas: -1\n", "redis_wait_replicas: 17\n",
                           "redis_wait_replicas: one\n", "redis_wait_replicas: 1.5\n"}) {
    auto config = ParseConfig(yaml, NoEnv);
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_TRUE(absl::IsInvalidArgument(config.status())) << yaml;
    EXPECT_THAT(config.status().message(), HasSubstr("redis_wait_replicas")) << yaml;
  }
  // 0 ms would make WAIT block forever.
  for (const char* yaml : {"redis_wait_timeout_ms: 0\n", "redis_wait_timeout_ms: 60001\n",
                           "redis_wait_timeout_ms: 1s\n"}) {
    auto config = ParseConfig(yaml, NoEnv);
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(config.status().message(), HasSubstr("redis_wait_timeout_ms")) << yaml;
  }
}

TEST(ReplicaWaitConfigTest, MisspelledKeyIsAnError) {
  auto config = ParseConfig("redis_wait_replica: 1\n", NoEnv);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("redis_wait_replica"));
}

}  // namespace
}  // namespace omnigate::config
