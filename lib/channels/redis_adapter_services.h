#pragma once

#include "lib/channels/adapter.h"
#include "lib/channels/redis_attachment_store.h"
#include "lib/channels/redis_replay_guard.h"
#include "lib/redis/redis_client.h"

namespace omnigate::channels {

// What omnigate-ingest hands its adapters, backed by Redis: the Mailgun
// token replay guard and the e-mail attachment store (blocking calls, made
// only by Mailgun requests and mails with files). Every call touches one key,
// so any RedisClient works, a Redis Cluster's included. Usage in main:
//   channels::RedisAdapterServices adapter_services(adapter_redis.get());
//   auto adapter = channels::CreateAdapter(connector, clock, adapter_services.services());
class RedisAdapterServices {
 public:
  // Through `redis`, which outlives this object.
  explicit RedisAdapterServices(redis::RedisClient* redis)
      : replay_guard_(redis), attachment_store_(redis) {}
  RedisAdapterServices(const RedisAdapterServices&) = delete;
  RedisAdapterServices& operator=(const RedisAdapterServices&) = delete;

  // Valid while this object lives.
  AdapterServices services() { return AdapterServices{&replay_guard_, &attachment_store_}; }

 private:
  RedisReplayGuard replay_guard_;
  RedisAttachmentStore attachment_store_;
};

}  // namespace omnigate::channels
