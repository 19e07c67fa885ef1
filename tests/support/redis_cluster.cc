#include "tests/support/redis_cluster.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/support/process.h"
#include "tests/support/raw_client.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

namespace omnigate::testing {
namespace {

// One line of CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping>
// <pong> <epoch> <link> <slot or range>...".
struct NodeLine {
  std::string id;
  int port = 0;
  std::set<std::string> flags;
  std::string master_id;  // "-" for a master
  std::vector<std::string> slots;
  int slot_count = 0;

  bool Serves(int slot) const {
    for (const std::string& range : slots) {
      int first = 0;
      int last = 0;
      const std::vector<std::string> ends = absl::StrSplit(range, '-');
      if (!absl::SimpleAtoi(ends[0], &first)) continue;
      last = first;
      if (ends.size() == 2 && !absl::SimpleAtoi(ends[1], &last)) continue;
      if (slot >= first && slot <= last) return true;
    }
    return false;
  }
};

std::vector<NodeLine> ParseClusterNodes(absl::string_view text) {
  std::vector<NodeLine> lines;
  for (absl::string_view raw : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    const std::vector<std::string> fields =
        absl::StrSplit(absl::StripAsciiWhitespace(raw), ' ', absl::SkipEmpty());
    if (fields.size() < 8) continue;
    NodeLine line;
    line.id = fields[0];
    const std::string address = fields[1].substr(0, fields[1].find('@'));
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &line.port)) {
      continue;
    }
    for (absl::string_view flag : absl::StrSplit(fields[2], ',')) line.flags.emplace(flag);
    line.master_id = fields[3];
    for (size_t i = 8; i < fields.size(); ++i) {
      if (absl::StartsWith(fields[i], "[")) continue;  // importing/migrating marker
      line.slots.push_back(fields[i]);
      const std::vector<std::string> ends = absl::StrSplit(fields[i], '-');
      int first = 0;
      int last = 0;
      if (absl::SimpleAtoi(ends[0], &first)) {
        last = first;
        if (ends.size() == 2) absl::SimpleAtoi(ends[1], &last);
        line.slot_count += last - first + 1;
      }
    }
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end(),
            [](const NodeLine& a, const NodeLine& b) { return a.id < b.id; });
  return lines;
}

