#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "lib/chatbot/bot_memory.h"
#include "lib/common/clock.h"
#include "lib/conversations/conversations_client.h"

namespace omnigate::chatbot {

struct IdleResolverOptions {
  uint32_t partitions = 16;
  // A conversation the bot answered last and the customer then left alone
  // this long is resolved by the bot (cx.bot_resolve_idle).
  absl::Duration idle = absl::Minutes(30);
  // How often the due conversations are looked for.
  absl::Duration interval = absl::Seconds(5);
  // Most conversations resolved per partition and pass.
  int batch = 100;
};

// Resolves, for the bot, the conversations it answered and the customer
// then left alone (BotMemory's idle set, filled as the bot answers). Every
// replica may run one: each conversation is claimed out of the set by one
// script call before it is resolved, and put back when the resolve fails, so
// none is resolved twice or forgotten. The resolve goes through
// Conversations (resolved_by "bot", the RESOLVED event that triggers the
// CSAT question). Thread-safe; Stop() or the destructor joins the thread.
class IdleResolver {
 public:
  IdleResolver(IdleResolverOptions options, BotMemory* memory,
               conversations::ConversationsClient* conversations, const Clock& clock);
  ~IdleResolver();

  void Start();
  void Stop();
  // One pass over every partition; returns the conversations resolved.
  int RunOnce();

 private:
  void Loop();

  const IdleResolverOptions options_;
  BotMemory* const memory_;
  conversations::ConversationsClient* const conversations_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace omnigate::chatbot
