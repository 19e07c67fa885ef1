#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "lib/redis/connection.h"

namespace omnigate::redis {

// The key that decides which cluster node `command` goes to, or nullopt when
// the command addresses no key and any master may run it (PING, INFO,
// SCRIPT, CLUSTER, WAIT, TIME, ...).
//   EVAL/EVALSHA/FCALL (and _RO): the first key when numkeys > 0;
//   XREAD/XREADGROUP: the first stream after STREAMS;
//   XGROUP/XINFO/OBJECT/MEMORY (subcommand first), BITOP (operation
//   first), LMPOP/ZMPOP/ZINTER/ZUNION/ZDIFF/... (numkeys first): argv[2];
//   BLMPOP/BZMPOP (timeout, numkeys): argv[3];
//   anything else: argv[1].
// The view points into `command`.
std::optional<absl::string_view> CommandKey(const RedisCommand& command);

}  // namespace omnigate::redis
