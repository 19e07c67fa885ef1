// Replicated acknowledgement against a real master and replica: the
// group-commit writer and the connection pool acknowledge a write only once
// the replica has it, answer UNAVAILABLE within about the WAIT timeout while
// the replica is paused (SIGSTOP), and recover when it resumes.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_script.h"
#include "lib/redis/redis_url.h"
#include "tests/integration/replica_pair.h"

namespace omnigate {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kWaitTimeout = absl::Milliseconds(500);
// A failed WAIT answers after its timeout; allow scheduling slack, but far
// less than any I/O timeout, so a hang would show.
const absl::Duration kAnswerBound = absl::Milliseconds(1500);

constexpr char kSetScript[] = "redis.call('SET', KEYS[1], ARGV[1]) return 1";
// Like ingest's dedupe: 1 = stored now, 0 = a duplicate (writes nothing).
constexpr char kSetNxScript[] =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 1 end return 0";

class CountingObserver : public redis::PipelineObserver {
 public:
  void OnReplicaWait(absl::Duration, bool confirmed) override {
    (confirmed ? confirmed_ : unconfirmed_).fetch_add(1);
  }
  std::atomic<int> confirmed_{0};
  std::atomic<int> unconfirmed_{0};
};

class ReplicaWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = testing::ReplicaPair::Start();
    ASSERT_TRUE(pair.ok()) << pair.status();
    pair_ = *std::move(pair);
    endpoint_ = *redis::ParseRedisUrl(pair_->master().url());
  }

  std::unique_ptr<redis::RedisPipelineWriter> Writer(int replicas,
                                                     redis::PipelineObserver* observer) {
    redis::PipelineWriterOptions options;
    options.endpoint = endpoint_;
    options.lanes = 1;
    options.scripts = {kSetScript, kSetNxScript};
    options.replica_wait = redis::ReplicaWait{replicas, kWaitTimeout};
    auto writer = std::make_unique<redis::RedisPipelineWriter>(options, observer);
    writer->Start();
    EXPECT_TRUE(testing::WaitFor([&] { return writer->healthy(); }, absl::Seconds(5)));
    return writer;
  }

  std::unique_ptr<redis::ConnectionPool> Pool(int replicas) {
    return std::make_unique<redis::ConnectionPool>(
        endpoint_, absl::Seconds(1), absl::Seconds(2), /*max_idle=*/4, /*max_open=*/0,
        absl::Milliseconds(500), redis::ReplicaWait{replicas, kWaitTimeout});
  }

  // Submits and waits (bounded) for the answer.
  static absl::StatusOr<redis::RedisPipelineWriter::Replies> Write(
      redis::RedisPipelineWriter& writer, std::vector<redis::RedisCommand> commands) {
    auto promise =
        std::make_shared<std::promise<absl::StatusOr<redis::RedisPipelineWriter::Replies>>>();
    auto future = promise->get_future();
    writer.Submit(0, std::move(commands),
                  [promise](auto replies) { promise->set_value(std::move(replies)); });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
      return absl::DeadlineExceededError("writer never answered");
    return future.get();
  }

  std::string OnReplica(const std::string& key) { return *pair_->replica().Cli({"GET", key}); }

  std::unique_ptr<testing::ReplicaPair> pair_;
  redis::RedisEndpoint endpoint_;
};

