// Streams and consumer groups of FakeRedis.
#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/redis/fake_redis_db.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis::fake {
namespace {

RedisReply InvalidId() {
  return ErrorReply("ERR Invalid stream ID specified as stream command argument");
}

RedisReply NoGroup(const std::string& key, const std::string& group, absl::string_view command) {
  return ErrorReply(absl::StrCat("NOGROUP No such key '", key, "' or consumer group '", group,
                                 "' in ", command, " with GROUP option"));
}

// "ms-seq" or "ms" (seq = `default_seq`), "-" and "+" as the extremes.
bool ParseId(absl::string_view text, uint64_t default_seq, StreamId* out) {
  if (text == "-") {
    *out = StreamId{};
    return true;
  }
  if (text == "+") {
    *out = kMaxStreamId;
    return true;
  }
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(text, '-');
  if (!absl::SimpleAtoi(parts.first, &out->ms)) return false;
  if (text.find('-') == absl::string_view::npos) {
    out->seq = default_seq;
    return true;
  }
  return absl::SimpleAtoi(parts.second, &out->seq);
}

// A range bound; "(id" is exclusive.
bool ParseRangeStart(absl::string_view text, StreamId* out) {
  const bool exclusive = !text.empty() && text[0] == '(';
  if (exclusive) text.remove_prefix(1);
  if (!ParseId(text, 0, out)) return false;
  if (exclusive) {
    if (*out == kMaxStreamId) return false;
    if (++out->seq == 0) ++out->ms;
  }
  return true;
}
bool ParseRangeEnd(absl::string_view text, StreamId* out) {
  const bool exclusive = !text.empty() && text[0] == '(';
  if (exclusive) text.remove_prefix(1);
  if (!ParseId(text, UINT64_MAX, out)) return false;
  if (exclusive) {
    if (out->ms == 0 && out->seq == 0) return false;
    if (out->seq-- == 0) --out->ms;
  }
  return true;
}

RedisReply EntryReply(const StreamId& id, const std::vector<std::string>* fields) {
  std::vector<RedisReply> pair;
  pair.push_back(BulkReply(id.ToString()));
  pair.push_back(fields != nullptr ? BulkArrayReply(*fields) : NilReply());
  return ArrayReply(std::move(pair));
}

Value* FindStream(Db& db, const std::string& key, RedisReply* error) {
  return db.FindTyped(key, Type::kStream, error);
}

// Keeps the newest `max_len` entries. "~" trims exactly too: a fake has no
// macro nodes, and tests should not depend on how much Redis keeps.
void Trim(Stream& s, int64_t max_len) {
  while (static_cast<int64_t>(s.entries.size()) > max_len) s.entries.erase(s.entries.begin());
}

// XADD key [NOMKSTREAM] [MAXLEN [=|~] n [LIMIT c]] id|* field value ...
RedisReply XAdd(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 5) return WrongArity(cmd);
  size_t i = 2;
  bool nomkstream = false;
  int64_t max_len = -1;
  while (i < cmd.size()) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "NOMKSTREAM") {
      nomkstream = true;
      ++i;
    } else if (opt == "MAXLEN") {
      ++i;
      if (i < cmd.size() && (cmd[i] == "~" || cmd[i] == "=")) ++i;
      if (i >= cmd.size() || !ParseInt(cmd[i], &max_len) || max_len < 0) return NotInteger();
      ++i;
      if (i + 1 < cmd.size() && Upper(cmd[i]) == "LIMIT") i += 2;
    } else {
      break;
    }
  }
  if (i >= cmd.size() || (cmd.size() - i - 1) % 2 != 0 || cmd.size() - i - 1 == 0) {
    return WrongArity(cmd);
  }
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  if (v == nullptr && nomkstream) return NilReply();
  if (v == nullptr) v = db.FindOrCreate(cmd[1], Type::kStream, &error);
  Stream& s = v->stream;
  StreamId id;
  if (cmd[i] == "*") {
    const uint64_t now = static_cast<uint64_t>(std::max<int64_t>(0, db.now_ms()));
    id = now > s.last_id.ms ? StreamId{now, 0} : StreamId{s.last_id.ms, s.last_id.seq + 1};
  } else {
    if (!ParseId(cmd[i], 0, &id)) return InvalidId();
    if (id.ms == 0 && id.seq == 0) {
      return ErrorReply("ERR The ID specified in XADD must be greater than 0-0");
    }
    if (id <= s.last_id) {
      return ErrorReply(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    }
  }
  s.entries[id] = std::vector<std::string>(cmd.begin() + static_cast<long>(i) + 1, cmd.end());
  s.last_id = id;
  if (max_len >= 0) Trim(s, max_len);
  return BulkReply(id.ToString());
}

