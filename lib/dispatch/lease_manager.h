#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_script.h"

namespace omnigate::dispatch {

// Told when this replica gains or loses a partition. Called from the lease
// thread; must not block for long.
class LeaseListener {
 public:
  virtual ~LeaseListener() = default;
  // Start working on the partition.
  virtual void OnAcquired(uint32_t partition) = 0;
  // Stop working on it (request only; do not wait).
  virtual void OnLost(uint32_t partition) = 0;
  // True while work on the partition is still winding down: the lease is
  // neither re-acquired nor released before that ends.
  virtual bool Busy(uint32_t partition) = 0;
};

struct LeaseOptions {
  uint32_t partitions = 16;
  std::string instance_id;
  absl::Duration ttl = absl::Seconds(10);
  absl::Duration renew = absl::Seconds(3);
};

// Shares the partitions among live dispatcher replicas through Redis leases:
// omnigate:lease:{p} = instance id, SET NX PX ttl, renewed every `renew`
// only by its holder (script), released by its holder on rebalance or stop.
// Replicas heartbeat into omnigate:dispatchers; each aims at
// ceil(partitions / live replicas) and releases the excess, so a new replica
// gets its share within a few renew periods and a dead one's partitions are
// taken over once its leases expire.
//
// Safety: a partition counts as owned locally only until
// (last successful renew start + ttl - ttl/10); a replica cut off from Redis
// stops its workers before anyone else can acquire the lease.
class LeaseManager {
 public:
  LeaseManager(LeaseOptions options, redis::RedisEndpoint endpoint, LeaseListener* listener,
               DispatchMetrics* metrics);
  ~LeaseManager();

  void Start();
  // Stops workers, waits (up to `drain`) until they wound down, releases
  // every lease and leaves the replica set.
  void Stop(absl::Duration drain);

  // True while this replica may act for `partition`.
  bool Valid(uint32_t partition) const;
  int owned() const;
  // True after the last cycle reached Redis.
  bool healthy() const { return healthy_.load(); }

 private:
  enum class State { kFree, kOwned, kReleasing };
  struct Slot {
    State state = State::kFree;
    std::atomic<int64_t> valid_until_ms{0};  // steady-clock ms
  };

  void Run();
  void Cycle(redis::RedisConnection& conn);
  bool Renew(redis::RedisConnection& conn, uint32_t p, int64_t started_ms);
  void Release(redis::RedisConnection& conn, uint32_t p);
  void Lose(uint32_t p);
  static int64_t SteadyMs();

  const LeaseOptions options_;
  const redis::RedisEndpoint endpoint_;
  LeaseListener* const listener_;
  DispatchMetrics* const metrics_;
  const redis::RedisScript renew_script_;
  const redis::RedisScript release_script_;
  std::unique_ptr<Slot[]> slots_;  // lease thread writes state; valid_until read anywhere
  std::atomic<bool> healthy_{false};
  std::atomic<int> owned_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::unique_ptr<redis::RedisConnection> conn_;
};

}  // namespace omnigate::dispatch
