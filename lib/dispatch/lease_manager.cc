#include "lib/dispatch/lease_manager.h"

#include <time.h>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/common/stable_hash.h"
#include "lib/dispatch/scripts.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {

LeaseManager::LeaseManager(LeaseOptions options, redis::RedisClient* redis, LeaseListener* listener,
                           DispatchMetrics* metrics, const Clock& wall, SteadyMs steady_ms)
    : options_(std::move(options)),
      redis_(redis),
      wall_(wall),
      steady_ms_(std::move(steady_ms)),
      listener_(listener),
      metrics_(metrics),
      renew_script_(kRenewScript),
      release_script_(kReleaseScript),
      slots_(new Slot[options_.partitions]) {}

LeaseManager::~LeaseManager() { Stop(absl::ZeroDuration()); }

int64_t LeaseManager::MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool LeaseManager::Valid(uint32_t partition) const {
  if (partition >= options_.partitions) return false;
  return slots_[partition].valid_until_ms.load() > steady_ms_();
}

absl::Duration LeaseManager::Remaining(uint32_t partition) const {
  if (partition >= options_.partitions) return absl::ZeroDuration();
  const int64_t left = slots_[partition].valid_until_ms.load() - steady_ms_();
  return left > 0 ? absl::Milliseconds(left) : absl::ZeroDuration();
}

int LeaseManager::owned() const { return owned_.load(); }

void LeaseManager::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LeaseManager::Lose(uint32_t p) {
  Slot& slot = slots_[p];
  slot.valid_until_ms.store(0);
  if (slot.state == State::kOwned) {
    listener_->OnLost(p);
    metrics_->LeaseChange("lost");
    OG_LOG(WARNING) << "lost the lease of partition " << p;
  }
  slot.state = State::kFree;
}

void LeaseManager::LoseExpired() {
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    if (slots_[p].state != State::kFree && !Valid(p)) Lose(p);
  }
}

bool LeaseManager::Renew(uint32_t p, int64_t started_ms) {
  auto reply =
      redis_->Eval(renew_script_, {options_.keys->lease(p)},
                   {options_.instance_id, absl::StrCat(absl::ToInt64Milliseconds(options_.ttl))});
  // Unknown: keep it until the local validity runs out.
  if (!reply.ok() || reply->is_error()) return true;
  if (reply->integer() == 1) {
    const int64_t ttl = absl::ToInt64Milliseconds(options_.ttl);
    slots_[p].valid_until_ms.store(started_ms + ttl - ttl / 10);
    return true;
  }
  return false;
}

void LeaseManager::Release(uint32_t p) {
  auto reply = redis_->Eval(release_script_, {options_.keys->lease(p)}, {options_.instance_id});
  (void)reply;  // if this fails the lease simply expires
  slots_[p].valid_until_ms.store(0);
  slots_[p].state = State::kFree;
  metrics_->LeaseChange("released");
  OG_LOG(INFO) << "released partition " << p;
}

void LeaseManager::RunCycle() {
  const int64_t started = steady_ms_();
  const int64_t ttl_ms = absl::ToInt64Milliseconds(options_.ttl);
  // Heartbeat, forget replicas silent for a ttl, count the live ones. The
  // score is wall time: replicas on different hosts share it.
  const int64_t wall = wall_.NowMs();
  const std::string key(options_.keys->replicas);
  auto replies =
      redis_->RunPipeline({{"ZADD", key, absl::StrCat(wall), options_.instance_id},
                           {"ZREMRANGEBYSCORE", key, "-inf", absl::StrCat("(", wall - ttl_ms)},
                           {"ZCARD", key}});
  bool ok = replies.ok();
  for (size_t i = 0; ok && i < replies->size(); ++i) ok = !(*replies)[i].is_error();
  healthy_.store(ok);
  if (!ok && !options_.renew_without_heartbeat) {
    LoseExpired();
    return;
  }
  const int64_t replicas = ok ? std::max<int64_t>(1, (*replies)[2].integer()) : 1;
  const int target =
      static_cast<int>((options_.partitions + replicas - 1) / static_cast<uint32_t>(replicas));

  int owned = 0;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    Slot& slot = slots_[p];
    if (slot.state == State::kFree) continue;
    if (!Renew(p, started) || !Valid(p)) {
      Lose(p);
      continue;
    }
    if (slot.state == State::kReleasing) {
      if (!listener_->Busy(p)) Release(p);
      continue;
    }
    listener_->EnsureWorking(p);
    ++owned;
  }
  if (!ok) {
    // No replica count to share by: keep what we hold, take nothing.
    owned_.store(owned);
    metrics_->SetOwned(owned);
    return;
  }
  // Give back the excess; the workers wind down and the lease is deleted
  // once they finished (kReleasing), so ownership never overlaps.
  for (uint32_t i = options_.partitions; i-- > 0 && owned > target;) {
    Slot& slot = slots_[i];
    if (slot.state != State::kOwned) continue;
    slot.state = State::kReleasing;
    listener_->OnLost(i);
    --owned;
  }
  // Take free partitions up to the target, starting at an offset of our own
  // so replicas do not all race for partition 0.
  const uint32_t offset =
      static_cast<uint32_t>(StableHash64(options_.instance_id) % options_.partitions);
  for (uint32_t k = 0; k < options_.partitions && owned < target; ++k) {
    const uint32_t p = (offset + k) % options_.partitions;
    Slot& slot = slots_[p];
    if (slot.state != State::kFree || listener_->Busy(p)) continue;
    auto reply = redis_->Run(
        {"SET", options_.keys->lease(p), options_.instance_id, "NX", "PX", absl::StrCat(ttl_ms)});
    if (!reply.ok()) break;
    if (reply->is_null() || reply->is_error()) continue;  // someone else holds it
    slot.state = State::kOwned;
    slot.valid_until_ms.store(started + ttl_ms - ttl_ms / 10);
    ++owned;
    metrics_->LeaseChange("acquired");
    OG_LOG(INFO) << "acquired partition " << p;
    listener_->OnAcquired(p);
  }
  owned_.store(owned);
  metrics_->SetOwned(owned);
}

void LeaseManager::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
    }
    RunCycle();
    absl::Duration wait = options_.renew;
    if (healthy_.load()) {
      backoff = absl::Milliseconds(100);
    } else {
      // Redis unreachable: retry sooner than a renew period, backing off.
      wait = std::min(backoff, options_.renew);
      backoff = std::min(backoff * 2, options_.renew);
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(wait), [this] { return stop_; });
  }
}

void LeaseManager::Stop(absl::Duration drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  // Wind down every partition, then hand the leases back at once so another
  // replica takes over without waiting for expiry.
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    if (slots_[p].state != State::kFree) listener_->OnLost(p);
  }
  const int64_t deadline = steady_ms_() + absl::ToInt64Milliseconds(drain);
  auto busy = [&] {
    for (uint32_t p = 0; p < options_.partitions; ++p) {
      if (slots_[p].state != State::kFree && listener_->Busy(p)) return true;
    }
    return false;
  };
  while (busy() && steady_ms_() < deadline) absl::SleepFor(absl::Milliseconds(10));
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    if (slots_[p].state == State::kFree) continue;
    // A partition still busy keeps its lease until expiry: its worker may
    // still be finishing a call.
    if (!listener_->Busy(p)) {
      Release(p);
    } else {
      slots_[p].state = State::kFree;
    }
  }
  (void)redis_->Run({"ZREM", std::string(options_.keys->replicas), options_.instance_id});
  owned_.store(0);
}

}  // namespace omnigate::dispatch