RedisReply XLen(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 2) return WrongArity(cmd);
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  return IntegerReply(v != nullptr ? static_cast<int64_t>(v->stream.entries.size()) : 0);
}

// XRANGE key start end [COUNT n]; XREVRANGE key end start [COUNT n].
RedisReply XRangeImpl(Db& db, const RedisCommand& cmd, bool reverse) {
  if (cmd.size() != 4 && cmd.size() != 6) return WrongArity(cmd);
  StreamId start, end;
  const std::string& start_text = reverse ? cmd[3] : cmd[2];
  const std::string& end_text = reverse ? cmd[2] : cmd[3];
  if (!ParseRangeStart(start_text, &start) || !ParseRangeEnd(end_text, &end)) return InvalidId();
  int64_t count = -1;
  if (cmd.size() == 6) {
    if (Upper(cmd[4]) != "COUNT") return SyntaxError();
    if (!ParseInt(cmd[5], &count)) return NotInteger();
  }
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  std::vector<RedisReply> out;
  if (v != nullptr && start <= end) {
    const auto& entries = v->stream.entries;
    auto lo = entries.lower_bound(start);
    auto hi = entries.upper_bound(end);
    std::vector<decltype(lo)> picked;
    for (auto it = lo; it != hi; ++it) picked.push_back(it);
    if (reverse) std::reverse(picked.begin(), picked.end());
    for (auto it : picked) {
      if (count >= 0 && static_cast<int64_t>(out.size()) >= count) break;
      out.push_back(EntryReply(it->first, &it->second));
    }
  }
  return ArrayReply(std::move(out));
}
RedisReply XRange(Db& db, const RedisCommand& cmd) { return XRangeImpl(db, cmd, false); }
RedisReply XRevRange(Db& db, const RedisCommand& cmd) { return XRangeImpl(db, cmd, true); }

// Deleted entries stay in pending lists, as in Redis.
RedisReply XDel(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  int64_t n = 0;
  for (size_t i = 2; i < cmd.size(); ++i) {
    StreamId id;
    if (!ParseId(cmd[i], 0, &id)) return InvalidId();
    if (v != nullptr) n += static_cast<int64_t>(v->stream.entries.erase(id));
  }
  return IntegerReply(n);
}

RedisReply XTrim(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4 || Upper(cmd[2]) != "MAXLEN") return SyntaxError();
  const std::string& n = cmd[3] == "~" || cmd[3] == "=" ? (cmd.size() > 4 ? cmd[4] : "") : cmd[3];
  int64_t max_len = 0;
  if (!ParseInt(n, &max_len) || max_len < 0) return NotInteger();
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  const int64_t before = static_cast<int64_t>(v->stream.entries.size());
  Trim(v->stream, max_len);
  return IntegerReply(before - static_cast<int64_t>(v->stream.entries.size()));
}

