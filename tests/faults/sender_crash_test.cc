// Sender crash loop and drain: two omnigate-sender replicas send replies to a
// fake Telegram API while one of them is kill -9ed every ~1.5-2 s (or stopped
// with SIGTERM once). No reply may be lost or dead-lettered, each
// conversation's replies first reach the provider in the order queued, and
// repeats stay within what the killed replica could have had unacknowledged.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "omnigate/v1/outbound.grpc.pb.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/grpc_health.h"
#include "tests/support/http_client.h"
#include "tools/fake_provider/fake_provider.h"

namespace omnigate::faults {
namespace {

using fakeprovider::FakeProvider;
using fakeprovider::Provider;
using fakeprovider::RecordedRequest;

constexpr int kConversations = 50;
constexpr int kMaxInFlightPerConnector = 64;

std::string ConversationKey(int c) { return absl::StrCat("telegram:tg:", 910000 + c); }

// What reached the provider: per conversation, reply numbers in order of
// first arrival, and how many requests repeated a reply already seen.
struct Received {
  std::map<int, std::vector<int>> first;
  size_t requests = 0;
  size_t distinct = 0;
  size_t duplicates = 0;
  // "c<k> n<i>" of each repeat with the arrival times of all its sends.
  std::map<std::pair<int, int>, std::vector<absl::Time>> arrivals;
  std::string RepeatsSince(absl::Time t0) const {
    std::string out;
    for (const auto& [reply, times] : arrivals) {
      if (times.size() < 2) continue;
      absl::StrAppend(&out, " c", reply.first, " n", reply.second, " at");
      for (absl::Time t : times) absl::StrAppend(&out, " ", absl::FormatDuration(t - t0));
      absl::StrAppend(&out, ";");
    }
    return out;
  }
};

Received Tally(const std::vector<RecordedRequest>& requests) {
  Received out;
  std::set<std::pair<int, int>> seen;
  for (const RecordedRequest& r : requests) {
    const size_t at = r.body.find("\"text\":\"");
    int c = 0, n = 0;
    if (at == std::string::npos || std::sscanf(r.body.c_str() + at + 8, "c%d n%d", &c, &n) != 2)
      continue;
    ++out.requests;
    out.arrivals[{c, n}].push_back(r.arrived);
    if (seen.insert({c, n}).second) {
      out.first[c].push_back(n);
    } else {
      ++out.duplicates;
    }
  }
  out.distinct = seen.size();
  return out;
}

// Every conversation got 1..each, first arrivals in that order.
::testing::AssertionResult AllInOrder(const Received& got, int each) {
  for (int c = 0; c < kConversations; ++c) {
    auto it = got.first.find(c);
    const std::vector<int> empty;
    const std::vector<int>& firsts = it == got.first.end() ? empty : it->second;
    for (int i = 0; i < each; ++i) {
      if (i >= static_cast<int>(firsts.size()) || firsts[i] != i + 1) {
        return ::testing::AssertionFailure()
               << "conversation c" << c << ": first arrivals " << absl::StrJoin(firsts, ",")
               << " (expected 1.." << each << ")";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Time between the log lines holding `from` and `to` (by their ts=), or
// -1 s when either is missing.
absl::Duration LoggedSpan(const std::string& log, const std::string& from, const std::string& to) {
  auto stamp = [&](const std::string& needle) -> std::optional<absl::Time> {
    for (absl::string_view line : absl::StrSplit(log, '\n')) {
      if (!absl::StrContains(line, needle) || !absl::ConsumePrefix(&line, "ts=")) continue;
      absl::Time t;
      std::string error;
      if (absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", line.substr(0, line.find(' ')), &t, &error))
        return t;
    }
    return std::nullopt;
  };
  const auto a = stamp(from), b = stamp(to);
  return a && b ? *b - *a : absl::Seconds(-1);
}

// The sender's non-zero counters and gauges (calls by code, retries,
// buffered and in-flight replies, owned partitions), from its /metrics.
std::string SenderMetrics(testing::ChildProcess& sender) {
  const int port = LoggedNumber(sender.ReadLog(), "metrics_port");
  auto r = testing::HttpRequest(port, "GET", "/metrics", {}, "", absl::Seconds(2));
  if (!r.ok()) return std::string(r.status().message());
  std::string out;
  for (absl::string_view line : absl::StrSplit(r->body, '\n')) {
    if (absl::StartsWith(line, "omnigate_sender_") && !absl::EndsWith(line, " 0") &&
        !absl::StrContains(line, "_bucket") && !absl::StrContains(line, "latency"))
      absl::StrAppend(&out, "\n  ", line);
  }
  return out;
}

// "lost the lease" lines in a sender's log: its leases expired under it
// (a stall), as opposed to being handed back.
int LostLeases(const std::string& log) {
  int n = 0;
  for (size_t at = log.find("lost the lease"); at != std::string::npos;
       at = log.find("lost the lease", at + 1))
    ++n;
  return n;
}

class SenderCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    // Calls take a moment, so a kill finds some in flight.
    fake_->set_default_delay(absl::Milliseconds(2));
    dir_ = testing::MakeTempDir();
  }

  // Telegram limits each chat to 1/s by default, which would stretch 40
  // replies per chat over 40 s: recipient_rate_per_s 0 turns it off.
  void WriteSenderConfig(const std::string& sender_yaml) {
    config_ = dir_ + "/omnigate.yaml";
    const std::string yaml = absl::StrCat(
        "ingest:\n  partitions: ", kPartitions,
        "\nconnectors:\n  - name: tg\n    channel: telegram\n    outbound:\n      api_base_url: ",
        fake_->api_base_url(Provider::kTelegram),
        "\n      token: \"4242:CRASH\"\n      rate_per_s: 5000\n      recipient_rate_per_s: 0\n",
        "sender:\n  max_in_flight_per_connector: ", kMaxInFlightPerConnector, "\n", sender_yaml);
    ASSERT_TRUE(testing::WriteFile(config_, yaml).ok());
  }

  std::unique_ptr<testing::ChildProcess> StartSender(const std::string& id, int grpc_port) {
    auto p = testing::ChildProcess::Spawn(
        {testing::BinaryPath("omnigate-sender"), "--config", config_, "--redis", redis_->url(),
         absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port), "--metrics_addr=127.0.0.1:0",
         "--instance_id", id},
        absl::StrCat(dir_, "/sender-", id, "-", absl::ToUnixMicros(absl::Now()), ".log"));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  // Partitions whose sender lease names `id`.
  int LeasesOf(const std::string& id) {
    int n = 0;
    for (int p = 0; p < kPartitions; ++p)
      n += redis_->Cli({"GET", queue::SenderLeaseKey(p)}).value_or("") == id ? 1 : 0;
    return n;
  }

  // Queues `each` replies to every conversation, round by round ("c<k> n<i>",
  // i from 1), through the replica at `port`. False at the first refusal.
  static bool QueueRounds(int port, int each, absl::Duration pause) {
    auto stub = omnigate::v1::Outbound::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    for (int i = 1; i <= each; ++i) {
      for (int c = 0; c < kConversations; ++c) {
        omnigate::v1::SendRequest request;
        auto* e = request.mutable_event();
        e->set_channel(omnigate::v1::CHANNEL_TELEGRAM);
        e->set_connector("tg");
        e->set_conversation_key(ConversationKey(c));
        e->mutable_sender()->set_role(omnigate::v1::ROLE_AGENT);
        e->mutable_sender()->set_id("agent-1");
        e->mutable_recipient()->set_id(absl::StrCat(910000 + c));
        e->mutable_text()->set_body(absl::StrCat("c", c, " n", i));
        omnigate::v1::SendResponse response;
        grpc::ClientContext ctx;
        ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
        const grpc::Status s = stub->Send(&ctx, request, &response);
        if (!s.ok()) {
          ADD_FAILURE() << "Send c" << c << " n" << i << ": " << s.error_message();
          return false;
        }
      }
      absl::SleepFor(pause);
    }
    return true;
  }

  // Every reply reached the provider and every outbound entry was
  // acknowledged.
  bool WaitDelivered(size_t total, absl::Duration timeout) {
    return WaitFor([&] { return Tally(fake_->requests()).distinct >= total; }, timeout,
                   absl::Milliseconds(100)) &&
           WaitFor(
               [&] {
                 for (int p = 0; p < kPartitions; ++p) {
                   // The summary's first line is the count.
                   const std::string pending =
                       redis_->Cli({"XPENDING", queue::OutboundStreamKey(p), "sender"})
                           .value_or("?");
                   if (pending.substr(0, pending.find('\n')) != "0") return false;
                 }
                 return true;
               },
               timeout);
  }

  // What is left when replies stay undelivered: the first missing reply of
  // each stuck conversation, lease owners, and each partition's pending
  // summary, consumers and group state.
  std::string Diagnose(int each) {
    // redis-cli prints one value per line: one line per command here.
    auto cli = [&](const std::vector<std::string>& args) {
      return absl::StrReplaceAll(redis_->Cli(args).value_or("?"), {{"\n", " "}});
    };
    const Received got = Tally(fake_->requests());
    std::string out = absl::StrCat(got.distinct, " distinct replies arrived; missing:");
    for (int c = 0; c < kConversations; ++c) {
      const auto it = got.first.find(c);
      const int have = it == got.first.end() ? 0 : static_cast<int>(it->second.size());
      if (have < each)
        absl::StrAppend(&out, " c", c, " n", have + 1, " (p",
                        queue::PartitionOf(ConversationKey(c), kPartitions), ")");
    }
    for (int p = 0; p < kPartitions; ++p) {
      const std::string stream = queue::OutboundStreamKey(p);
      absl::StrAppend(&out, "\np", p, " lease=", cli({"GET", queue::SenderLeaseKey(p)}),
                      " xlen=", cli({"XLEN", stream}),
                      "\n  pending: ", cli({"XPENDING", stream, "sender"}),
                      "\n  groups: ", cli({"XINFO", "GROUPS", stream}),
                      "\n  consumers: ", cli({"XINFO", "CONSUMERS", stream, "sender"}));
    }
    return out;
  }

  // Dead letters over all outbound partitions.
  int DeadLetters() {
    int total = 0;
    for (int p = 0; p < kPartitions; ++p) {
      int n = 0;
      const std::string v = redis_->Cli({"XLEN", queue::OutboundDeadLetterKey(p)}).value_or("");
      EXPECT_TRUE(absl::SimpleAtoi(v, &n)) << v;
      total += n;
    }
    return total;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<FakeProvider> fake_;
  std::string dir_;
  std::string config_;
};

TEST_F(SenderCrashTest, KillNineDuringTwoThousandRepliesLosesNoneAndKeepsOrder) {
  WriteSenderConfig(
      "  lease_ttl: 1s\n  lease_renew: 250ms\n  send_timeout: 1s\n  drain_timeout: 3s\n"
      "  backoff_initial: 20ms\n  backoff_max: 200ms\n  max_attempts: 100\n");
  const int survivor_port = testing::PickFreePort();
  auto survivor = StartSender("survivor", survivor_port);
  ASSERT_NE(survivor, nullptr);
  ASSERT_TRUE(testing::WaitForHealth(survivor_port, /*SERVING=*/1, absl::Seconds(15)))
      << survivor->ReadLog();
  auto victim = StartSender("victim", 0);
  ASSERT_NE(victim, nullptr);
  ASSERT_TRUE(WaitFor([&] { return LeasesOf("victim") > 0; }, absl::Seconds(10)));

  // 50 x 40 = 2 000 replies over about 8 s (50 x 300 over ~60 s long form).
  const int each = ScaledCount(40, 300);
  const size_t total = static_cast<size_t>(kConversations) * each;
  std::atomic<bool> queued{false};
  const absl::Time started = absl::Now();
  std::thread producer([&] {
    EXPECT_TRUE(QueueRounds(survivor_port, each, absl::Milliseconds(150)));
    queued.store(true);
  });
  int kills = 0, kills_owning = 0;
  // 1.5, 1.75, 2 s, ...: kills land at different phases of lease hand-over.
  while (!queued.load() && kills < 60) {
    absl::SleepFor(absl::Milliseconds(1500 + 250 * (kills % 3)));
    kills_owning += LeasesOf("victim") > 0 ? 1 : 0;
    ASSERT_EQ(victim->Signal(SIGKILL, absl::Seconds(5)).value_or(-1), 128 + SIGKILL);
    ++kills;
    victim = StartSender("victim", 0);
    ASSERT_NE(victim, nullptr);
  }
  producer.join();
  ASSERT_TRUE(WaitDelivered(total, absl::Seconds(60)))
      << Diagnose(each) << "\nlogs in " << dir_ << "\nsurvivor metrics:" << SenderMetrics(*survivor)
      << "\nvictim metrics:" << SenderMetrics(*victim);
  const absl::Duration took = absl::Now() - started;

  const Received got = Tally(fake_->requests());
  EXPECT_EQ(got.distinct, total) << "lost";
  EXPECT_TRUE(AllInOrder(got, each));
  const int dead = DeadLetters();
  EXPECT_EQ(dead, 0);
  EXPECT_GE(kills, 3);
  EXPECT_GE(kills_owning, 2) << "the victim rarely owned a partition when killed";
  // A worker sends reply n+1 of a conversation only after n's call ended, and
  // writes n's XACK before dispatching anything further, so at any moment a
  // replica holds at most one sent-but-unacknowledged reply per conversation
  // (and at most max_in_flight_per_connector calls). Only the killed replica
  // leaves such replies to be sent again, hence the bound per kill (a stall
  // of the survivor past its lease could add as many once more).
  const size_t per_kill = std::min(kConversations, kMaxInFlightPerConnector);
  EXPECT_LE(got.duplicates, static_cast<size_t>(kills) * per_kill)
      << "relative to the start:" << got.RepeatsSince(started);
  Report(
      "sender kill -9 every 1.5-2 s (1 of 2)",
      absl::StrCat(kills, " kills (", kills_owning, " while owning partitions), ", total,
                   " replies in ", absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(100))),
                   ", ", total - got.distinct, " lost, order kept, ", got.duplicates,
                   " sent twice (bound ", kills * per_kill, "), ", dead, " dead letters"));
  EXPECT_EQ(survivor->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

TEST_F(SenderCrashTest, SigtermDrainsWithoutRepeats) {
  // A graceful stop hands its leases back explicitly, so their ttl plays no
  // part here: a long one (and a send_timeout of 3 s) keeps a scheduling
  // stall of the remaining replica on a busy machine from expiring its
  // leases or its calls, which would repeat replies for a reason other than
  // the drain (seen once with lease_ttl 2s under a load of 7 on 2 cores).
  WriteSenderConfig(
      "  lease_ttl: 10s\n  lease_renew: 250ms\n  send_timeout: 3s\n  drain_timeout: 5s\n"
      "  backoff_initial: 20ms\n  backoff_max: 200ms\n");
  const int stays_port = testing::PickFreePort();
  auto stays = StartSender("stays", stays_port);
  ASSERT_NE(stays, nullptr);
  ASSERT_TRUE(testing::WaitForHealth(stays_port, /*SERVING=*/1, absl::Seconds(15)))
      << stays->ReadLog();
  auto leaves = StartSender("leaves", 0);
  ASSERT_NE(leaves, nullptr);
  ASSERT_TRUE(
      WaitFor([&] { return LeasesOf("leaves") > 0 && LeasesOf("stays") > 0; }, absl::Seconds(20)));

  const int each = ScaledCount(40, 200);
  const size_t total = static_cast<size_t>(kConversations) * each;
  std::thread producer(
      [&] { EXPECT_TRUE(QueueRounds(stays_port, each, absl::Milliseconds(100))); });
  ASSERT_TRUE(WaitFor([&] { return Tally(fake_->requests()).distinct >= total / 3; },
                      absl::Seconds(30), absl::Milliseconds(50)));
  const absl::Time signalled = absl::Now();
  auto status = leaves->Signal(SIGTERM, absl::Seconds(10));
  const absl::Duration exited_after = absl::Now() - signalled;
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, 0) << leaves->ReadLog();
  EXPECT_LT(exited_after, absl::Seconds(5)) << "drain_timeout is 5 s";
  // The drain itself, from the sender's log; the rest of the exit is the
  // metrics listener's stop (civetweb's mg_stop waits out its poll).
  const absl::Duration drained = LoggedSpan(leaves->ReadLog(), "draining", "\"stopped\"");
  producer.join();
  ASSERT_TRUE(WaitDelivered(total, absl::Seconds(30))) << Diagnose(each) << "\nlogs in " << dir_;

  // A graceful stop finishes its calls and acknowledges them: nothing is
  // sent twice, and the leases were handed back at once.
  const Received got = Tally(fake_->requests());
  EXPECT_EQ(got.distinct, total);
  EXPECT_EQ(got.duplicates, 0u) << "relative to SIGTERM:" << got.RepeatsSince(signalled)
                                << "; logs in " << dir_
                                << "; leases lost by stays: " << LostLeases(stays->ReadLog());
  EXPECT_TRUE(AllInOrder(got, each));
  EXPECT_EQ(DeadLetters(), 0);
  EXPECT_EQ(LeasesOf("stays"), kPartitions);
  Report("sender SIGTERM under load (1 of 2)",
         absl::StrCat("exit ", *status, " after ",
                      absl::FormatDuration(absl::Trunc(exited_after, absl::Milliseconds(10))),
                      " (drained in ", absl::FormatDuration(drained), "), ", total, " replies, ",
                      total - got.distinct, " lost, order kept, ", got.duplicates, " sent twice"));
  EXPECT_EQ(stays->Signal(SIGTERM, absl::Seconds(10)).value_or(-1), 0);
}

}  // namespace
}  // namespace omnigate::faults
