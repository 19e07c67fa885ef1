#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/pipeline_writer.h"

namespace omnigate::redis {

struct ClusterPipelineWriterOptions {
  // Options of each master's RedisPipelineWriter; `node.endpoint` gives the
  // user and password (its host and port are replaced by the master's).
  PipelineWriterOptions node;
  // How long one submission keeps being re-sent while its slot moves
  // (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) or its master is down or not yet
  // connected: long enough to ride a failover, short enough for a webhook
  // to be answered in time. Then the caller gets what it got (an error
  // reply or UNAVAILABLE).
  absl::Duration retry_budget = absl::Seconds(4);
  absl::Duration first_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(250);
};

// Group commit on a Redis Cluster: one RedisPipelineWriter (its lanes, its
// group commit, its folder) per master, a submission going to the master
// that serves its route key's slot per `cluster`'s slot map.
//
// A command the cluster did not run because its slot is elsewhere or
// changing (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) is sent again after the map
// is refreshed, with backoff, within retry_budget; so is a submission whose
// master's writer is not connected (nothing was sent). A submission whose
// connection broke mid-flight is answered UNAVAILABLE, outcome unknown, as
// on one Redis: callers are idempotent (ingest's dedupe). Writers of nodes
// that no longer serve a route key are stopped after a refresh.
//
// Commands of a submission are copied before sending (to send them again);
// the single-Redis path does not pay that. Thread-safe.
class ClusterPipelineWriter final : public GroupCommitWriter {
 public:
  // `cluster` gives the slot map; it must outlive this writer.
  ClusterPipelineWriter(ClusterPipelineWriterOptions options, ClusterClient* cluster,
                        PipelineObserver* observer);
  ~ClusterPipelineWriter() override;
  ClusterPipelineWriter(const ClusterPipelineWriter&) = delete;
  ClusterPipelineWriter& operator=(const ClusterPipelineWriter&) = delete;

  // Loads the slot map (best effort: a cluster still down is retried every
  // second), connects to the masters of `route_keys` (the keys callers will
  // route by, e.g. every partition's stream: healthy() covers them from the
  // start) and starts the retry thread.
  void Start(const std::vector<std::string>& route_keys);
  // Fails queued re-sends with UNAVAILABLE and stops every node's writer.
  void Shutdown();

  void Submit(absl::string_view route_key, size_t lane, std::vector<RedisCommand> commands,
              Done done) override;
  int lanes() const override;
  // True when the masters of every route key known (Start's and those
  // submitted since) have a connected writer.
  bool healthy() const override;

 private:
  struct Call;

  void Attempt(std::shared_ptr<Call> call);
  void OnReplies(std::shared_ptr<Call> call, absl::StatusOr<Replies> replies);
  // Re-sends `call` after its backoff, or finishes it when out of budget.
  void RetryLater(std::shared_ptr<Call> call, absl::Status why);
  void Finish(const std::shared_ptr<Call>& call, absl::Status status);
  void RetryLoop();
  // The writer of `node`, made on first use; `route_key` is a key it serves.
  std::shared_ptr<RedisPipelineWriter> WriterFor(const ClusterNodeAddress& node,
                                                 absl::string_view route_key);
  // Re-reads which master serves each route key and stops writers of nodes
  // that serve none.
  void UpdateOwners();

  const ClusterPipelineWriterOptions options_;
  ClusterClient* const cluster_;
  PipelineObserver* const observer_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<RedisPipelineWriter>> writers_;  // guarded by mu_
  std::set<std::string> route_keys_;                                     // guarded by mu_
  // The writer each route key went to last.
  std::map<std::string, std::shared_ptr<RedisPipelineWriter>> owners_;  // guarded by mu_
  std::multimap<absl::Time, std::shared_ptr<Call>> retries_;            // guarded by mu_
  bool stopping_ = false;                                               // guarded by mu_
  std::condition_variable retry_cv_;
  std::thread retry_thread_;
};

}  // namespace omnigate::redis
