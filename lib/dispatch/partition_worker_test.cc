// PartitionWorker on FakeRedis with a scripted sink: per-conversation order,
// isolation of a refused event, retries, dead letters, acknowledgements,
// reconnects and the lease. No redis-server: the fake's BLOCK waits for real,
// so the reader thread blocks as it does on Redis.

#include "lib/dispatch/partition_worker.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/clock.h"
#include "lib/config/config.h"
#include "lib/queue/keys.h"
#include "lib/redis/fake_redis.h"
#include "lib/routing/router.h"
#include "prometheus/registry.h"

namespace omnigate::dispatch {
namespace {

using omnigate::v1::DeliverRequest;
using omnigate::v1::Event;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr int64_t kStartMs = 1700000000000;
constexpr uint32_t kPartition = 0;
constexpr char kSink[] = "chatbot";
constexpr char kOwner[] = "replica-a";

// An event's place in its conversation travels in sent_at_ms, so the sink can
// tell which one it got.
Event MakeEvent(const std::string& conversation, int seq) {
  Event event;
  event.set_id(absl::StrCat(conversation, "/", seq));
  event.set_conversation_key(conversation);
  event.set_sent_at_ms(seq);
  event.set_received_at_ms(kStartMs);
  return event;
}

std::string Name(const Event& event) { return event.id(); }

// A sink that records every Deliver call and answers with the status a
// script picks, from another thread after a short random delay (so answers
// arrive concurrently and out of order), or inline. It also checks the
// ordering contract as calls arrive: per conversation, nothing is sent while
// a call carrying it is in flight, and an event is sent only after the one
// before it succeeded (or, when gaps are allowed, was dropped: dead-lettered).
class FakeSink final : public SinkClient {
 public:
  using Script = std::function<grpc::Status(const DeliverRequest&)>;

  ~FakeSink() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  void set_script(Script script) { script_ = std::move(script); }
  // What failed answers ask of the worker (a throttle's wait).
  void set_hint(RetryHint hint) { hint_ = hint; }
  void set_async(bool async) { async_ = async; }
  // Every answer takes this long (else a random 0.2-3 ms).
  void set_delay(std::chrono::microseconds delay) { fixed_delay_ = delay; }
  void allow_gaps() { allow_gaps_ = true; }

  void Deliver(std::shared_ptr<const DeliverRequest> request, absl::Duration timeout,
               Done done) override {
    grpc::Status status;
    std::chrono::microseconds delay(0);
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(*request);
      call_times_.push_back(absl::Now());
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
      CheckOrder(*request);
      status = script_ ? script_(*request) : grpc::Status::OK;
      delay = fixed_delay_.count() > 0
                  ? fixed_delay_
                  : std::chrono::microseconds(std::uniform_int_distribution<int>(200, 3000)(rng_));
    }
    auto answer = [this, request, status, hint = hint_, done = std::move(done)] {
      {
        // Recorded before `done`: the worker may send the next event as soon
        // as it learns of this result.
        std::lock_guard<std::mutex> lock(mu_);
        --in_flight_;
        for (const Event& e : request->events()) {
          busy_.erase(e.conversation_key());
          if (status.ok()) delivered_[e.conversation_key()].push_back(e.sent_at_ms());
        }
        if (status.ok()) ok_events_ += request->events_size();
        cv_.notify_all();
      }
      done(status, status.ok() ? RetryHint{} : hint);
    };
    if (!async_) {
      answer();
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([answer = std::move(answer), delay] {
      std::this_thread::sleep_for(delay);
      answer();
    });
  }

  // Waits until `n` events were delivered successfully in all.
  bool WaitDelivered(int n, absl::Duration limit = absl::Seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return ok_events_ >= n; });
  }

