#pragma once

#include "lib/channels/adapter.h"
#include "lib/channels/redis_attachment_store.h"
#include "lib/channels/redis_replay_guard.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_url.h"

namespace omnigate::channels {

// What omnigate-ingest hands its adapters, backed by Redis: the Mailgun
// token replay guard and the e-mail attachment store, sharing a small
// connection pool of their own (blocking calls, made only by Mailgun
// requests and mails with files). Usage in main:
//   channels::RedisAdapterServices adapter_services(*endpoint);
//   auto adapter = channels::CreateAdapter(connector, clock, adapter_services.services());
class RedisAdapterServices {
 public:
  explicit RedisAdapterServices(const redis::RedisEndpoint& endpoint)
      : pool_(endpoint, absl::Seconds(2), absl::Seconds(2), /*max_idle=*/4, /*max_open=*/16),
        replay_guard_(&pool_),
        attachment_store_(&pool_) {}
  RedisAdapterServices(const RedisAdapterServices&) = delete;
  RedisAdapterServices& operator=(const RedisAdapterServices&) = delete;

  // Valid while this object lives.
  AdapterServices services() { return AdapterServices{&replay_guard_, &attachment_store_}; }

 private:
  redis::ConnectionPool pool_;
  RedisReplayGuard replay_guard_;
  RedisAttachmentStore attachment_store_;
};

}  // namespace omnigate::channels
