// Duplicate storm (redelivered webhooks at random delays must be stored
// once) and drain (SIGTERM under load: readiness drops at once, requests in
// flight complete, exit within 5 s).

#include <signal.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/faults/fault_harness.h"
#include "tests/support/http_client.h"

namespace omnigate::faults {
namespace {

TEST(DuplicateStormTest, RedeliveredWebhooksAreStoredOnce) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string dir = testing::MakeTempDir();
  IngestProcess ingest(WriteConfig(dir, "127.0.0.1:1", "127.0.0.1:2", ""), (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));

  const int unique = ScaledCount(800, 20000);
  std::atomic<int> sent{0}, redeliveries{0}, non200{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::vector<std::thread> echoes;
      for (int i = t; i < unique; i += 4) {
        const std::string body =
            WhatsAppBody(absl::StrCat("wamid.storm.", i), absl::StrCat("62812", i % 97), "hello");
        if (PostUntilAccepted(ingest.http_port(), body, 20) == 0) ++non200;
        ++sent;
        // 10% are redelivered 1-5 times at random delays, as channels do
        // when an answer is slow or lost.
        if (rng() % 10 == 0) {
          const int times = 1 + static_cast<int>(rng() % 5);
          const int delay_ms = static_cast<int>(rng() % 200);
          echoes.emplace_back([&, body, times, delay_ms] {
            for (int k = 0; k < times; ++k) {
              absl::SleepFor(absl::Milliseconds(delay_ms * (k + 1) / times));
              if (PostUntilAccepted(ingest.http_port(), body, 20) == 0) ++non200;
              ++redeliveries;
            }
          });
        }
      }
      for (auto& e : echoes) e.join();
    });
  }
  for (auto& t : threads) t.join();
  const auto stored = StoredExternalIds((*redis)->url());
  size_t doubled = 0;
  for (const auto& [id, n] : stored) doubled += n > 1 ? 1 : 0;
  EXPECT_EQ(non200.load(), 0);
  EXPECT_EQ(stored.size(), static_cast<size_t>(unique));
  EXPECT_EQ(doubled, 0u);
  EXPECT_GT(redeliveries.load(), unique / 20);
  Report("duplicate storm",
         absl::StrCat(unique, " unique webhooks, ", redeliveries.load(),
                      " redeliveries (10% of messages, 1-5 times, 0-200 ms apart), ", stored.size(),
                      " stored, ", doubled, " duplicates"));
}

TEST(DrainTest, SigtermUnderLoadDropsReadinessFinishesInFlightAndExitsInTime) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string dir = testing::MakeTempDir();
  IngestProcess ingest(WriteConfig(dir, "127.0.0.1:1", "127.0.0.1:2",
                                   "  drain_delay: 1s\n  drain_timeout: 3s\n"),  // under ingest:
                       (*redis)->url(), dir);
  ASSERT_TRUE(ingest.Start());
  ASSERT_TRUE(ingest.WaitReady(absl::Seconds(10)));

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string wamid = absl::StrCat("wamid.drain.", t, ".", i);
        const std::string body = WhatsAppBody(wamid, "6281300", "x");
        auto r = testing::HttpRequest(
            ingest.http_port(), "POST", "/webhooks/wa-main",
            {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", MetaSignature(body)}},
            body, absl::Seconds(3));
        if (!r.ok()) {
          ++refused;  // listener closed: a client retries on another replica
          absl::SleepFor(absl::Milliseconds(5));
        } else if (r->status == 200) {
          ++ok;
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(wamid);
        } else {
          ++other;
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(800));
  const int ok_before = ok.load();
  const absl::Time signalled = absl::Now();
  ASSERT_EQ(kill(ingest.process()->pid(), SIGTERM), 0);
  // Readiness drops at once (well inside the 1 s drain delay).
  ASSERT_TRUE(WaitFor([&] { return !ingest.Ready(); }, absl::Milliseconds(500)));
  const absl::Duration not_ready_after = absl::Now() - signalled;
  auto status = ingest.process()->Signal(0, absl::Seconds(6));  // waits for the exit
  const absl::Duration exited_after = absl::Now() - signalled;
  stop.store(true);
  for (auto& c : clients) c.join();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, 0);
  EXPECT_LT(exited_after, absl::Seconds(5));
  EXPECT_EQ(other.load(), 0);  // no 5xx or resets with a status: only 200 or connection refused
  EXPECT_GT(ok.load(), ok_before);  // still served during the drain delay
  const auto stored = StoredExternalIds((*redis)->url());
  size_t missing = 0;
  for (const auto& id : acknowledged) missing += stored.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u);
  Report("ingest SIGTERM under load",
         absl::StrCat("not ready after ", absl::FormatDuration(not_ready_after), ", exit 0 after ",
                      absl::FormatDuration(exited_after), " (drain_delay 1s), ", ok.load(),
                      " answered 200 (", missing, " of them lost), ", other.load(), " errors, ",
                      refused.load(), " refused connections after close"));
}

}  // namespace
}  // namespace omnigate::faults