  std::vector<DeliverRequest> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<absl::Time> call_times() {
    std::lock_guard<std::mutex> lock(mu_);
    return call_times_;
  }
  // Positions (sent_at_ms) delivered successfully, per conversation, in the
  // order they succeeded.
  std::map<std::string, std::vector<int64_t>> delivered() {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }
  int ok_events() {
    std::lock_guard<std::mutex> lock(mu_);
    return ok_events_;
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_in_flight_;
  }
  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }

 private:
  // mu_ held.
  void CheckOrder(const DeliverRequest& request) {
    std::map<std::string, int64_t> previous;  // in this request
    for (const Event& e : request.events()) {
      const std::string& conv = e.conversation_key();
      const int64_t seq = e.sent_at_ms();
      auto in_request = previous.find(conv);
      if (in_request != previous.end()) {
        if (seq != in_request->second + 1)
          violations_.push_back(absl::StrCat(Name(e), " follows ", in_request->second));
      } else {
        if (!busy_.insert(conv).second)
          violations_.push_back(absl::StrCat(Name(e), " sent while ", conv, " is in flight"));
        const auto& done = delivered_[conv];
        const int64_t last = done.empty() ? 0 : done.back();
        if (allow_gaps_ ? seq <= last : seq != last + 1)
          violations_.push_back(absl::StrCat(Name(e), " sent after ", last, " succeeded"));
      }
      previous[conv] = seq;
    }
  }

  Script script_;
  RetryHint hint_;
  std::chrono::microseconds fixed_delay_{0};
  bool async_ = true;
  bool allow_gaps_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mt19937 rng_{42};
  std::vector<DeliverRequest> calls_;
  std::vector<absl::Time> call_times_;
  std::map<std::string, std::vector<int64_t>> delivered_;
  std::set<std::string> busy_;
  std::vector<std::string> violations_;
  std::vector<std::thread> threads_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  int ok_events_ = 0;
};

class PartitionWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override { SetLeaseHolder(kOwner); }

  void SetLeaseHolder(const std::string& owner) {
    auto reply = redis_.Run({"SET", queue::LeaseKey(kPartition), owner});
    ASSERT_TRUE(reply.ok() && !reply->is_error());
  }

  WorkerOptions Options() {
    WorkerOptions o;
    o.partition = kPartition;
    o.sink = kSink;
    o.consumer = kOwner;
    o.max_attempts = 3;
    o.backoff_initial = absl::Milliseconds(5);
    o.backoff_max = absl::Milliseconds(20);
    o.deliver_timeout = absl::Seconds(1);
    o.batch_events = 10;
    o.read_count = 100;
    // Bounds how long a stop waits for the reader's blocked read.
    o.idle_block = absl::Milliseconds(50);
    return o;
  }

  // The fixture's fakes, with the dispatcher's router.
  WorkerDeps Deps() {
    WorkerDeps deps;
    deps.connect = redis_.Factory();
    deps.router = &router_;
    deps.sink = &sink_;
    deps.limiter = &limiter_;
    deps.metrics = &metrics_;
    deps.clock = &clock_;
    return deps;
  }

  std::unique_ptr<PartitionWorker> Start(WorkerOptions options) {
    WorkerDeps deps = Deps();
    deps.lease_remaining = [this] {
      std::lock_guard<std::mutex> lock(lease_mu_);
      return std::max(absl::ZeroDuration(), lease_end_ - absl::Now());
    };
    auto worker = std::make_unique<PartitionWorker>(std::move(options), std::move(deps));
    worker->Start();
    return worker;
  }
  std::unique_ptr<PartitionWorker> Start() { return Start(Options()); }

  void SetLeaseEnd(absl::Time end) {
    std::lock_guard<std::mutex> lock(lease_mu_);
    lease_end_ = end;
  }

  std::string Add(const std::string& conversation, int seq) {
    auto id = redis_.Run({"XADD", queue::StreamKey(kPartition), "*", "event",
                          MakeEvent(conversation, seq).SerializeAsString()});
    EXPECT_TRUE(id.ok() && id->is_string());
    return id.ok() ? std::string(id->str()) : "";
  }

  // Entries the sink's group read and did not acknowledge.
  int64_t Pending() {
    auto reply = redis_.Run({"XPENDING", queue::StreamKey(kPartition), kSink});
    if (!reply.ok() || !reply->is_array() || reply->element(0) == nullptr) return -1;
    return reply->element(0)->integer;
  }

  // The dead letters, each as its field -> value map.
  std::vector<std::map<std::string, std::string>> DeadLetters() {
    std::vector<std::map<std::string, std::string>> out;
    auto reply = redis_.Run({"XRANGE", queue::DeadLetterKey(kPartition), "-", "+"});
    if (!reply.ok()) return out;
    for (size_t i = 0; i < reply->size(); ++i) {
      const redisReply* fields = reply->element(i)->element[1];
      std::map<std::string, std::string> entry;
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        entry[std::string(redis::ElementStr(fields->element[f]))] =
            std::string(redis::ElementStr(fields->element[f + 1]));
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  static bool WaitUntil(const std::function<bool()>& done,
                        absl::Duration limit = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + limit;
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
    return true;
  }

  FakeClock clock_{kStartMs};
  redis::FakeRedis redis_{clock_};
  routing::Router router_{config::RoutingConfig{}, {kSink}};
  InFlightLimiter limiter_{16};
  prometheus::Registry registry_;
  DispatchMetrics metrics_{registry_, {kSink}};
  // Destroyed after the worker (declared in each test), which joins what it
  // started; the sink's answering threads are joined here.
  FakeSink sink_;
  std::mutex lease_mu_;
  absl::Time lease_end_ = absl::InfiniteFuture();
};

TEST_F(PartitionWorkerTest, KeepsEachConversationInOrderWhileAnswersInterleave) {
  constexpr int kConversations = 20;
  constexpr int kPerConversation = 10;
  // Interleaved in the stream, as traffic of many conversations is.
  for (int seq = 1; seq <= kPerConversation; ++seq) {
    for (int c = 0; c < kConversations; ++c) Add(absl::StrCat("conv-", c), seq);
  }
  // Some calls fail and are retried: order must hold across retries too.
  std::mt19937 rng(7);
  sink_.set_script([&rng](const DeliverRequest&) {
    return std::bernoulli_distribution(0.15)(rng)
               ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "flaky")
               : grpc::Status::OK;
  });
  WorkerOptions options = Options();
  options.max_attempts = 100;  // nothing may be dead-lettered here
  auto worker = Start(options);

  ASSERT_TRUE(sink_.WaitDelivered(kConversations * kPerConversation));
  EXPECT_THAT(sink_.violations(), ::testing::IsEmpty());
  std::vector<int64_t> all_in_order(kPerConversation);
  for (int i = 0; i < kPerConversation; ++i) all_in_order[i] = i + 1;
  const auto delivered = sink_.delivered();
  ASSERT_EQ(delivered.size(), static_cast<size_t>(kConversations));
  for (const auto& [conv, seqs] : delivered) {
    EXPECT_THAT(seqs, ElementsAreArray(all_in_order)) << conv;
  }
  // Several calls were in flight at once, several conversations per call.
  EXPECT_GT(sink_.max_in_flight(), 1);
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  EXPECT_THAT(DeadLetters(), ::testing::IsEmpty());
}

