#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// A real redis-server child process on a free loopback port, for
// integration and end-to-end tests. Stopped (SIGKILL) on destruction.
class RedisServer {
 public:
  struct Options {
    // "no", "everysec" or "always".
    std::string appendfsync = "no";
    bool appendonly = false;
    std::string requirepass;
    // Extra "--name value" arguments.
    std::vector<std::string> extra_args;
  };

  // Starts redis-server and waits (bounded) until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start() { return Start(Options{}); }
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const;
  const std::string& dir() const { return dir_; }

  // Graceful stop (SHUTDOWN semantics via SIGTERM) and wait for exit.
  absl::Status Stop();
  // kill -9 and wait.
  absl::Status Kill();
  // Start again on the same port and data directory.
  absl::Status Restart();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Runs redis-cli against this server and returns stdout (trimmed).
  absl::StatusOr<std::string> Cli(const std::vector<std::string>& args) const;

 private:
  RedisServer(Options options, std::string dir, int port)
      : options_(std::move(options)), dir_(std::move(dir)), port_(port) {}
  absl::Status Spawn();
  absl::Status WaitForPing(absl::Duration timeout);

  Options options_;
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

// Starts `redis-server` with `args` (args[0] is the program name) as a child
// process; its pid. Does not wait for it to answer.
absl::StatusOr<pid_t> SpawnRedisServer(std::vector<std::string> args);

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

// A port in 12000-19999 for a Redis Cluster node: free, as is port+10000
// (its cluster bus), both reserved like PickFreePort's. -1 if none found.
int PickFreeClusterPort();

}  // namespace omnigate::testing
