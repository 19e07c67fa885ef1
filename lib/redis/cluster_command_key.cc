#include "lib/redis/cluster_command_key.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace omnigate::redis {
namespace {

// Commands that name no key. Sorted (binary search), upper case.
constexpr absl::string_view kKeyless[] = {
    "ACL",      "AUTH",       "BGREWRITEAOF", "BGSAVE",    "CLIENT",    "CLUSTER",  "COMMAND",
    "CONFIG",   "DBSIZE",     "DEBUG",        "ECHO",      "EXEC",      "FLUSHALL", "FLUSHDB",
    "FUNCTION", "HELLO",      "INFO",         "KEYS",      "LASTSAVE",  "LATENCY",  "MULTI",
    "PING",     "PSUBSCRIBE", "PUBLISH",      "PUBSUB",    "RANDOMKEY", "READONLY", "READWRITE",
    "SCAN",     "SCRIPT",     "SLOWLOG",      "SUBSCRIBE", "TIME",      "WAIT",
};

// Commands whose first key is not argv[1]: a subcommand, an operation or a
// count comes first.
constexpr std::pair<absl::string_view, size_t> kKeyNotFirst[] = {
    {"BITOP", 2},  {"BLMPOP", 3},     {"BZMPOP", 3}, {"LMPOP", 2},  {"MEMORY", 2},
    {"OBJECT", 2}, {"SINTERCARD", 2}, {"XGROUP", 2}, {"XINFO", 2},  {"ZDIFF", 2},
    {"ZINTER", 2}, {"ZINTERCARD", 2}, {"ZMPOP", 2},  {"ZUNION", 2},
};

bool IsKeyless(absl::string_view upper) {
  return std::binary_search(std::begin(kKeyless), std::end(kKeyless), upper);
}

// EVAL script numkeys key... arg...: the first key, if any.
std::optional<absl::string_view> ScriptKey(const RedisCommand& command) {
  int numkeys = 0;
  if (command.size() < 4 || !absl::SimpleAtoi(command[2], &numkeys) || numkeys <= 0) {
    return std::nullopt;
  }
  return command[3];
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key... id...; XREADGROUP GROUP g c
// [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...: options are skipped
// with their values so a group or consumer named "streams" is not mistaken
// for the keyword.
std::optional<absl::string_view> StreamsKey(const RedisCommand& command) {
  for (size_t i = 1; i < command.size(); ++i) {
    const std::string option = absl::AsciiStrToUpper(command[i]);
    if (option == "STREAMS") {
      if (i + 1 < command.size()) return command[i + 1];
      return std::nullopt;
    }
    if (option == "GROUP") {
      i += 2;
    } else if (option == "COUNT" || option == "BLOCK") {
      i += 1;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<absl::string_view> CommandKey(const RedisCommand& command) {
  if (command.empty()) return std::nullopt;
  const std::string name = absl::AsciiStrToUpper(command[0]);
  if (IsKeyless(name)) return std::nullopt;
  if (name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO" ||
      name == "FCALL" || name == "FCALL_RO") {
    return ScriptKey(command);
  }
  if (name == "XREAD" || name == "XREADGROUP") return StreamsKey(command);
  size_t index = 1;
  for (const auto& [command_name, key_index] : kKeyNotFirst) {
    if (name == command_name) index = key_index;
  }
  if (command.size() <= index) return std::nullopt;
  return command[index];
}

}  // namespace omnigate::redis