TEST_F(PartitionWorkerTest, IsolatesAPoisonEventDeadLettersItAndContinues) {
  for (int seq = 1; seq <= 5; ++seq) Add("c", seq);
  for (int seq = 1; seq <= 3; ++seq) Add("d", seq);
  const std::string poison = MakeEvent("c", 3).id();
  sink_.allow_gaps();
  sink_.set_script([poison](const DeliverRequest& request) {
    for (const Event& e : request.events()) {
      if (e.id() == poison) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad event");
    }
    return grpc::Status::OK;
  });
  auto worker = Start();

  ASSERT_TRUE(sink_.WaitDelivered(7));
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  EXPECT_THAT(sink_.violations(), ::testing::IsEmpty());
  auto delivered = sink_.delivered();
  EXPECT_THAT(delivered["c"], ElementsAre(1, 2, 4, 5));
  EXPECT_THAT(delivered["d"], ElementsAre(1, 2, 3));

  // The poison event was sent alone before it was given up, and the one
  // after it only once it was.
  const auto calls = sink_.calls();
  int alone_poison = -1, alone_next = -1;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].events_size() != 1) continue;
    if (calls[i].events(0).id() == poison) alone_poison = static_cast<int>(i);
    if (calls[i].events(0).id() == MakeEvent("c", 4).id() && alone_next < 0)
      alone_next = static_cast<int>(i);
  }
  EXPECT_GE(alone_poison, 0);
  EXPECT_GT(alone_next, alone_poison);

  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  Event event;
  ASSERT_TRUE(event.ParseFromString(dead[0].at("event")));
  EXPECT_EQ(event.id(), poison);
  EXPECT_EQ(dead[0].at("sink"), kSink);
  EXPECT_EQ(dead[0].at("code"), absl::StrCat(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)));
  EXPECT_EQ(dead[0].at("conversation_key"), "c");
  // Stamped by the injected clock.
  EXPECT_EQ(dead[0].at("dead_at_ms"), absl::StrCat(kStartMs));
}

TEST_F(PartitionWorkerTest, RetriesUnavailableWithAttemptNumbers) {
  Add("c", 1);
  std::atomic<int> failures{2};
  sink_.set_script([&failures](const DeliverRequest&) {
    return failures.fetch_sub(1) > 0 ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting")
                                     : grpc::Status::OK;
  });
  auto worker = Start();

  ASSERT_TRUE(sink_.WaitDelivered(1));
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  const auto calls = sink_.calls();
  std::vector<uint32_t> attempts;
  for (const auto& call : calls) {
    ASSERT_EQ(call.events_size(), 1);
    EXPECT_EQ(call.events(0).id(), MakeEvent("c", 1).id());
    EXPECT_EQ(call.partition(), kPartition);
    EXPECT_EQ(call.sink(), kSink);
    attempts.push_back(call.attempt());
  }
  EXPECT_THAT(attempts, ElementsAre(1, 2, 3));
  EXPECT_EQ(sink_.ok_events(), 1);
  EXPECT_THAT(sink_.delivered()["c"], ElementsAre(1));
  EXPECT_THAT(DeadLetters(), ::testing::IsEmpty());
}

TEST_F(PartitionWorkerTest, DeadLettersAfterMaxAttemptsAndDeliversTheNext) {
  Add("c", 1);
  Add("c", 2);
  const std::string doomed = MakeEvent("c", 1).id();
  sink_.allow_gaps();
  sink_.set_script([doomed](const DeliverRequest& request) {
    return request.events(0).id() == doomed
               ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "always down for this one")
               : grpc::Status::OK;
  });
  auto worker = Start();  // max_attempts 3

  ASSERT_TRUE(sink_.WaitDelivered(1));
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  EXPECT_THAT(sink_.violations(), ::testing::IsEmpty());
  EXPECT_THAT(sink_.delivered()["c"], ElementsAre(2));
  int carrying_doomed = 0;
  for (const auto& call : sink_.calls()) {
    if (call.events(0).id() == doomed) ++carrying_doomed;
  }
  EXPECT_EQ(carrying_doomed, 3);
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].at("code"), absl::StrCat(static_cast<int>(grpc::StatusCode::UNAVAILABLE)));
  EXPECT_EQ(dead[0].at("attempts"), "3");
  EXPECT_EQ(dead[0].at("sink"), kSink);
}

