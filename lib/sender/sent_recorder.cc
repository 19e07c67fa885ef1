#include "lib/sender/sent_recorder.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/conversations/outbound_status_scripts.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"
#include "lib/redis/folded_calls.h"

namespace omnigate::sender {
namespace {

// Per record: KEYS status, provider id map, early receipts, conversation
// state; ARGV as kRecordSent's.
constexpr size_t kKeysPerRecord = 4;
constexpr size_t kArgsPerRecord = 6;
// EVALSHA sha numkeys KEYS... ARGV...
constexpr size_t kFirstKey = 3;

// kRecordSent run once per record of the call, as a function of its own
// KEYS and ARGV, so the batch behaves exactly like that many single calls.
// Returns one {state, first response, agent first response, priority} per
// record.
const std::string& BatchScript() {
  static const std::string* script = new std::string(absl::StrCat(
      "local function record(KEYS, ARGV)\n", conversations::scripts::kRecordSent,
      "end\n"
      "local out = {}\n"
      "for i = 0, #KEYS / 4 - 1 do\n"
      "  local k, a = 4 * i, 6 * i\n"
      "  out[i + 1] = record({KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]},\n"
      "    {ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]})\n"
      "end\n"
      "return out\n"));
  return *script;
}

const std::string& BatchSha() {
  static const std::string* sha =
      new std::string(redis::RedisPipelineWriter::ScriptSha(BatchScript()));
  return *sha;
}

bool IsRecordCall(const redis::RedisCommand& cmd) {
  return cmd.size() == kFirstKey + kKeysPerRecord + kArgsPerRecord && cmd[0] == "EVALSHA" &&
         cmd[2] == "4" && cmd[1] == BatchSha();
}

// The hash tag of a key ("{3}" of omnigate:outstatus:{3}:id): calls on one
// tag may share a script call, on a cluster too.
absl::string_view HashTag(absl::string_view key) {
  const size_t open = key.find('{');
  if (open == absl::string_view::npos) return key;
  const size_t close = key.find('}', open + 1);
  if (close == absl::string_view::npos) return key;
  return key.substr(open, close - open + 1);
}

// One record's reply: {state, first ms, agent first ms, priority}.
absl::StatusOr<conversations::SentRecord> ParseRecord(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
      r->element[1]->type != REDIS_REPLY_INTEGER || r->element[2]->type != REDIS_REPLY_INTEGER) {
    return absl::InternalError("redis record-sent: unexpected reply");
  }
  conversations::SentRecord record;
  record.state = conversations::ParseDeliveryState(redis::ElementStr(r->element[0]));
  if (const int64_t ms = r->element[1]->integer; ms >= 0)
    record.first_response = absl::Milliseconds(ms);
  if (const int64_t ms = r->element[2]->integer; ms >= 0)
    record.agent_first_response = absl::Milliseconds(ms);
  record.priority = std::string(redis::ElementStr(r->element[3]));
  return record;
}

// The record's reply: its element of a folded call, or (no folder) the
// batch of one.
absl::StatusOr<conversations::SentRecord> RecordOf(const redis::RedisReply& reply) {
  if (reply.is_error()) return absl::InternalError(std::string(reply.str()));
  if (reply.size() == 1 && reply.element(0) != nullptr &&
      reply.element(0)->type == REDIS_REPLY_ARRAY) {
    return ParseRecord(reply.element(0));
  }
  return ParseRecord(reply.get());
}

// Waits for the record and the index, then answers once.
struct Join {
  SentRecorder::Done done;
  std::atomic<int> left{2};
  absl::StatusOr<conversations::SentRecord> record = absl::UnknownError("not answered");
  absl::Status index;

  void Arrived() {
    if (left.fetch_sub(1) != 1) return;
    if (record.ok() && !index.ok()) record = index;
    done(std::move(record));
  }
};

}  // namespace

SentRecorder::SentRecorder(redis::GroupCommitWriter* writer, uint32_t partitions,
                           absl::Duration retention, const Clock& clock, bool cluster)
    : writer_(writer),
      partitions_(partitions),
      retention_ms_(absl::StrCat(absl::ToInt64Milliseconds(retention))),
      clock_(clock),
      cluster_(cluster) {}

