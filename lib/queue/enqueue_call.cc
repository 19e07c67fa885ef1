#include "lib/queue/enqueue_call.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/queue/enqueue_script.h"
#include "lib/queue/keys.h"

namespace omnigate::queue {

EnqueueCallBuilder::EnqueueCallBuilder(const EnqueueSettings& s)
    : history_(s.history_max_len > 0),
      shared_({absl::StrCat(s.dedupe_ttl_seconds), absl::StrCat(s.stream_max_len),
               absl::StrCat(absl::ToInt64Milliseconds(s.conversation_retention)),
               absl::StrCat(s.history_max_len),
               absl::StrCat(absl::ToInt64Milliseconds(s.history_retention)),
               absl::StrCat(absl::ToInt64Milliseconds(s.status_retention))}) {}

EnqueueCall EnqueueCallBuilder::Build(EventToStore e, int64_t now_ms) const {
  const uint32_t p = e.partition;
  EnqueueCall call;
  call.keys.reserve(kEnqueueSharedKeys + kEnqueueKeysPerEvent);
  call.args.reserve(kEnqueueSharedArgs + kEnqueueArgsPerEvent);
  std::string state = ConversationStateKey(p, e.conversation_key);
  call.keys.push_back(StreamKey(p));
  call.keys.push_back(DedupeBaseKey(p));
  call.args = shared_;
  call.args.push_back(OutboundStatusKey(p, ""));
  std::string kind;
  if (e.receipt.has_value()) {
    EventToStore::Receipt& r = *e.receipt;
    kind = "r";
    call.keys.push_back(state);
    call.keys.push_back(ProviderMessageKey(p, r.connector, r.provider_message_id));
    call.keys.push_back(EarlyReceiptKey(p, r.connector, r.provider_message_id));
    for (std::string* arg : {&kind, &e.idempotency_key, &e.payload}) {
      call.args.push_back(std::move(*arg));
    }
    call.args.push_back(absl::StrCat(e.customer_message_ms));
    call.args.push_back(std::move(r.state));
    call.args.push_back(std::move(r.error_code));
    call.args.push_back(r.error_message.substr(0, 512));
  } else {
    // Unused key slots repeat the state key: every key stays in the
    // partition's hash slot.
    kind = history_ && e.history ? "h" : "n";
    call.keys.push_back(state);
    call.keys.push_back(kind == "h" ? HistoryKey(p, e.conversation_key) : state);
    call.keys.push_back(std::move(state));
    for (std::string* arg : {&kind, &e.idempotency_key, &e.payload}) {
      call.args.push_back(std::move(*arg));
    }
    call.args.push_back(absl::StrCat(e.customer_message_ms));
    call.args.push_back(std::move(e.customer_id));
    call.args.push_back(std::move(e.connector));
    call.args.push_back("");
  }
  call.args.push_back(absl::StrCat(now_ms));
  return call;
}

redis::RedisCommand EnqueueCallBuilder::Command(const std::string& sha, EventToStore event,
                                                int64_t now_ms) const {
  EnqueueCall call = Build(std::move(event), now_ms);
  redis::RedisCommand cmd;
  cmd.reserve(3 + call.keys.size() + call.args.size());
  cmd.push_back("EVALSHA");
  cmd.push_back(sha);
  cmd.push_back(absl::StrCat(call.keys.size()));
  for (std::string& k : call.keys) cmd.push_back(std::move(k));
  for (std::string& a : call.args) cmd.push_back(std::move(a));
  return cmd;
}

}  // namespace omnigate::queue