// The sender's use: the outbound keys, no router, and throttles that wait
// what the provider asked without spending the reply's attempts.
TEST_F(PartitionWorkerTest, ThrottleHintsWaitAndDoNotCountAttempts) {
  ASSERT_TRUE(redis_.Run({"SET", queue::SenderLeaseKey(kPartition), kOwner}).ok());
  ASSERT_TRUE(redis_
                  .Run({"XADD", queue::OutboundStreamKey(kPartition), "*", "event",
                        MakeEvent("c", 1).SerializeAsString()})
                  .ok());
  std::atomic<int> throttles{5};
  sink_.set_script([&throttles](const DeliverRequest&) {
    return throttles.fetch_sub(1) > 0
               ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "429 Too Many Requests")
               : grpc::Status::OK;
  });
  constexpr absl::Duration kWait = absl::Milliseconds(30);
  sink_.set_hint(RetryHint{kWait, /*counts=*/false});
  WorkerOptions options = Options();  // max_attempts 3 < 6 calls
  options.keys = &queue::kSenderKeys;
  WorkerDeps deps = Deps();
  deps.router = nullptr;  // every entry is the sender's
  auto worker = std::make_unique<PartitionWorker>(std::move(options), std::move(deps));
  worker->Start();

  ASSERT_TRUE(sink_.WaitDelivered(1));
  const auto times = sink_.call_times();
  ASSERT_EQ(times.size(), 6u);
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], kWait) << "call " << i << " came before the wait ended";
  }
  // Every call was a first attempt as far as the budget goes.
  for (const auto& call : sink_.calls()) EXPECT_EQ(call.attempt(), 1u);
  EXPECT_TRUE(WaitUntil([&] {
    auto reply = redis_.Run({"XPENDING", queue::OutboundStreamKey(kPartition), kSink});
    return reply.ok() && reply->is_array() && reply->element(0)->integer == 0;
  }));
  auto dead = redis_.Run({"XLEN", queue::OutboundDeadLetterKey(kPartition)});
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->integer(), 0);
}

// Ingest stamps a receipt's entry with the reply it is about; the sink sees
// it in Status.outbound_event_id.
TEST_F(PartitionWorkerTest, ReceiptsCarryTheReplyTheyAreAbout) {
  Event receipt = MakeEvent("c", 1);
  receipt.mutable_status()->set_state(omnigate::v1::Status::STATE_DELIVERED);
  receipt.mutable_status()->set_target_external_id("wamid.OUT");
  ASSERT_TRUE(redis_
                  .Run({"XADD", queue::StreamKey(kPartition), "*", "event",
                        receipt.SerializeAsString(), "outbound_event_id", "reply-42"})
                  .ok());
  auto worker = Start();
  ASSERT_TRUE(sink_.WaitDelivered(1));
  const auto calls = sink_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].events(0).status().outbound_event_id(), "reply-42");
}

// More ready conversations than permits: the worker sleeps until a call
// completes instead of spinning (it once looped at full CPU until then).
TEST_F(PartitionWorkerTest, WaitsForAPermitWithoutSpinning) {
  InFlightLimiter one{1};
  sink_.set_delay(std::chrono::milliseconds(100));
  for (int c = 0; c < 20; ++c) Add(absl::StrCat("c", c), 1);
  WorkerDeps deps = Deps();
  deps.limiter = &one;
  WorkerOptions options = Options();
  options.batch_events = 1;  // one conversation per call, as the sender
  auto worker = std::make_unique<PartitionWorker>(std::move(options), std::move(deps));
  worker->Start();
  ASSERT_TRUE(sink_.WaitDelivered(1));
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  const absl::Time start = absl::Now();
  ASSERT_TRUE(sink_.WaitDelivered(6));  // five calls of 100 ms, one at a time
  const absl::Duration wall = absl::Now() - start;
  getrusage(RUSAGE_SELF, &after);
  auto cpu = [](const struct rusage& r) {
    return absl::DurationFromTimeval(r.ru_utime) + absl::DurationFromTimeval(r.ru_stime);
  };
  // A spinning worker burns the whole wall time on one core.
  EXPECT_LT(cpu(after) - cpu(before), wall / 4) << "wall " << wall;
  EXPECT_LE(sink_.max_in_flight(), 1);
  worker->RequestStop();
  worker->Join();
}

