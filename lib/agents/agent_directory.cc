#include "lib/agents/agent_directory.h"

#include <utility>

namespace omnigate::agents {

absl::StatusOr<AgentDirectory::Snapshot> AgentDirectory::Get() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_ != nullptr && clock_.NowMs() - loaded_ms_ < max_age_ms_) return snapshot_;
  }
  auto fresh = Refresh();
  if (fresh.ok()) return fresh;
  std::lock_guard<std::mutex> lock(mu_);
  if (snapshot_ != nullptr) return snapshot_;
  return fresh.status();
}

absl::StatusOr<AgentDirectory::Snapshot> AgentDirectory::Refresh() {
  auto agents = store_->List();
  if (!agents.ok()) return agents.status();
  auto snapshot = std::make_shared<const std::vector<Agent>>(*std::move(agents));
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = snapshot;
  loaded_ms_ = clock_.NowMs();
  return snapshot;
}

}  // namespace omnigate::agents