// XGROUP CREATE key group id|$ [MKSTREAM] | DESTROY key group |
// SETID key group id|$ | CREATECONSUMER key group consumer
RedisReply XGroup(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4) return WrongArity(cmd);
  const std::string sub = Upper(cmd[1]);
  const std::string& key = cmd[2];
  const std::string& group = cmd[3];
  RedisReply error;
  Value* v = FindStream(db, key, &error);
  if (error.is_error()) return error;
  if (sub == "CREATE") {
    if (cmd.size() < 5) return WrongArity(cmd);
    const bool mkstream = cmd.size() > 5 && Upper(cmd[5]) == "MKSTREAM";
    if (v == nullptr && !mkstream) {
      return ErrorReply(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
          "want to use the MKSTREAM option to create an empty stream automatically.");
    }
    StreamId start;
    if (cmd[4] != "$" && !ParseId(cmd[4], 0, &start)) return InvalidId();
    if (v == nullptr) v = db.FindOrCreate(key, Type::kStream, &error);
    if (cmd[4] == "$") start = v->stream.last_id;
    if (v->stream.groups.count(group) != 0) {
      return ErrorReply("BUSYGROUP Consumer Group name already exists");
    }
    v->stream.groups[group].last_delivered = start;
    return StatusReply("OK");
  }
  if (v == nullptr) return ErrorReply("ERR no such key");
  auto it = v->stream.groups.find(group);
  if (sub == "DESTROY") {
    if (it == v->stream.groups.end()) return IntegerReply(0);
    v->stream.groups.erase(it);
    return IntegerReply(1);
  }
  if (it == v->stream.groups.end()) {
    return ErrorReply(
        absl::StrCat("NOGROUP No such consumer group '", group, "' for key name '", key, "'"));
  }
  if (sub == "SETID" && cmd.size() >= 5) {
    StreamId id;
    if (cmd[4] == "$") {
      id = v->stream.last_id;
    } else if (!ParseId(cmd[4], 0, &id)) {
      return InvalidId();
    }
    it->second.last_delivered = id;
    return StatusReply("OK");
  }
  if (sub == "CREATECONSUMER" && cmd.size() >= 5) {
    return IntegerReply(it->second.consumers.insert(cmd[4]).second ? 1 : 0);
  }
  return SyntaxError();
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key... id...: entries after each id.
// Nothing new answers nil; waiting (BLOCK) is FakeRedis's, which runs the
// command again when entries may have been added.
RedisReply XRead(Db& db, const RedisCommand& cmd) {
  int64_t count = -1;
  size_t i = 1;
  for (; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "COUNT" && i + 1 < cmd.size()) {
      if (!ParseInt(cmd[++i], &count)) return NotInteger();
    } else if (opt == "BLOCK" && i + 1 < cmd.size()) {
      int64_t block = 0;
      if (!ParseInt(cmd[++i], &block) || block < 0) return NotInteger();
    } else if (opt == "STREAMS") {
      break;
    } else {
      return SyntaxError();
    }
  }
  const size_t rest = i < cmd.size() ? cmd.size() - i - 1 : 0;
  if (rest == 0 || rest % 2 != 0) {
    return ErrorReply(
        "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be "
        "specified.");
  }
  const size_t streams = rest / 2;
  std::vector<RedisReply> out;
  for (size_t k = 0; k < streams; ++k) {
    const std::string& key = cmd[i + 1 + k];
    const std::string& id_text = cmd[i + 1 + streams + k];
    RedisReply error;
    Value* v = FindStream(db, key, &error);
    if (error.is_error()) return error;
    StreamId after;
    if (id_text == "$") {
      if (v == nullptr) continue;
      after = v->stream.last_id;
    } else if (!ParseId(id_text, 0, &after)) {
      return InvalidId();
    }
    if (v == nullptr) continue;
    std::vector<RedisReply> entries;
    for (auto it = v->stream.entries.upper_bound(after); it != v->stream.entries.end(); ++it) {
      if (count > 0 && static_cast<int64_t>(entries.size()) >= count) break;
      entries.push_back(EntryReply(it->first, &it->second));
    }
    if (entries.empty()) continue;
    std::vector<RedisReply> pair;
    pair.push_back(BulkReply(key));
    pair.push_back(ArrayReply(std::move(entries)));
    out.push_back(ArrayReply(std::move(pair)));
  }
  if (out.empty()) return NilReply();
  return ArrayReply(std::move(out));
}

