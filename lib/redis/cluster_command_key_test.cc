#include "lib/redis/cluster_command_key.h"

#include "gtest/gtest.h"

namespace omnigate::redis {
namespace {

std::string KeyOf(const RedisCommand& command) {
  const auto key = CommandKey(command);
  return key.has_value() ? std::string(*key) : "<none>";
}

TEST(CommandKeyTest, MostCommandsTakeTheFirstArgument) {
  EXPECT_EQ(KeyOf({"GET", "k"}), "k");
  EXPECT_EQ(KeyOf({"set", "k", "v"}), "k");
  EXPECT_EQ(KeyOf({"XADD", "s", "*", "f", "v"}), "s");
  EXPECT_EQ(KeyOf({"HSET", "h", "f", "v"}), "h");
}

TEST(CommandKeyTest, ScriptsTakeTheirFirstKey) {
  EXPECT_EQ(KeyOf({"EVALSHA", "abc", "2", "k1", "k2", "arg"}), "k1");
  EXPECT_EQ(KeyOf({"eval", "return 1", "1", "k1"}), "k1");
  EXPECT_EQ(KeyOf({"FCALL", "fn", "1", "k1", "arg"}), "k1");
  EXPECT_EQ(KeyOf({"EVAL_RO", "return 1", "1", "k1"}), "k1");
  EXPECT_EQ(KeyOf({"EVAL", "return 1", "0", "arg"}), "<none>");
  EXPECT_EQ(KeyOf({"EVALSHA", "abc", "x"}), "<none>");
  EXPECT_EQ(KeyOf({"EVALSHA", "abc", "1"}), "<none>");  // numkeys beyond argv
}

TEST(CommandKeyTest, StreamReadsTakeTheFirstStream) {
  EXPECT_EQ(KeyOf({"XREAD", "COUNT", "10", "BLOCK", "0", "STREAMS", "s1", "s2", "0", "0"}), "s1");
  EXPECT_EQ(KeyOf({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "streams", "s1", ">"}), "s1");
  // A group or consumer named like the keyword is not the keyword.
  EXPECT_EQ(KeyOf({"XREADGROUP", "GROUP", "STREAMS", "STREAMS", "NOACK", "STREAMS", "s", ">"}),
            "s");
  EXPECT_EQ(KeyOf({"XREAD", "COUNT", "STREAMS", "STREAMS", "s", "0"}), "s");
  EXPECT_EQ(KeyOf({"XREAD", "STREAMS"}), "<none>");
}

TEST(CommandKeyTest, SubcommandsNameTheKeySecond) {
  EXPECT_EQ(KeyOf({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "s");
  EXPECT_EQ(KeyOf({"XINFO", "STREAM", "s"}), "s");
  EXPECT_EQ(KeyOf({"OBJECT", "ENCODING", "k"}), "k");
  EXPECT_EQ(KeyOf({"XINFO", "HELP"}), "<none>");
  EXPECT_EQ(KeyOf({"BITOP", "AND", "dest", "a", "b"}), "dest");
  EXPECT_EQ(KeyOf({"ZUNION", "2", "z1", "z2"}), "z1");
  EXPECT_EQ(KeyOf({"LMPOP", "1", "l", "LEFT"}), "l");
  EXPECT_EQ(KeyOf({"BLMPOP", "0", "1", "l", "LEFT"}), "l");
}

TEST(CommandKeyTest, KeylessCommandsGoToAnyMaster) {
  const std::vector<RedisCommand> keyless = {{"PING"},
                                             {"INFO", "replication"},
                                             {"SCRIPT", "LOAD", "return 1"},
                                             {"CLUSTER", "SLOTS"},
                                             {"WAIT", "1", "0"},
                                             {"TIME"},
                                             {"ping", "hello"},
                                             {"FLUSHALL"},
                                             {"DBSIZE"},
                                             {"FUNCTION", "LIST"},
                                             {"ACL", "WHOAMI"},
                                             {"SCAN", "0"},
                                             {"RANDOMKEY"},
                                             {"READONLY"},
                                             {"SUBSCRIBE", "c"},
                                             {"MULTI"},
                                             {"EXEC"},
                                             {}};
  for (const RedisCommand& command : keyless) {
    EXPECT_EQ(KeyOf(command), "<none>") << (command.empty() ? "" : command[0]);
  }
}

}  // namespace
}  // namespace omnigate::redis
