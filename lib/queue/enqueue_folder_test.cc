#include "lib/queue/enqueue_folder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/queue/enqueue_call.h"
#include "lib/queue/enqueue_script.h"
#include "lib/queue/keys.h"

namespace omnigate::queue {
namespace {

using ::testing::ElementsAre;

constexpr char kSha[] = "0123456789abcdef0123456789abcdef01234567";

redis::RedisCommand Call(uint32_t partition, const std::string& id, bool history = false) {
  EnqueueSettings settings;
  EventToStore e;
  e.partition = partition;
  e.idempotency_key = id;
  e.payload = "event-" + id;
  e.conversation_key = "conv-" + id;
  e.history = history;
  return EnqueueCallBuilder(settings).Command(kSha, std::move(e), 1);
}

std::vector<redis::RedisCommand*> Pointers(std::vector<redis::RedisCommand>& commands) {
  std::vector<redis::RedisCommand*> out;
  for (auto& c : commands) out.push_back(&c);
  return out;
}

// The per-event payloads a folded call carries, in order.
std::vector<std::string> EventsOf(const redis::RedisCommand& cmd) {
  size_t keys = std::stoul(cmd[2]);
  std::vector<std::string> out;
  const size_t first_arg = 3 + keys + kEnqueueSharedArgs;
  for (size_t a = first_arg; a < cmd.size(); a += kEnqueueArgsPerEvent) out.push_back(cmd[a + 2]);
  return out;
}

// The per-event idempotency keys a folded call carries, in order.
std::vector<std::string> IdempotencyKeysOf(const redis::RedisCommand& cmd) {
  size_t keys = std::stoul(cmd[2]);
  std::vector<std::string> out;
  const size_t first_arg = 3 + keys + kEnqueueSharedArgs;
  for (size_t a = first_arg; a < cmd.size(); a += kEnqueueArgsPerEvent) out.push_back(cmd[a + 1]);
  return out;
}

TEST(EnqueueFolderTest, CallsOfOnePartitionBecomeOneCallInOrder) {
  std::vector<redis::RedisCommand> in = {Call(1, "a"), Call(2, "b"), Call(1, "c", true),
                                         Call(1, "d")};
  const size_t keys_per_call = in[0].size();
  std::vector<redis::BatchFolder::Answer> answers;
  std::vector<redis::RedisCommand> out = EnqueueFolder(kSha).Fold(Pointers(in), &answers);

  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0][0], "EVALSHA");
  EXPECT_EQ(out[0][1], kSha);
  EXPECT_EQ(out[0][2], absl::StrCat(kEnqueueSharedKeys + 3 * kEnqueueKeysPerEvent));
  EXPECT_EQ(out[0][3], StreamKey(1));
  EXPECT_EQ(out[0][4], DedupeBaseKey(1));
  EXPECT_EQ(out[0][5], ConversationStateKey(1, "conv-a"));
  EXPECT_EQ(out[0][5 + kEnqueueKeysPerEvent], ConversationStateKey(1, "conv-c"));
  EXPECT_EQ(out[0][5 + kEnqueueKeysPerEvent + 1], HistoryKey(1, "conv-c"));
  EXPECT_EQ(out[0][5 + 2 * kEnqueueKeysPerEvent], ConversationStateKey(1, "conv-d"));
  EXPECT_THAT(EventsOf(out[0]), ElementsAre("event-a", "event-c", "event-d"));
  EXPECT_THAT(IdempotencyKeysOf(out[0]), ElementsAre("a", "c", "d"));
  EXPECT_EQ(out[0].size(), keys_per_call + 2 * (kEnqueueKeysPerEvent + kEnqueueArgsPerEvent));
  EXPECT_EQ(out[1], Call(2, "b"));  // alone: the same call with one event
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].written, 0u);
  EXPECT_EQ(answers[0].element, 0);
  EXPECT_EQ(answers[1].written, 1u);
  EXPECT_EQ(answers[1].element, 0);
  EXPECT_EQ(answers[2].written, 0u);
  EXPECT_EQ(answers[2].element, 1);
  EXPECT_EQ(answers[3].written, 0u);
  EXPECT_EQ(answers[3].element, 2);
}

