#include "lib/queue/backlog_monitor.h"

#include <algorithm>

#include "lib/common/log.h"
#include "lib/queue/keys.h"

namespace omnigate::queue {
namespace {

// Largest (lag + pending) over the groups of one XINFO GROUPS reply, or -1
// when the stream has no group (then the caller uses its length).
int64_t LargestGroupBacklog(const redis::RedisReply& reply) {
  if (!reply.is_array() || reply.size() == 0) return -1;
  int64_t largest = 0;
  for (size_t g = 0; g < reply.size(); ++g) {
    const redisReply* info = reply.element(g);
    if (info == nullptr || info->type != REDIS_REPLY_ARRAY) continue;
    int64_t backlog = 0;
    for (size_t i = 0; i + 1 < info->elements; i += 2) {
      const absl::string_view field = redis::ElementStr(info->element[i]);
      const redisReply* value = info->element[i + 1];
      if ((field == "lag" || field == "pending") && value->type == REDIS_REPLY_INTEGER)
        backlog += value->integer;
    }
    largest = std::max(largest, backlog);
  }
  return largest;
}

}  // namespace

BacklogMonitor::BacklogMonitor(BacklogMonitorOptions options, redis::RedisClient* redis)
    : options_(std::move(options)),
      redis_(redis),
      overloaded_(new std::atomic<bool>[options_.partitions]) {
  for (uint32_t p = 0; p < options_.partitions; ++p) overloaded_[p].store(false);
}

BacklogMonitor::~BacklogMonitor() { Stop(); }

bool BacklogMonitor::Overloaded(uint32_t partition) const {
  return partition < options_.partitions && overloaded_[partition].load(std::memory_order_relaxed);
}

void BacklogMonitor::SampleOnce() {
  std::vector<redis::RedisCommand> commands;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    commands.push_back({"XINFO", "GROUPS", StreamKey(p)});
    commands.push_back({"XLEN", StreamKey(p)});
  }
  auto replies = redis_->RunPipeline(commands);
  if (!replies.ok()) return;
  // XLEN fails only when the node does (a cluster in failover): keep the
  // last view.
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    if ((*replies)[2 * p + 1].is_error()) return;
  }
  int count = 0;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    const redis::RedisReply& groups = (*replies)[2 * p];
    const redis::RedisReply& length = (*replies)[2 * p + 1];
    int64_t backlog = LargestGroupBacklog(groups);
    if (backlog < 0) backlog = length.integer();  // nobody consumes it yet
    const bool over = backlog > options_.max_backlog;
    if (over != overloaded_[p].load()) {
      OG_LOG(WARNING) << "partition " << p << (over ? " over" : " back under")
                      << " the backlog limit (" << backlog << " / " << options_.max_backlog
                      << "): " << (over ? "shedding new events" : "accepting again");
    }
    overloaded_[p].store(over);
    count += over ? 1 : 0;
  }
  overloaded_count_.store(count);
  if (options_.on_sample) options_.on_sample(count);
}

void BacklogMonitor::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      SampleOnce();
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.period), [this] { return stop_; });
    }
  });
}

void BacklogMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace omnigate::queue
