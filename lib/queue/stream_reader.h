#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_client.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::queue {

// One stream entry decoded.
struct StoredEvent {
  uint32_t partition = 0;
  std::string entry_id;
  omnigate::v1::Event event;
};

// One raw entry of any stream: its id and field/value pairs in order.
struct RawEntry {
  std::string entry_id;
  std::vector<std::pair<std::string, std::string>> fields;
};

// Read-only views of the queue for operators (omnigatectl) and tests.
// Not for the hot path: one blocking call per stream. Each call reads one
// key, so it works on a Redis Cluster through a RedisClient.
class StreamReader {
 public:
  // Through `conn` or `client`, which outlive the reader.
  explicit StreamReader(redis::Connection* conn)
      : run_([conn](const redis::RedisCommand& c) { return conn->Run(c); }) {}
  explicit StreamReader(redis::RedisClient* client)
      : run_([client](const redis::RedisCommand& c) { return client->Run(c); }) {}

  // The newest `count` events over `partitions` partitions (or only
  // `only_partition` when >= 0), oldest first. DATA_LOSS when an entry does
  // not hold a parseable event.
  absl::StatusOr<std::vector<StoredEvent>> Latest(uint32_t partitions, int only_partition,
                                                  size_t count);
  // The same over other partitioned streams of events (e.g. OutboundStreamKey).
  absl::StatusOr<std::vector<StoredEvent>> Latest(
      uint32_t partitions, int only_partition, size_t count,
      const std::function<std::string(uint32_t)>& key_of);

  // The newest `count` entries of any stream, oldest first.
  absl::StatusOr<std::vector<RawEntry>> LatestRaw(const std::string& key, size_t count);

  // XLEN of each partition stream.
  absl::StatusOr<std::vector<int64_t>> Depths(uint32_t partitions);
  absl::StatusOr<int64_t> Length(const std::string& key);

 private:
  const std::function<absl::StatusOr<redis::RedisReply>(const redis::RedisCommand&)> run_;
};

// Compares stream entry ids ("<ms>-<seq>") numerically.
bool EntryIdLess(const std::string& a, const std::string& b);

}  // namespace omnigate::queue
