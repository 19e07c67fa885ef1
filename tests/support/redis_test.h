#pragma once

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace omnigate::testing {

// A test with its own redis-server on a free loopback port and a fresh
// temporary directory. Fixtures that add to SetUp() call RedisTest::SetUp()
// first and return if it failed.
class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    dir_ = MakeTempDir();
  }

  std::unique_ptr<RedisServer> redis_;
  std::string dir_;
};

}  // namespace omnigate::testing