// Runs a shell command, bounded by coreutils' timeout; stdout trimmed.
absl::StatusOr<std::string> Shell(const std::string& command) {
  FILE* pipe = popen(absl::StrCat("timeout 30 ", command, " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("`", command, "` exited with ", rc, ": ", out));
  }
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

std::string Quote(const std::string& arg) { return absl::StrCat("'", arg, "'"); }

// Parses one RESP2 reply at `pos` into redis-cli's plain text (array
// elements one per line, nil as ""); the position after it, or npos while
// incomplete.
size_t ParseReply(const std::string& data, size_t pos, std::string* text) {
  const size_t eol = data.find("\r\n", pos);
  if (eol == std::string::npos) return std::string::npos;
  const char type = data[pos];
  const std::string line = data.substr(pos + 1, eol - pos - 1);
  if (type == '+' || type == '-' || type == ':') {
    *text = line;
    return eol + 2;
  }
  int64_t length = 0;
  if (!absl::SimpleAtoi(line, &length)) return std::string::npos;
  if (type == '$') {
    if (length < 0) {
      text->clear();
      return eol + 2;
    }
    if (data.size() < eol + 2 + length + 2) return std::string::npos;
    *text = data.substr(eol + 2, length);
    return eol + 2 + length + 2;
  }
  if (type != '*') return std::string::npos;
  std::vector<std::string> elements;
  size_t next = eol + 2;
  for (int64_t i = 0; i < length; ++i) {
    std::string element;
    next = ParseReply(data, next, &element);
    if (next == std::string::npos) return next;
    elements.push_back(std::move(element));
  }
  *text = absl::StrJoin(elements, "\n");
  return next;
}

std::string Encode(const std::vector<std::string>& args) {
  std::string request = absl::StrCat("*", args.size(), "\r\n");
  for (const std::string& arg : args) {
    absl::StrAppend(&request, "$", arg.size(), "\r\n", arg, "\r\n");
  }
  return request;
}

// One command to the node on `port` over a fresh connection (AUTH first,
// pipelined, when `password` is set), bounded: cheaper than a redis-cli
// process when polling many nodes.
absl::StatusOr<std::string> Call(int port, const std::string& password,
                                 const std::vector<std::string>& args) {
  RawClient client(port);
  if (!client.connected()) return absl::UnavailableError(absl::StrCat("cannot connect to ", port));
  const std::string request =
      password.empty() ? Encode(args) : absl::StrCat(Encode({"AUTH", password}), Encode(args));
  if (!client.Send(request)) return absl::UnavailableError(absl::StrCat("cannot send to ", port));
  // The last of the (one or two) replies.
  auto parse = [&](const std::string& data, std::string* text) {
    size_t next = ParseReply(data, 0, text);
    if (!password.empty() && next != std::string::npos) next = ParseReply(data, next, text);
    return next != std::string::npos;
  };
  std::string text;
  const std::string& received = client.ReadUntil(
      [&](const std::string& data) { return parse(data, &text); }, absl::Seconds(10));
  if (!parse(received, &text)) return absl::UnavailableError(absl::StrCat("no reply from ", port));
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(Options options) {
  std::unique_ptr<RedisCluster> cluster(new RedisCluster(options, MakeTempDir()));
  const int total = options.masters * (1 + options.replicas_per_master);
  if (auto status = cluster->SpawnNodes(total); !status.ok()) return status;
  if (auto status = cluster->Create(); !status.ok()) return status;
  if (auto status = cluster->WaitUntilHealthy(absl::Seconds(30)); !status.ok()) return status;
  return cluster;
}

RedisCluster::~RedisCluster() {
  for (Process& process : processes_) {
    if (process.pid > 0) Kill(process.port).IgnoreError();
  }
  std::system(absl::StrCat("rm -rf ", Quote(dir_)).c_str());
}

absl::Status RedisCluster::SpawnNodes(int count) {
  // All at once, then wait for all: a node starts in tens of milliseconds.
  for (int attempt = 0; attempt < 5 && static_cast<int>(processes_.size()) < count; ++attempt) {
    std::vector<Process> starting;
    while (static_cast<int>(processes_.size() + starting.size()) < count) {
      auto process = SpawnNode();
      if (!process.ok()) {
        for (const Process& started : starting) {
          kill(started.pid, SIGKILL);
          waitpid(started.pid, nullptr, 0);
        }
        return process.status();
      }
      starting.push_back(*std::move(process));
    }
    WaitFor(
        [&] {
          for (Process& process : starting) {
            int wstatus = 0;
            if (process.pid > 0 && waitpid(process.pid, &wstatus, WNOHANG) == process.pid) {
              process.pid = -1;  // could not listen: another port next round
            }
            if (process.pid > 0 && Run(process.port, {"PING"}).value_or("") != "PONG") {
              return false;
            }
          }
          return true;
        },
        absl::Seconds(10));
    for (Process& process : starting) {
      if (process.pid > 0 && Run(process.port, {"PING"}).value_or("") == "PONG") {
        processes_.push_back(process);
      } else if (process.pid > 0) {
        kill(process.pid, SIGKILL);
        waitpid(process.pid, nullptr, 0);
      }
    }
  }
  if (static_cast<int>(processes_.size()) < count) {
    return absl::UnavailableError("redis-server cluster nodes did not start");
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisCluster::Process> RedisCluster::SpawnNode() {
  Process process;
  process.port = PickFreeClusterPort();
  if (process.port <= 0) return absl::InternalError("no free port pair for a cluster node");
  process.dir = absl::StrCat(dir_, "/", process.port);
  mkdir(process.dir.c_str(), 0755);
  std::vector<std::pair<std::string, std::string>> config = {
      {"port", absl::StrCat(process.port)},
      {"bind", "127.0.0.1"},
      {"dir", process.dir},
      {"logfile", absl::StrCat(process.dir, "/redis.log")},
      {"daemonize", "no"},
      {"cluster-enabled", "yes"},
      {"cluster-config-file", "nodes.conf"},
      {"cluster-node-timeout", absl::StrCat(absl::ToInt64Milliseconds(options_.node_timeout))},
      {"save", ""},
      {"appendonly", "no"},
      // Replicas sync at once instead of waiting 5 s for more to join.
      {"repl-diskless-sync-delay", "0"},
  };
  if (!options_.password.empty()) {
    config.push_back({"requirepass", options_.password});
    config.push_back({"masterauth", options_.password});  // replicas to their master
  }
  std::vector<std::string> args = {"redis-server"};
  for (const auto& [name, value] : config) {
    args.push_back(absl::StrCat("--", name));
    args.push_back(value);
  }
  auto pid = SpawnRedisServer(std::move(args));
  if (!pid.ok()) return pid.status();
  process.pid = *pid;
  return process;
}

absl::Status RedisCluster::Create() {
  std::string command = "redis-cli --cluster create";
  if (!options_.password.empty()) {
    absl::StrAppend(&command, " --no-auth-warning -a ", Quote(options_.password));
  }
  for (const Process& process : processes_) {
    absl::StrAppend(&command, " 127.0.0.1:", process.port);
  }
  absl::StrAppend(&command, " --cluster-replicas ", options_.replicas_per_master, " --cluster-yes");
  auto out = Shell(command);
  if (!out.ok()) return out.status();
  if (!absl::StrContains(*out, "All 16384 slots covered")) {
    return absl::InternalError(absl::StrCat("redis-cli --cluster create: ", *out));
  }
  return absl::OkStatus();
}

std::string RedisCluster::seed_url() const {
  std::vector<std::string> seeds;
  for (const Process& process : processes_) {
    seeds.push_back(absl::StrCat("127.0.0.1:", process.port));
  }
  const std::string credentials =
      options_.password.empty() ? "" : absl::StrCat(":", options_.password, "@");
  return absl::StrCat("redis-cluster://", credentials, absl::StrJoin(seeds, ","));
}

std::vector<int> RedisCluster::ports() const {
  std::vector<int> ports;
  for (const Process& process : processes_) ports.push_back(process.port);
  return ports;
}

absl::StatusOr<std::string> RedisCluster::Run(int port,
                                              const std::vector<std::string>& args) const {
  return Call(port, options_.password, args);
}

std::string RedisCluster::ViewOf(int port) const {
  auto info = Run(port, {"CLUSTER", "INFO"});
  if (!info.ok() || !absl::StrContains(*info, "cluster_state:ok")) return "";
  auto text = Run(port, {"CLUSTER", "NODES"});
  if (!text.ok()) return "";
  const std::vector<NodeLine> lines = ParseClusterNodes(*text);
  std::string view;
  int covered = 0;
  for (const NodeLine& line : lines) {
    if (line.flags.count("handshake") > 0) return "";  // still meeting
    const bool failed = line.flags.count("fail") > 0;
    const bool master = line.flags.count("master") > 0;
    if (master && !failed) covered += line.slot_count;
    if (line.flags.count("myself") > 0 && !master) {
      // A replica must have synced, or it could not take over.
      auto masters = std::find_if(lines.begin(), lines.end(),
                                  [&](const NodeLine& l) { return l.id == line.master_id; });
      const bool master_alive = masters != lines.end() && masters->flags.count("fail") == 0;
      auto replication = Run(port, {"INFO", "replication"});
      if (master_alive &&
          (!replication.ok() || !absl::StrContains(*replication, "master_link_status:up"))) {
        return "";
      }
    }
    absl::StrAppend(&view, line.id, master ? " master " : " replica ", line.master_id,
                    failed ? " fail " : " ", absl::StrJoin(line.slots, ","), "\n");
  }
  return covered == 16384 ? view : "";
}

absl::Status RedisCluster::WaitUntilHealthy(absl::Duration timeout) {
  std::string last;
  const bool agreed = WaitFor(
      [&] {
        std::string first;
        for (const Process& process : processes_) {
          if (process.pid <= 0) continue;
          const std::string view = ViewOf(process.port);
          if (view.empty()) return false;
          if (first.empty()) first = view;
          if (view != first) return false;
        }
        last = first;
        return !first.empty();
      },
      timeout, absl::Milliseconds(100));
  if (!agreed) {
    return absl::DeadlineExceededError(
        absl::StrCat("redis cluster not ok and agreed within ", absl::FormatDuration(timeout)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RedisCluster::Node>> RedisCluster::Nodes() const {
  for (const Process& process : processes_) {
    if (process.pid <= 0) continue;
    auto text = Run(process.port, {"CLUSTER", "NODES"});
    if (!text.ok()) continue;
    std::vector<Node> nodes;
    for (const NodeLine& line : ParseClusterNodes(*text)) {
      Node node;
      node.port = line.port;
      node.id = line.id;
      node.master = line.flags.count("master") > 0;
      node.master_id = node.master ? "" : line.master_id;
      node.failed = line.flags.count("fail") > 0;
      node.slots = line.slot_count;
      for (const Process& p : processes_) {
        if (p.port == line.port) node.pid = p.pid;
      }
      nodes.push_back(std::move(node));
    }
    return nodes;
  }
  return absl::UnavailableError("no cluster node answers CLUSTER NODES");
}

absl::StatusOr<int> RedisCluster::MasterOfSlot(int slot) const {
  for (const Process& process : processes_) {
    if (process.pid <= 0) continue;
    auto text = Run(process.port, {"CLUSTER", "NODES"});
    if (!text.ok()) continue;
    for (const NodeLine& line : ParseClusterNodes(*text)) {
      if (line.flags.count("master") > 0 && line.flags.count("fail") == 0 && line.Serves(slot)) {
        return line.port;
      }
    }
    return absl::NotFoundError(absl::StrCat("no master serves slot ", slot));
  }
  return absl::UnavailableError("no cluster node answers CLUSTER NODES");
}

absl::Status RedisCluster::Kill(int port) {
  for (Process& process : processes_) {
    if (process.port != port) continue;
    if (process.pid <= 0) return absl::FailedPreconditionError("node already dead");
    kill(process.pid, SIGKILL);
    waitpid(process.pid, nullptr, 0);
    process.pid = -1;
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no cluster node on port ", port));
}

absl::Status RedisCluster::WaitForFailover(int dead_port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const bool moved = WaitFor(
      [&] {
        auto nodes = Nodes();
        if (!nodes.ok()) return false;
        for (const Node& node : *nodes) {
          if (node.port == dead_port && node.slots > 0) return false;
        }
        return true;
      },
      timeout, absl::Milliseconds(100));
  if (!moved) {
    return absl::DeadlineExceededError(
        absl::StrCat("slots of the master on port ", dead_port, " not failed over"));
  }
  return WaitUntilHealthy(std::max(deadline - absl::Now(), absl::Seconds(1)));
}

absl::Status RedisCluster::BeginSlotMigration(int slot, int to_port) {
  auto from_port = MasterOfSlot(slot);
  if (!from_port.ok()) return from_port.status();
  if (*from_port == to_port) return absl::InvalidArgumentError("slot already on that node");
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  Migration migration;
  migration.from_port = *from_port;
  migration.to_port = to_port;
  for (const Node& node : *nodes) {
    if (node.port == *from_port) migration.from_id = node.id;
    if (node.port == to_port) migration.to_id = node.id;
  }
  if (migration.from_id.empty() || migration.to_id.empty()) {
    return absl::NotFoundError("migration source or target not in the cluster");
  }
  const std::string s = absl::StrCat(slot);
  // Importing first, so the target accepts what the source starts sending.
  auto importing = Run(to_port, {"CLUSTER", "SETSLOT", s, "IMPORTING", migration.from_id});
  if (!importing.ok() || *importing != "OK") {
    return absl::InternalError(
        absl::StrCat("SETSLOT IMPORTING: ", importing.ok() ? *importing : ""));
  }
  auto migrating = Run(*from_port, {"CLUSTER", "SETSLOT", s, "MIGRATING", migration.to_id});
  if (!migrating.ok() || *migrating != "OK") {
    return absl::InternalError(
        absl::StrCat("SETSLOT MIGRATING: ", migrating.ok() ? *migrating : ""));
  }
  migrations_[slot] = migration;
  return absl::OkStatus();
}

absl::Status RedisCluster::MoveKeys(int slot, const std::vector<std::string>& keys) {
  auto it = migrations_.find(slot);
  if (it == migrations_.end()) return absl::FailedPreconditionError("slot not being migrated");
  if (keys.empty()) return absl::OkStatus();
  std::vector<std::string> args = {"MIGRATE", "127.0.0.1", absl::StrCat(it->second.to_port),
                                   "",        "0",         "5000"};
  if (!options_.password.empty()) {
    args.push_back("AUTH");
    args.push_back(options_.password);
  }
  args.push_back("KEYS");
  args.insert(args.end(), keys.begin(), keys.end());
  auto out = Run(it->second.from_port, args);
  if (!out.ok()) return out.status();
  if (*out != "OK" && *out != "NOKEY") return absl::InternalError(absl::StrCat("MIGRATE: ", *out));
  return absl::OkStatus();
}

absl::Status RedisCluster::FinishSlotMigration(int slot) {
  auto it = migrations_.find(slot);
  if (it == migrations_.end()) return absl::FailedPreconditionError("slot not being migrated");
  const Migration migration = it->second;
  const std::string s = absl::StrCat(slot);
  while (true) {
    auto listed = Run(migration.from_port, {"CLUSTER", "GETKEYSINSLOT", s, "100"});
    if (!listed.ok()) return listed.status();
    const std::vector<std::string> keys = absl::StrSplit(*listed, '\n', absl::SkipWhitespace());
    if (keys.empty()) break;
    if (auto status = MoveKeys(slot, keys); !status.ok()) return status;
  }
  // The target first, then the source, then the other masters: the order
  // that never leaves the slot without an owner that accepts it.
  std::vector<int> masters = {migration.to_port, migration.from_port};
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  for (const Node& node : *nodes) {
    if (node.master && !node.failed && node.pid > 0 &&
        std::find(masters.begin(), masters.end(), node.port) == masters.end()) {
      masters.push_back(node.port);
    }
  }
  for (const int port : masters) {
    auto out = Run(port, {"CLUSTER", "SETSLOT", s, "NODE", migration.to_id});
    if (!out.ok() || *out != "OK") {
      return absl::InternalError(
          absl::StrCat("SETSLOT NODE on ", port, ": ", out.ok() ? *out : out.status().message()));
    }
  }
  migrations_.erase(slot);
  return absl::OkStatus();
}

absl::Status RedisCluster::MigrateSlot(int slot, int to_port) {
  if (auto status = BeginSlotMigration(slot, to_port); !status.ok()) return status;
  return FinishSlotMigration(slot);
}

}  // namespace omnigate::testing