TEST(EnqueueFolderTest, OtherCommandsPassThroughInPlace) {
  std::vector<redis::RedisCommand> in = {{"XADD", "omnigate:quarantine", "*", "k", "v"},
                                         Call(3, "a"),
                                         {"EVALSHA", "another-script", "1", "k"},
                                         Call(3, "b")};
  std::vector<redis::BatchFolder::Answer> answers;
  std::vector<redis::RedisCommand> out = EnqueueFolder(kSha).Fold(Pointers(in), &answers);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0][0], "XADD");
  EXPECT_THAT(EventsOf(out[1]), ElementsAre("event-a", "event-b"));
  EXPECT_EQ(out[2][1], "another-script");
  EXPECT_EQ(answers[0].written, 0u);
  EXPECT_EQ(answers[0].element, -1);
  EXPECT_EQ(answers[2].written, 2u);
  EXPECT_EQ(answers[2].element, -1);
  EXPECT_EQ(answers[3].written, 1u);
  EXPECT_EQ(answers[3].element, 1);
}

TEST(EnqueueFolderTest, DifferentSharedArgumentsDoNotFold) {
  EnqueueSettings shorter;
  shorter.dedupe_ttl_seconds = 60;
  EventToStore e;
  e.partition = 1;
  e.idempotency_key = "x";
  std::vector<redis::RedisCommand> in = {Call(1, "a"),
                                         EnqueueCallBuilder(shorter).Command(kSha, e, 1)};
  std::vector<redis::BatchFolder::Answer> answers;
  EXPECT_EQ(EnqueueFolder(kSha).Fold(Pointers(in), &answers).size(), 2u);
}

TEST(EnqueueFolderTest, CallsAreCappedAtTheMaximumEvents) {
  std::vector<redis::RedisCommand> in;
  for (int i = 0; i < 7; ++i) in.push_back(Call(5, absl::StrCat("e", i)));
  std::vector<redis::BatchFolder::Answer> answers;
  std::vector<redis::RedisCommand> out =
      EnqueueFolder(kSha, /*max_events_per_call=*/3).Fold(Pointers(in), &answers);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_THAT(EventsOf(out[0]), ElementsAre("event-e0", "event-e1", "event-e2"));
  EXPECT_THAT(EventsOf(out[1]), ElementsAre("event-e3", "event-e4", "event-e5"));
  EXPECT_THAT(EventsOf(out[2]), ElementsAre("event-e6"));
  EXPECT_EQ(answers[6].written, 2u);
  EXPECT_EQ(answers[6].element, 0);
}

TEST(EnqueueFolderTest, MalformedOrMultiEventCallsAreLeftAlone) {
  redis::RedisCommand truncated = Call(1, "a");
  truncated.pop_back();
  redis::RedisCommand bad_count = Call(1, "b");
  bad_count[2] = "x";
  std::vector<redis::RedisCommand> in = {truncated, bad_count, Call(1, "c")};
  std::vector<redis::BatchFolder::Answer> answers;
  std::vector<redis::RedisCommand> out = EnqueueFolder(kSha).Fold(Pointers(in), &answers);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], truncated);
  EXPECT_EQ(out[1], bad_count);
  // A call that already carries two events is answered as a whole.
  std::vector<redis::RedisCommand> two = {Call(1, "d"), Call(1, "e")};
  std::vector<redis::RedisCommand> both = EnqueueFolder(kSha).Fold(Pointers(two), &answers);
  ASSERT_EQ(both.size(), 1u);
  std::vector<redis::RedisCommand> again = {both[0], Call(1, "f")};
  out = EnqueueFolder(kSha).Fold(Pointers(again), &answers);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(answers[0].element, -1);
  EXPECT_EQ(answers[1].element, 0);
}

}  // namespace
}  // namespace omnigate::queue
