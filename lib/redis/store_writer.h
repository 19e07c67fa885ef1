#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/cluster_pipeline_writer.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_url.h"

namespace omnigate::redis {

// The group-commit writer for a Redis target, started: a
// RedisPipelineWriter for one Redis, a ClusterPipelineWriter (and the
// ClusterClient holding its slot map) for a cluster. `options.endpoint` is
// taken from the target.
class StoreWriter {
 public:
  // `route_keys`: the keys submissions will be routed by (a cluster connects
  // to their masters at once). `observer` may be null and must outlive this.
  static std::unique_ptr<StoreWriter> Start(const RedisTarget& target,
                                            PipelineWriterOptions options,
                                            const std::vector<std::string>& route_keys,
                                            PipelineObserver* observer);
  ~StoreWriter();

  GroupCommitWriter* writer() const { return writer_; }
  // Writes what is pending, then stops.
  void Shutdown();

 private:
  StoreWriter() = default;

  std::unique_ptr<ClusterClient> cluster_;
  std::unique_ptr<RedisPipelineWriter> single_;
  std::unique_ptr<ClusterPipelineWriter> clustered_;
  GroupCommitWriter* writer_ = nullptr;  // one of the two above
};

}  // namespace omnigate::redis
