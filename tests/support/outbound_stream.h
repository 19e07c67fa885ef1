#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/keys.h"
#include "lib/redis/redis_connection.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::testing {

// Every event in outbound stream `partition`, oldest first (XRANGE - +).
// Header-only: tests that use it link omnigate::redis and omnigate::proto.
inline absl::StatusOr<std::vector<omnigate::v1::Event>> ReadOutbound(int port, uint32_t partition) {
  redis::RedisEndpoint endpoint;
  endpoint.port = port;
  auto conn = redis::RedisConnection::Connect(endpoint, absl::Seconds(1), absl::Seconds(5));
  if (!conn.ok()) return conn.status();
  auto reply = (*conn)->Run({"XRANGE", queue::OutboundStreamKey(partition), "-", "+"});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array()) return absl::InternalError(absl::StrCat("XRANGE: ", reply->str()));
  std::vector<omnigate::v1::Event> events;
  for (size_t i = 0; i < reply->size(); ++i) {
    const redisReply* fields = reply->element(i)->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (redis::ElementStr(fields->element[f]) != queue::kEventField) continue;
      omnigate::v1::Event event;
      const absl::string_view raw = redis::ElementStr(fields->element[f + 1]);
      if (!event.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
        return absl::DataLossError("outbound entry is not an Event");
      events.push_back(std::move(event));
    }
  }
  return events;
}

}  // namespace omnigate::testing
