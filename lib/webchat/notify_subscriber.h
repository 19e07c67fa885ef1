#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/redis_url.h"

namespace omnigate::webchat {

// Where to subscribe, asked again at every (re)connect.
using SubscribeEndpoint = std::function<absl::StatusOr<redis::RedisEndpoint>()>;

// Always `endpoint` (one Redis).
SubscribeEndpoint FixedSubscribeEndpoint(redis::RedisEndpoint endpoint);

// Any node of a Redis Cluster will do (PUBLISH reaches every node): the one
// serving `channel`'s slot per a freshly loaded map, with the credentials
// of `seed`. `cluster` outlives the function.
SubscribeEndpoint ClusterSubscribeEndpoint(redis::ClusterClient* cluster, redis::RedisEndpoint seed,
                                           std::string channel);

// Listens to one Redis pub/sub channel on its own connection and hands each
// message to `on_message`. After a lost connection it reconnects and calls
// `on_gap` (messages may have been missed meanwhile). Runs until destroyed.
class NotifySubscriber {
 public:
  NotifySubscriber(SubscribeEndpoint endpoint, std::string channel,
                   std::function<void(const std::string&)> on_message,
                   std::function<void()> on_gap);
  ~NotifySubscriber();

  NotifySubscriber(const NotifySubscriber&) = delete;
  NotifySubscriber& operator=(const NotifySubscriber&) = delete;

  // True while subscribed.
  bool connected() const { return connected_.load(); }

 private:
  void Run();

  const SubscribeEndpoint endpoint_;
  const std::string channel_;
  const std::function<void(const std::string&)> on_message_;
  const std::function<void()> on_gap_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace omnigate::webchat