TEST_F(PartitionWorkerTest, AcknowledgesDeliveredEntries) {
  sink_.set_async(false);  // answered inline, on the worker's thread
  auto worker = Start();
  for (int seq = 1; seq <= 5; ++seq) Add("c", seq);
  ASSERT_TRUE(sink_.WaitDelivered(5));
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  // Read by the group: nothing left for it to take.
  auto group = redis_.Run({"XINFO", "GROUPS", queue::StreamKey(kPartition)});
  ASSERT_TRUE(group.ok() && group->size() == 1);
  const redisReply* info = group->element(0);
  for (size_t i = 0; i + 1 < info->elements; i += 2) {
    if (redis::ElementStr(info->element[i]) == "lag") {
      EXPECT_EQ(info->element[i + 1]->integer, 0);
    }
  }
  EXPECT_THAT(sink_.delivered()["c"], ElementsAre(1, 2, 3, 4, 5));
}

TEST_F(PartitionWorkerTest, ReconnectsAfterConnectionsBreak) {
  auto worker = Start();
  for (int seq = 1; seq <= 3; ++seq) Add("c", seq);
  ASSERT_TRUE(sink_.WaitDelivered(3));
  const int connects = redis_.connects();
  redis_.BreakConnections();
  for (int seq = 4; seq <= 6; ++seq) Add("c", seq);
  ASSERT_TRUE(sink_.WaitDelivered(6));
  EXPECT_TRUE(WaitUntil([&] { return Pending() == 0; })) << Pending();
  EXPECT_GT(redis_.connects(), connects);
  EXPECT_THAT(sink_.violations(), ::testing::IsEmpty());
  EXPECT_THAT(sink_.delivered()["c"], ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST_F(PartitionWorkerTest, StopsWhenTheLeaseRunsOut) {
  SetLeaseEnd(absl::Now() + absl::Milliseconds(300));
  auto worker = Start();
  Add("c", 1);
  ASSERT_TRUE(sink_.WaitDelivered(1));
  // The worker wakes for the lease's end on its own.
  ASSERT_TRUE(WaitUntil([&] { return worker->finished(); }, absl::Seconds(2)));
  Add("c", 2);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(sink_.calls().size(), 1u);
  EXPECT_EQ(Pending(), 0);  // the new entry was not even read
  worker.reset();
  EXPECT_EQ(sink_.calls().size(), 1u);
}

TEST_F(PartitionWorkerTest, ReadsNothingWhileTheLeaseNamesAnotherOwner) {
  SetLeaseHolder("replica-b");
  for (int seq = 1; seq <= 3; ++seq) Add("c", seq);
  auto worker = Start();
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_THAT(sink_.calls(), ::testing::IsEmpty());
  EXPECT_EQ(Pending(), 0);
  // The group exists (set-up is not fenced) but took nothing.
  auto group = redis_.Run({"XINFO", "GROUPS", queue::StreamKey(kPartition)});
  ASSERT_TRUE(group.ok());
  if (group->size() == 1) {
    const redisReply* info = group->element(0);
    for (size_t i = 0; i + 1 < info->elements; i += 2) {
      if (redis::ElementStr(info->element[i]) == "last-delivered-id") {
        EXPECT_EQ(redis::ElementStr(info->element[i + 1]), "0-0");
      }
    }
  }
  const absl::Time stop = absl::Now();
  worker.reset();
  EXPECT_LT(absl::Now() - stop, absl::Milliseconds(500));
}

}  // namespace
}  // namespace omnigate::dispatch
