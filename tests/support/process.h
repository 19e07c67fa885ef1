#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace omnigate::testing {

// A child process (one of the real binaries) with stdout/stderr in a log
// file. Killed (SIGKILL) on destruction if still running.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::vector<std::string>& extra_env = {});
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and waits up to `timeout` for exit; returns the exit status
  // (exit code, or 128+signal when killed). DEADLINE_EXCEEDED if still alive.
  absl::StatusOr<int> Signal(int sig, absl::Duration timeout);
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  ChildProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  int exit_status_ = -1;
};

// Path of a built binary (build/bin/NAME).
std::string BinaryPath(const std::string& name);

// Reads a whole file; NOT_FOUND if it cannot.
absl::StatusOr<std::string> ReadFile(const std::string& path);
absl::Status WriteFile(const std::string& path, const std::string& content);

// Directory of the channel examples: $OMNIGATE_FIXTURES_DIR when set (e.g.
// to try another set), else <source>/tests/fixtures/channels.
std::string FixturesDir();

// A fresh temporary directory.
std::string MakeTempDir();

}  // namespace omnigate::testing
