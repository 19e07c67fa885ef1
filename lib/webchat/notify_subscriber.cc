#include "lib/webchat/notify_subscriber.h"

#include "absl/time/clock.h"
#include "lib/common/log.h"
#include "lib/redis/redis_connection.h"

namespace omnigate::webchat {

SubscribeEndpoint FixedSubscribeEndpoint(redis::RedisEndpoint endpoint) {
  return [endpoint = std::move(endpoint)]() -> absl::StatusOr<redis::RedisEndpoint> {
    return endpoint;
  };
}

SubscribeEndpoint ClusterSubscribeEndpoint(redis::ClusterClient* cluster, redis::RedisEndpoint seed,
                                           std::string channel) {
  return [cluster, seed = std::move(seed),
          channel = std::move(channel)]() -> absl::StatusOr<redis::RedisEndpoint> {
    // A reconnect follows a lost node: ask the cluster again first.
    (void)cluster->RefreshTopology();
    auto node = cluster->NodeForKey(channel);
    if (!node.ok()) return node.status();
    redis::RedisEndpoint endpoint = seed;
    endpoint.host = node->host;
    endpoint.port = node->port;
    endpoint.db = 0;
    return endpoint;
  };
}

NotifySubscriber::NotifySubscriber(SubscribeEndpoint endpoint, std::string channel,
                                   std::function<void(const std::string&)> on_message,
                                   std::function<void()> on_gap)
    : endpoint_(std::move(endpoint)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_gap_(std::move(on_gap)),
      thread_([this] { Run(); }) {}

NotifySubscriber::~NotifySubscriber() {
  stop_.store(true);
  thread_.join();
}

void NotifySubscriber::Run() {
  bool had_connection = false;
  while (!stop_.load()) {
    auto endpoint = endpoint_();
    auto conn = endpoint.ok()
                    ? redis::RedisConnection::Connect(*endpoint, absl::Seconds(1), absl::Seconds(2))
                    : absl::StatusOr<std::unique_ptr<redis::RedisConnection>>(endpoint.status());
    if (!conn.ok()) {
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    auto subscribed = (*conn)->Run({"SUBSCRIBE", channel_});
    if (!subscribed.ok() || subscribed->is_error()) {
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    connected_.store(true);
    if (had_connection) {
      OG_LOG(WARNING) << "webchat: notifications resumed after a lost connection";
      on_gap_();
    }
    had_connection = true;
    // Reads that wait at most 250 ms: a message wakes the reader at once,
    // and shutdown waits no longer than that on a quiet channel.
    while (!stop_.load()) {
      auto reply = (*conn)->WaitReply(absl::Milliseconds(250));
      if (!reply.ok()) break;
      if (!reply->has_value()) continue;
      const redis::RedisReply& message = **reply;
      // ["message", channel, payload]
      if (message.size() == 3 && redis::ElementStr(message.element(0)) == "message") {
        on_message_(std::string(redis::ElementStr(message.element(2))));
      }
    }
    connected_.store(false);
  }
}

}  // namespace omnigate::webchat