// XREADGROUP GROUP g consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...
// Nothing new answers nil; waiting (BLOCK) is FakeRedis's.
RedisReply XReadGroup(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 7 || Upper(cmd[1]) != "GROUP") return SyntaxError();
  const std::string& group = cmd[2];
  const std::string& consumer = cmd[3];
  int64_t count = -1;
  bool noack = false;
  size_t i = 4;
  for (; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "COUNT" && i + 1 < cmd.size()) {
      if (!ParseInt(cmd[++i], &count)) return NotInteger();
    } else if (opt == "BLOCK" && i + 1 < cmd.size()) {
      ++i;
    } else if (opt == "NOACK") {
      noack = true;
    } else if (opt == "STREAMS") {
      break;
    } else {
      return SyntaxError();
    }
  }
  const size_t rest = cmd.size() - i - 1;
  if (i >= cmd.size() || rest == 0 || rest % 2 != 0) {
    return ErrorReply(
        "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be "
        "specified.");
  }
  const size_t streams = rest / 2;
  std::vector<RedisReply> out;
  bool any = false;
  for (size_t k = 0; k < streams; ++k) {
    const std::string& key = cmd[i + 1 + k];
    const std::string& id_text = cmd[i + 1 + streams + k];
    RedisReply error;
    Value* v = FindStream(db, key, &error);
    if (error.is_error()) return error;
    if (v == nullptr || v->stream.groups.count(group) == 0) {
      return NoGroup(key, group, "XREADGROUP");
    }
    Stream& s = v->stream;
    ConsumerGroup& g = s.groups[group];
    g.consumers.insert(consumer);
    std::vector<RedisReply> entries;
    if (id_text == ">") {
      for (auto it = s.entries.upper_bound(g.last_delivered); it != s.entries.end(); ++it) {
        if (count > 0 && static_cast<int64_t>(entries.size()) >= count) break;
        entries.push_back(EntryReply(it->first, &it->second));
        g.last_delivered = it->first;
        if (!noack) g.pending[it->first] = PendingEntry{consumer, db.now_ms(), 1};
      }
      if (entries.empty()) continue;
    } else {
      // The consumer's own pending entries after the id (history).
      StreamId after;
      if (!ParseId(id_text, 0, &after)) return InvalidId();
      for (auto it = g.pending.upper_bound(after); it != g.pending.end(); ++it) {
        if (count > 0 && static_cast<int64_t>(entries.size()) >= count) break;
        if (it->second.consumer != consumer) continue;
        auto entry = s.entries.find(it->first);
        entries.push_back(
            EntryReply(it->first, entry != s.entries.end() ? &entry->second : nullptr));
      }
    }
    any = true;
    std::vector<RedisReply> pair;
    pair.push_back(BulkReply(key));
    pair.push_back(ArrayReply(std::move(entries)));
    out.push_back(ArrayReply(std::move(pair)));
  }
  if (!any) return NilReply();
  return ArrayReply(std::move(out));
}

RedisReply XAck(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 4) return WrongArity(cmd);
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  if (v == nullptr) return IntegerReply(0);
  auto g = v->stream.groups.find(cmd[2]);
  if (g == v->stream.groups.end()) return IntegerReply(0);
  int64_t n = 0;
  for (size_t i = 3; i < cmd.size(); ++i) {
    StreamId id;
    if (!ParseId(cmd[i], 0, &id)) return InvalidId();
    n += static_cast<int64_t>(g->second.pending.erase(id));
  }
  return IntegerReply(n);
}

// XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]
// Redis 7 reply: next cursor, claimed entries (or ids), ids of entries that
// no longer exist (dropped from the pending list).
RedisReply XAutoClaim(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 6) return WrongArity(cmd);
  int64_t min_idle = 0, count = 100;
  if (!ParseInt(cmd[4], &min_idle)) return NotInteger();
  StreamId start;
  if (!ParseRangeStart(cmd[5], &start)) return InvalidId();
  bool justid = false;
  for (size_t i = 6; i < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "COUNT" && i + 1 < cmd.size()) {
      if (!ParseInt(cmd[++i], &count) || count <= 0) return NotInteger();
    } else if (opt == "JUSTID") {
      justid = true;
    } else {
      return SyntaxError();
    }
  }
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  if (v == nullptr || v->stream.groups.count(cmd[2]) == 0) {
    return ErrorReply(
        absl::StrCat("NOGROUP No such key '", cmd[1], "' or consumer group '", cmd[2], "'"));
  }
  Stream& s = v->stream;
  ConsumerGroup& g = s.groups[cmd[2]];
  g.consumers.insert(cmd[3]);
  const int64_t now = db.now_ms();
  std::vector<RedisReply> claimed;
  std::vector<std::string> deleted;
  auto it = g.pending.lower_bound(start);
  int64_t taken = 0;
  while (it != g.pending.end() && taken < count) {
    if (now - it->second.delivered_ms < min_idle) {
      ++it;
      continue;
    }
    ++taken;
    auto entry = s.entries.find(it->first);
    if (entry == s.entries.end()) {
      deleted.push_back(it->first.ToString());
      it = g.pending.erase(it);
      continue;
    }
    it->second.consumer = cmd[3];
    it->second.delivered_ms = now;
    if (!justid) ++it->second.deliveries;
    claimed.push_back(justid ? BulkReply(it->first.ToString())
                             : EntryReply(it->first, &entry->second));
    ++it;
  }
  std::vector<RedisReply> out;
  out.push_back(BulkReply(it == g.pending.end() ? "0-0" : it->first.ToString()));
  out.push_back(ArrayReply(std::move(claimed)));
  out.push_back(BulkArrayReply(deleted));
  return ArrayReply(std::move(out));
}

// XPENDING key group (summary) or
// XPENDING key group [IDLE ms] start end count [consumer] (details).
RedisReply XPending(Db& db, const RedisCommand& cmd) {
  if (cmd.size() < 3) return WrongArity(cmd);
  RedisReply error;
  Value* v = FindStream(db, cmd[1], &error);
  if (error.is_error()) return error;
  if (v == nullptr || v->stream.groups.count(cmd[2]) == 0) {
    return ErrorReply(
        absl::StrCat("NOGROUP No such key '", cmd[1], "' or consumer group '", cmd[2], "'"));
  }
  const ConsumerGroup& g = v->stream.groups[cmd[2]];
  const int64_t now = db.now_ms();
  if (cmd.size() == 3) {
    std::vector<RedisReply> out;
    out.push_back(IntegerReply(static_cast<int64_t>(g.pending.size())));
    if (g.pending.empty()) {
      out.push_back(NilReply());
      out.push_back(NilReply());
      out.push_back(NilReply());
      return ArrayReply(std::move(out));
    }
    out.push_back(BulkReply(g.pending.begin()->first.ToString()));
    out.push_back(BulkReply(g.pending.rbegin()->first.ToString()));
    std::map<std::string, int64_t> per_consumer;
    for (const auto& [id, p] : g.pending) ++per_consumer[p.consumer];
    std::vector<RedisReply> consumers;
    for (const auto& [name, n] : per_consumer) {
      consumers.push_back(BulkArrayReply({name, absl::StrCat(n)}));
    }
    out.push_back(ArrayReply(std::move(consumers)));
    return ArrayReply(std::move(out));
  }
  size_t i = 3;
  int64_t min_idle = 0;
  if (Upper(cmd[i]) == "IDLE") {
    if (i + 1 >= cmd.size() || !ParseInt(cmd[i + 1], &min_idle)) return NotInteger();
    i += 2;
  }
  if (cmd.size() - i < 3) return SyntaxError();
  StreamId start, end;
  int64_t count = 0;
  if (!ParseRangeStart(cmd[i], &start) || !ParseRangeEnd(cmd[i + 1], &end)) return InvalidId();
  if (!ParseInt(cmd[i + 2], &count)) return NotInteger();
  const std::string consumer = cmd.size() > i + 3 ? cmd[i + 3] : "";
  std::vector<RedisReply> out;
  for (auto it = g.pending.lower_bound(start);
       it != g.pending.end() && it->first <= end && static_cast<int64_t>(out.size()) < count;
       ++it) {
    const int64_t idle = now - it->second.delivered_ms;
    if (idle < min_idle || (!consumer.empty() && it->second.consumer != consumer)) continue;
    std::vector<RedisReply> row;
    row.push_back(BulkReply(it->first.ToString()));
    row.push_back(BulkReply(it->second.consumer));
    row.push_back(IntegerReply(idle));
    row.push_back(IntegerReply(it->second.deliveries));
    out.push_back(ArrayReply(std::move(row)));
  }
  return ArrayReply(std::move(out));
}

