#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/dispatch/dispatch_metrics.h"
#include "lib/queue/keys.h"
#include "lib/redis/redis_client.h"
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
  // Called after every successful renewal of an owned partition: work that
  // ended on its own must start again. (A worker stops when the lease's
  // local validity runs out; a renewal answered late, after a failover, can
  // still extend the lease, and then nobody would work on it.)
  virtual void EnsureWorking(uint32_t partition) { (void)partition; }
};

struct LeaseOptions {
  uint32_t partitions = 16;
  std::string instance_id;
  absl::Duration ttl = absl::Seconds(10);
  absl::Duration renew = absl::Seconds(3);
  // Lease keys and the replica heartbeat set (the dispatcher's or the
  // sender's).
  const queue::ConsumerKeys* keys = &queue::kDispatcherKeys;
  // Keep renewing owned leases when the heartbeat fails (nothing is taken
  // or given back then). For a Redis Cluster, where the heartbeat set lives
  // on one master and the leases on all of them: that master's failover must
  // not cost the partitions served by the others. Off for one Redis, where a
  // failed heartbeat means every renewal would fail too.
  bool renew_without_heartbeat = false;
};

// Shares the partitions among live replicas (dispatchers, or senders: the
// keys are options.keys) through Redis leases: omnigate:lease:{p} = instance id, SET NX PX ttl,
// renewed every `renew` only by its holder (script), released by its holder on rebalance or stop.
// Replicas heartbeat into omnigate:dispatchers; each aims at
// ceil(partitions / live replicas) and releases the excess, so a new replica
// gets its share within a few renew periods and a dead one's partitions are
// taken over once its leases expire.
//
// Safety: a partition counts as owned locally only until
// (last successful renew start + ttl - ttl/10) on a steady clock; a replica
// cut off from Redis stops its workers before anyone else can acquire the
// lease.
class LeaseManager {
 public:
  // Milliseconds on a clock that never jumps (CLOCK_MONOTONIC by default).
  using SteadyMs = std::function<int64_t()>;
  static int64_t MonotonicMs();

  // Talks to Redis through `redis` (outlives the manager). `wall` stamps the
  // heartbeats replicas on different hosts compare; `steady_ms` times the
  // local validity of leases.
  LeaseManager(LeaseOptions options, redis::RedisClient* redis, LeaseListener* listener,
               DispatchMetrics* metrics, const Clock& wall = SystemClock::Get(),
               SteadyMs steady_ms = MonotonicMs);
  ~LeaseManager();

  // Runs cycles on a thread of its own, one every `renew`.
  void Start();
  // One cycle now: heartbeat, renew, give back the excess, take free
  // partitions up to this replica's share. For tests that drive the manager
  // without Start(); never call it concurrently with the lease thread.
  void RunCycle();
  // Stops workers, waits (up to `drain`) until they wound down, releases
  // every lease and leaves the replica set.
  void Stop(absl::Duration drain);

  // True while this replica may act for `partition`.
  bool Valid(uint32_t partition) const;
  // How long it still may (zero when not): work on the partition must end
  // within it, because another replica may take the lease after it.
  absl::Duration Remaining(uint32_t partition) const;
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
  bool Renew(uint32_t p, int64_t started_ms);
  void Release(uint32_t p);
  void Lose(uint32_t p);
  void LoseExpired();

  const LeaseOptions options_;
  redis::RedisClient* redis_;  // set once, in a constructor
  const Clock& wall_;
  const SteadyMs steady_ms_;
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
};

}  // namespace omnigate::dispatch