void SentRecorder::AddScripts(redis::PipelineWriterOptions* options, bool cluster) {
  static const SentRecordFolder* by_slot = new SentRecordFolder(/*by_slot=*/true);
  static const SentRecordFolder* together = new SentRecordFolder(/*by_slot=*/false);
  const redis::BatchFolder* mine = cluster ? by_slot : together;
  options->scripts.push_back(BatchScript());
  if (options->folder == nullptr) {
    options->folder = mine;
    return;
  }
  // One chain per pair of folders, kept for the process (writers hold a
  // plain pointer to their folder).
  static std::mutex mu;
  static auto* chains =
      new std::map<std::pair<const redis::BatchFolder*, const redis::BatchFolder*>,
                   std::unique_ptr<redis::FolderChain>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& chain = (*chains)[{options->folder, mine}];
  if (chain == nullptr) chain = std::make_unique<redis::FolderChain>(options->folder, mine);
  options->folder = chain.get();
}

void SentRecorder::RecordSent(const std::string& conversation_key, const std::string& event_id,
                              const std::string& connector, const std::string& provider_message_id,
                              omnigate::v1::Role role, Done done) {
  const uint32_t p = queue::PartitionOf(conversation_key, partitions_);
  const char* responder = role == omnigate::v1::ROLE_BOT     ? "bot"
                          : role == omnigate::v1::ROLE_AGENT ? "agent"
                                                             : "";
  std::string status_key = queue::OutboundStatusKey(p, event_id);
  std::string index_key = queue::OutboundStatusIndexKey(event_id);
  std::vector<redis::RedisCommand> record = {
      {"EVALSHA", BatchSha(), "4", status_key,
       queue::ProviderMessageKey(p, connector, provider_message_id),
       queue::EarlyReceiptKey(p, connector, provider_message_id),
       queue::ConversationStateKey(p, conversation_key), event_id, provider_message_id, connector,
       absl::StrCat(clock_.NowMs()), retention_ms_, responder}};
  redis::RedisCommand index = {"SET", index_key, absl::StrCat(p), "PX", retention_ms_};
  const size_t lane = p % static_cast<size_t>(std::max(1, writer_->lanes()));
  if (!cluster_) {
    // One Redis: both in one submission.
    record.push_back(std::move(index));
    writer_->Submit(
        status_key, lane, std::move(record),
        [done = std::move(done)](absl::StatusOr<redis::GroupCommitWriter::Replies> replies) {
          if (!replies.ok()) {
            done(replies.status());
          } else if (replies->size() != 2) {
            done(absl::InternalError("redis record-sent: no reply"));
          } else if (replies->back().is_error()) {
            done(absl::InternalError("redis record-sent: index not set"));
          } else {
            done(RecordOf(replies->front()));
          }
        });
    return;
  }
  // On a cluster the index lives in another slot (it is looked up by id
  // alone): a submission of its own, in the same flush.
  auto join = std::make_shared<Join>();
  join->done = std::move(done);
  writer_->Submit(status_key, lane, std::move(record),
                  [join](absl::StatusOr<redis::GroupCommitWriter::Replies> replies) {
                    if (!replies.ok()) {
                      join->record = replies.status();
                    } else if (replies->size() != 1) {
                      join->record = absl::InternalError("redis record-sent: no reply");
                    } else {
                      join->record = RecordOf(replies->front());
                    }
                    join->Arrived();
                  });
  writer_->Submit(index_key, lane, {std::move(index)},
                  [join](absl::StatusOr<redis::GroupCommitWriter::Replies> replies) {
                    if (!replies.ok()) {
                      join->index = replies.status();
                    } else if (replies->size() != 1 || replies->front().is_error()) {
                      join->index = absl::InternalError("redis record-sent: index not set");
                    }
                    join->Arrived();
                  });
}

SentRecordFolder::SentRecordFolder(bool by_slot, size_t max_per_call)
    : by_slot_(by_slot), max_per_call_(max_per_call > 0 ? max_per_call : 1) {}

std::vector<redis::RedisCommand> SentRecordFolder::Fold(
    const std::vector<redis::RedisCommand*>& commands, std::vector<Answer>* answers) const {
  redis::FoldedCalls folded(commands.size(), max_per_call_, answers);
  for (size_t i = 0; i < commands.size(); ++i) {
    redis::RedisCommand& cmd = *commands[i];
    if (!IsRecordCall(cmd)) {
      folded.PassThrough(i, cmd);
      continue;
    }
    auto [call, opened] = folded.Add(i, by_slot_ ? HashTag(cmd[kFirstKey]) : absl::string_view());
    if (opened) call->sha = BatchSha();
    for (size_t k = 0; k < kKeysPerRecord; ++k) call->keys.push_back(std::move(cmd[kFirstKey + k]));
    for (size_t a = 0; a < kArgsPerRecord; ++a) {
      call->args.push_back(std::move(cmd[kFirstKey + kKeysPerRecord + a]));
    }
  }
  return folded.Finish();
}

}  // namespace omnigate::sender
