#pragma once

// The shared RedisTest fixture plus what every conversation-history test
// needs: a pooled client on the test's redis-server, a reader over it, and a
// way to append events to a history stream the way the recording scripts do.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/conversations/history_reader.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_script.h"
#include "lib/redis/redis_url.h"
#include "omnigate/v1/event.pb.h"
#include "tests/support/redis_test.h"

namespace omnigate::testing {

class HistoryRedisTest : public RedisTest {
 protected:
  static constexpr uint32_t kPartitions = 4;

  void SetUp() override {
    RedisTest::SetUp();
    if (HasFatalFailure()) return;
    auto endpoint = redis::ParseRedisUrl(redis_->url());
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    pool_ = std::make_unique<redis::ConnectionPool>(*endpoint, absl::Seconds(1), absl::Seconds(5));
    reader_ = std::make_unique<conversations::HistoryReader>(pool_.get(), kPartitions);
  }

  static std::string HistoryKeyOf(const std::string& conv) {
    return queue::HistoryKey(queue::PartitionOf(conv, kPartitions), conv);
  }

  static omnigate::v1::Event Text(const std::string& conv, const std::string& id,
                                  omnigate::v1::Role role = omnigate::v1::ROLE_CUSTOMER) {
    omnigate::v1::Event e;
    e.set_id(id);
    e.set_conversation_key(conv);
    e.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e.mutable_sender()->set_role(role);
    e.mutable_text()->set_body(absl::StrCat("text of ", id));
    return e;
  }

  // Appends a serialized event (or any bytes) to the history list the way
  // the recording scripts do (queue::kHistoryAppendLua).
  void AppendRaw(const std::string& conv, const std::string& event) {
    auto reply = pool_->Eval(append_, {HistoryKeyOf(conv)}, {event, "100000", "3600000"});
    EXPECT_TRUE(reply.ok() && !reply->is_error()) << (reply.ok() ? reply->str() : "unavailable");
  }
  // Pushes `entry` as is, bypassing the entry format.
  void PushUnformatted(const std::string& conv, const std::string& entry) {
    auto reply = pool_->Run({"RPUSH", HistoryKeyOf(conv), entry});
    EXPECT_TRUE(reply.ok() && reply->is_integer());
  }

  // Appends events e-1 .. e-n (ids), oldest first.
  void AppendEvents(const std::string& conv, int n, int first = 1) {
    for (int i = first; i < first + n; ++i)
      AppendRaw(conv, Text(conv, absl::StrCat("e-", i)).SerializeAsString());
  }

  static std::vector<std::string> Ids(const std::vector<omnigate::v1::Event>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.id());
    return ids;
  }

  static std::vector<std::string> IdRange(int first, int last) {
    std::vector<std::string> ids;
    for (int i = first; i <= last; ++i) ids.push_back(absl::StrCat("e-", i));
    return ids;
  }

  std::unique_ptr<redis::ConnectionPool> pool_;
  std::unique_ptr<conversations::HistoryReader> reader_;
  const redis::RedisScript append_{
      absl::StrCat(queue::kHistoryAppendLua, "history_append(KEYS[1], ARGV[1], ARGV[2], ARGV[3])")};
};

}  // namespace omnigate::testing
