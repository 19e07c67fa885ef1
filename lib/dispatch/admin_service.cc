#include "lib/dispatch/admin_service.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/grpcutil/status.h"
#include "lib/queue/keys.h"

namespace omnigate::dispatch {

using grpcutil::ToGrpcStatus;

grpc::Status AdminService::ListDeadLetters(grpc::ServerContext* context,
                                           const omnigate::v1::ListDeadLettersRequest* request,
                                           omnigate::v1::ListDeadLettersResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  auto list = dead_letters_->List(request->selector());
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (auto& dl : *list) *response->add_dead_letters() = std::move(dl);
  return grpc::Status::OK;
}

grpc::Status AdminService::ReplayDeadLetters(grpc::ServerContext* context,
                                             const omnigate::v1::DeadLetterSelector* selector,
                                             omnigate::v1::DeadLetterActionResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  auto count = dead_letters_->Replay(*selector);
  if (!count.ok()) return ToGrpcStatus(count.status());
  response->set_count(*count);
  OG_LOG(INFO) << "replayed " << *count << " dead letter(s)";
  return grpc::Status::OK;
}

grpc::Status AdminService::DropDeadLetters(grpc::ServerContext* context,
                                           const omnigate::v1::DeadLetterSelector* selector,
                                           omnigate::v1::DeadLetterActionResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  auto count = dead_letters_->Drop(*selector);
  if (!count.ok()) return ToGrpcStatus(count.status());
  response->set_count(*count);
  OG_LOG(INFO) << "dropped " << *count << " dead letter(s)";
  return grpc::Status::OK;
}

grpc::Status AdminService::ListPartitionOwners(
    grpc::ServerContext* context, const omnigate::v1::ListPartitionOwnersRequest*,
    omnigate::v1::ListPartitionOwnersResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  std::vector<redis::RedisCommand> commands;
  for (uint32_t p = 0; p < partitions_; ++p) {
    commands.push_back({"GET", keys_->lease(p)});
    commands.push_back({"PTTL", keys_->lease(p)});
  }
  auto replies = redis_->RunPipeline(commands);
  if (!replies.ok()) return ToGrpcStatus(replies.status());
  for (uint32_t p = 0; p < partitions_; ++p) {
    const redis::RedisReply& owner = (*replies)[2 * p];
    const redis::RedisReply& ttl = (*replies)[2 * p + 1];
    auto* o = response->add_owners();
    o->set_partition(p);
    o->set_owner(std::string(owner.str()));
    o->set_lease_ttl_ms(std::max<int64_t>(0, ttl.integer()));
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::GetStreamStats(grpc::ServerContext* context,
                                          const omnigate::v1::GetStreamStatsRequest*,
                                          omnigate::v1::GetStreamStatsResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kAdmin); !s.ok())
    return s;
  std::vector<redis::RedisCommand> commands;
  for (uint32_t p = 0; p < partitions_; ++p) {
    commands.push_back({"XLEN", keys_->stream(p)});
    commands.push_back({"XLEN", keys_->dead_letter(p)});
    commands.push_back({"XINFO", "GROUPS", keys_->stream(p)});
  }
  auto replies = redis_->RunPipeline(commands);
  if (!replies.ok()) return ToGrpcStatus(replies.status());
  for (uint32_t p = 0; p < partitions_; ++p) {
    auto* stats = response->add_partitions();
    stats->set_partition(p);
    stats->set_depth((*replies)[3 * p].integer());
    stats->set_dead_letters((*replies)[3 * p + 1].integer());
    const redis::RedisReply& groups = (*replies)[3 * p + 2];
    for (size_t g = 0; g < groups.size(); ++g) {
      const redisReply* info = groups.element(g);
      if (info == nullptr || info->type != REDIS_REPLY_ARRAY) continue;
      auto* group = stats->add_groups();
      for (size_t i = 0; i + 1 < info->elements; i += 2) {
        const absl::string_view field = redis::ElementStr(info->element[i]);
        const redisReply* value = info->element[i + 1];
        if (field == "name") group->set_sink(std::string(redis::ElementStr(value)));
        if (field == "pending" && value->type == REDIS_REPLY_INTEGER)
          group->set_pending(value->integer);
        if (field == "lag" && value->type == REDIS_REPLY_INTEGER) group->set_lag(value->integer);
      }
    }
  }
  return grpc::Status::OK;
}

}  // namespace omnigate::dispatch