TEST_F(ReplicaWaitTest, WriterAcknowledgesOnlyWhatTheReplicaHas) {
  CountingObserver observer;
  auto writer = Writer(1, &observer);
  auto replies = Write(*writer, {{"SET", "omnigate:a", "1"}, {"SET", "omnigate:b", "2"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 2u);  // the WAIT reply is not handed to the caller
  EXPECT_EQ((*replies)[0].str(), "OK");
  // Confirmed by WAIT: the replica has both already, no polling needed.
  EXPECT_EQ(OnReplica("omnigate:a"), "1");
  EXPECT_EQ(OnReplica("omnigate:b"), "2");
  EXPECT_EQ(observer.confirmed_.load(), 1);
  EXPECT_EQ(observer.unconfirmed_.load(), 0);
}

TEST_F(ReplicaWaitTest, WriterAnswersUnavailableWhileTheReplicaIsPausedThenRecovers) {
  CountingObserver observer;
  auto writer = Writer(1, &observer);
  ASSERT_TRUE(pair_->Pause().ok());

  // Several callers at once: each one is answered, none hangs.
  const absl::Time start = absl::Now();
  std::vector<std::future<absl::StatusOr<redis::RedisPipelineWriter::Replies>>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(std::async(std::launch::async, [&, i] {
      return Write(*writer, {{"SET", absl::StrCat("omnigate:paused:", i), "x"}});
    }));
  }
  for (auto& answer : answers) {
    auto replies = answer.get();
    EXPECT_TRUE(absl::IsUnavailable(replies.status())) << replies.status();
    EXPECT_THAT(std::string(replies.status().message()),
                HasSubstr("written but confirmed by 0 of 1 replicas within 500 ms"));
  }
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_GE(elapsed, kWaitTimeout - absl::Milliseconds(50));
  // Callers that arrived during one WAIT share the next flush: at most two
  // timeouts back to back, never an I/O timeout.
  EXPECT_LT(elapsed, kWaitTimeout + kAnswerBound);
  EXPECT_GE(observer.unconfirmed_.load(), 1);
  EXPECT_TRUE(writer->healthy());  // the connection survived the WAITs

  ASSERT_TRUE(pair_->Resume().ok());
  auto replies = Write(*writer, {{"SET", "omnigate:resumed", "y"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ(OnReplica("omnigate:resumed"), "y");
  // The writes that were refused did reach the master and, now, the replica:
  // a client's retry finds them (ingest's dedupe answers "duplicate").
  EXPECT_EQ(OnReplica("omnigate:paused:0"), "x");
}

TEST_F(ReplicaWaitTest, WriterWithoutWaitAcknowledgesAtOnceEvenWhenTheReplicaIsPaused) {
  CountingObserver observer;
  auto writer = Writer(0, &observer);
  ASSERT_TRUE(pair_->Pause().ok());
  const absl::Time start = absl::Now();
  auto replies = Write(*writer, {{"SET", "omnigate:nowait", "1"}});
  EXPECT_TRUE(replies.ok()) << replies.status();
  EXPECT_LT(absl::Now() - start, kWaitTimeout);
  EXPECT_EQ(observer.confirmed_.load() + observer.unconfirmed_.load(), 0);
}

TEST_F(ReplicaWaitTest, WriterConfirmsScriptsRetriedAfterNoscript) {
  CountingObserver observer;
  auto writer = Writer(1, &observer);
  ASSERT_EQ(*pair_->master().Cli({"SCRIPT", "FLUSH"}), "OK");
  const std::string sha = redis::RedisPipelineWriter::ScriptSha(kSetScript);
  auto replies = Write(*writer, {{"EVALSHA", sha, "1", "omnigate:script", "v"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ((*replies)[0].integer(), 1);
  EXPECT_EQ(OnReplica("omnigate:script"), "v");

  ASSERT_TRUE(pair_->Pause().ok());
  ASSERT_EQ(*pair_->master().Cli({"SCRIPT", "FLUSH"}), "OK");
  replies = Write(*writer, {{"EVALSHA", sha, "1", "omnigate:script", "w"}});
  EXPECT_TRUE(absl::IsUnavailable(replies.status())) << replies.status();
}

// A retry that only finds its duplicate writes nothing on its own
// connection; its WAIT must still cover the original write, made earlier on
// another connection.
TEST_F(ReplicaWaitTest, WriterDuplicateWaitsForTheOriginalWriteOfAnotherConnection) {
  auto writer = Writer(1, nullptr);
  const std::string sha = redis::RedisPipelineWriter::ScriptSha(kSetNxScript);
  ASSERT_TRUE(Write(*writer, {{"SET", "omnigate:warm", "1"}}).ok());  // replicated
  ASSERT_TRUE(pair_->Pause().ok());
  ASSERT_EQ(*pair_->master().Cli({"SET", "omnigate:dedupe:1", "first"}), "OK");
  auto replies = Write(*writer, {{"EVALSHA", sha, "1", "omnigate:dedupe:1", "retry"}});
  EXPECT_TRUE(absl::IsUnavailable(replies.status())) << replies.status();
  ASSERT_TRUE(pair_->Resume().ok());
  replies = Write(*writer, {{"EVALSHA", sha, "1", "omnigate:dedupe:1", "retry"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  EXPECT_EQ((*replies)[0].integer(), 0);  // a duplicate, now safely on the replica
  EXPECT_EQ(OnReplica("omnigate:dedupe:1"), "first");
}

TEST_F(ReplicaWaitTest, PoolDuplicateWaitsForTheOriginalWriteOfAnotherConnection) {
  auto pool = Pool(1);
  const redis::RedisScript script(kSetNxScript);
  ASSERT_TRUE(pool->Run({"SET", "omnigate:warm", "1"}).ok());  // an older, replicated connection
  ASSERT_TRUE(pair_->Pause().ok());
  ASSERT_EQ(*pair_->master().Cli({"SET", "omnigate:dedupe:2", "first"}), "OK");
  auto dup = pool->Eval(script, {"omnigate:dedupe:2"}, {"retry"});
  EXPECT_TRUE(absl::IsUnavailable(dup.status())) << dup.status();
  ASSERT_TRUE(pair_->Resume().ok());
  dup = pool->Eval(script, {"omnigate:dedupe:2"}, {"retry"});
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_EQ(dup->integer(), 0);
  EXPECT_EQ(OnReplica("omnigate:dedupe:2"), "first");
}

TEST_F(ReplicaWaitTest, PoolWritesWaitAndReadsDoNot) {
  auto pool = Pool(1);
  const redis::RedisScript script(kSetScript);
  auto set = pool->Run({"SET", "omnigate:p:run", "1"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->str(), "OK");
  auto piped = pool->RunPipeline({{"SET", "omnigate:p:pipe", "2"}, {"GET", "omnigate:p:pipe"}});
  ASSERT_TRUE(piped.ok()) << piped.status();
  ASSERT_EQ(piped->size(), 2u);
  EXPECT_EQ((*piped)[1].str(), "2");
  auto evaluated = pool->Eval(script, {"omnigate:p:eval"}, {"3"});
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();
  EXPECT_EQ(OnReplica("omnigate:p:run"), "1");
  EXPECT_EQ(OnReplica("omnigate:p:pipe"), "2");
  EXPECT_EQ(OnReplica("omnigate:p:eval"), "3");

  ASSERT_TRUE(pair_->Pause().ok());
  auto expect_unavailable = [](const absl::Status& status, absl::Duration took) {
    EXPECT_TRUE(absl::IsUnavailable(status)) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("confirmed by 0 of 1 replicas"));
    EXPECT_GE(took, kWaitTimeout - absl::Milliseconds(50));
    EXPECT_LT(took, kAnswerBound);
  };
  absl::Time start = absl::Now();
  auto status = pool->Run({"SET", "omnigate:p:run", "paused"}).status();
  expect_unavailable(status, absl::Now() - start);
  start = absl::Now();
  status = pool->RunPipeline({{"INCR", "omnigate:p:n"}}).status();
  expect_unavailable(status, absl::Now() - start);
  start = absl::Now();
  status = pool->Eval(script, {"omnigate:p:eval"}, {"paused"}).status();
  expect_unavailable(status, absl::Now() - start);
  start = absl::Now();
  status = pool->With([](redis::RedisConnection& conn) {
    return conn.Run({"SET", "omnigate:p:with", "paused"}).status();
  });
  expect_unavailable(status, absl::Now() - start);

  // Reads skip WAIT: answered at once, on the master, while paused.
  start = absl::Now();
  auto read = pool->Run({"GET", "omnigate:p:run"});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->str(), "paused");
  auto reads = pool->RunPipeline({{"GET", "omnigate:p:run"}, {"XLEN", "omnigate:none"}});
  ASSERT_TRUE(reads.ok()) << reads.status();
  EXPECT_TRUE(pool->Ping());
  EXPECT_LT(absl::Now() - start, kWaitTimeout);

  ASSERT_TRUE(pair_->Resume().ok());
  set = pool->Run({"SET", "omnigate:p:run", "resumed"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(OnReplica("omnigate:p:run"), "resumed");
  EXPECT_TRUE(pool->With([](redis::RedisConnection& conn) {
                    return conn.Run({"SET", "omnigate:p:with", "resumed"}).status();
                  })
                  .ok());
  EXPECT_EQ(OnReplica("omnigate:p:with"), "resumed");
}

TEST_F(ReplicaWaitTest, PoolEvalWaitsAfterANoscriptFallback) {
  auto pool = Pool(1);
  const redis::RedisScript script(kSetScript);
  ASSERT_EQ(*pair_->master().Cli({"SCRIPT", "FLUSH"}), "OK");
  auto evaluated = pool->Eval(script, {"omnigate:p:fallback"}, {"1"});
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();
  EXPECT_EQ(evaluated->integer(), 1);
  EXPECT_EQ(OnReplica("omnigate:p:fallback"), "1");
}

TEST_F(ReplicaWaitTest, PoolWithoutWaitIgnoresAPausedReplica) {
  auto pool = Pool(0);
  ASSERT_TRUE(pair_->Pause().ok());
  const absl::Time start = absl::Now();
  EXPECT_TRUE(pool->Run({"SET", "omnigate:p:nowait", "1"}).ok());
  EXPECT_LT(absl::Now() - start, kWaitTimeout);
}

TEST_F(ReplicaWaitTest, AskingForMoreReplicasThanExistFails) {
  auto pool = Pool(2);
  auto set = pool->Run({"SET", "omnigate:p:two", "1"});
  EXPECT_TRUE(absl::IsUnavailable(set.status())) << set.status();
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("confirmed by 1 of 2 replicas"));
}

}  // namespace
}  // namespace omnigate
