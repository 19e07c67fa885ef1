#include "lib/chatbot/idle_resolver.h"

#include "lib/common/log.h"

namespace omnigate::chatbot {

IdleResolver::IdleResolver(IdleResolverOptions options, BotMemory* memory,
                           conversations::ConversationsClient* conversations, const Clock& clock)
    : options_(options), memory_(memory), conversations_(conversations), clock_(clock) {}

IdleResolver::~IdleResolver() { Stop(); }

void IdleResolver::Start() {
  if (options_.idle <= absl::ZeroDuration() || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void IdleResolver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IdleResolver::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    RunOnce();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval), [this] { return stopping_; });
  }
}

int IdleResolver::RunOnce() {
  const int64_t due_before = clock_.NowMs() - absl::ToInt64Milliseconds(options_.idle);
  int resolved = 0;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    auto claimed = memory_->ClaimIdle(p, due_before, options_.batch);
    if (!claimed.ok()) {
      OG_LOG(WARNING) << "idle resolver: partition " << p << ": " << claimed.status();
      continue;
    }
    for (const std::string& key : *claimed) {
      absl::Status s = conversations_->Resolve(key, "", "bot: the customer went quiet");
      if (s.ok()) {
        ++resolved;
        continue;
      }
      OG_LOG(WARNING) << "idle resolver: resolve failed, retried later: " << s;
      if (absl::Status back = memory_->Unclaim(p, key, due_before); !back.ok()) {
        OG_LOG(ERROR) << "idle resolver: could not put a conversation back: " << back;
      }
    }
  }
  return resolved;
}

}  // namespace omnigate::chatbot