// XINFO GROUPS key: name, consumers, pending, last-delivered-id,
// entries-read, lag per group.
RedisReply XInfo(Db& db, const RedisCommand& cmd) {
  if (cmd.size() != 3 || Upper(cmd[1]) != "GROUPS") return SyntaxError();
  RedisReply error;
  Value* v = FindStream(db, cmd[2], &error);
  if (error.is_error()) return error;
  if (v == nullptr) return ErrorReply("ERR no such key");
  std::vector<RedisReply> out;
  for (const auto& [name, g] : v->stream.groups) {
    int64_t lag = 0;
    for (auto it = v->stream.entries.upper_bound(g.last_delivered); it != v->stream.entries.end();
         ++it) {
      ++lag;
    }
    std::vector<RedisReply> info;
    info.push_back(BulkReply("name"));
    info.push_back(BulkReply(name));
    info.push_back(BulkReply("consumers"));
    info.push_back(IntegerReply(static_cast<int64_t>(g.consumers.size())));
    info.push_back(BulkReply("pending"));
    info.push_back(IntegerReply(static_cast<int64_t>(g.pending.size())));
    info.push_back(BulkReply("last-delivered-id"));
    info.push_back(BulkReply(g.last_delivered.ToString()));
    info.push_back(BulkReply("entries-read"));
    info.push_back(IntegerReply(static_cast<int64_t>(v->stream.entries.size()) - lag));
    info.push_back(BulkReply("lag"));
    info.push_back(IntegerReply(lag));
    out.push_back(ArrayReply(std::move(info)));
  }
  return ArrayReply(std::move(out));
}

}  // namespace

std::optional<int64_t> BlockMs(const RedisCommand& cmd) {
  if (cmd.empty()) return std::nullopt;
  const std::string name = Upper(cmd[0]);
  if (name != "XREAD" && name != "XREADGROUP") return std::nullopt;
  for (size_t i = 1; i + 1 < cmd.size(); ++i) {
    const std::string opt = Upper(cmd[i]);
    if (opt == "STREAMS") break;
    int64_t ms = 0;
    if (opt == "BLOCK" && ParseInt(cmd[i + 1], &ms) && ms >= 0) return ms;
  }
  return std::nullopt;
}

RedisCommand ResolveLastIds(Db& db, const RedisCommand& cmd) {
  RedisCommand out = cmd;
  if (cmd.empty() || Upper(cmd[0]) != "XREAD") return out;
  size_t i = 1;
  while (i < cmd.size() && Upper(cmd[i]) != "STREAMS") ++i;
  const size_t rest = i < cmd.size() ? cmd.size() - i - 1 : 0;
  if (rest == 0 || rest % 2 != 0) return out;
  const size_t streams = rest / 2;
  for (size_t k = 0; k < streams; ++k) {
    std::string& id = out[i + 1 + streams + k];
    if (id != "$") continue;
    RedisReply error;
    Value* v = FindStream(db, cmd[i + 1 + k], &error);
    id = v != nullptr ? v->stream.last_id.ToString() : "0-0";
  }
  return out;
}

void AddStreamCommands(CommandTable* table) {
  CommandTable& t = *table;
  t["XADD"] = XAdd;
  t["XLEN"] = XLen;
  t["XRANGE"] = XRange;
  t["XREVRANGE"] = XRevRange;
  t["XDEL"] = XDel;
  t["XTRIM"] = XTrim;
  t["XGROUP"] = XGroup;
  t["XREAD"] = XRead;
  t["XREADGROUP"] = XReadGroup;
  t["XACK"] = XAck;
  t["XAUTOCLAIM"] = XAutoClaim;
  t["XPENDING"] = XPending;
  t["XINFO"] = XInfo;
}

}  // namespace omnigate::redis::fake
