#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace omnigate::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& log_path,
    const std::vector<std::string>& extra_env) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    for (const auto& kv : extra_env) putenv(strdup(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log_path));
}

ChildProcess::~ChildProcess() {
  if (running()) Signal(SIGKILL, absl::Seconds(5)).IgnoreError();
}

bool ChildProcess::running() {
  if (exit_status_ >= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

absl::StatusOr<int> ChildProcess::Signal(int sig, absl::Duration timeout) {
  if (!running()) return exit_status_;
  kill(pid_, sig);
  const absl::Time deadline = absl::Now() + timeout;
  while (running()) {
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError(absl::StrCat("pid ", pid_, " still running"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_status_;
}

std::string ChildProcess::ReadLog() const {
  auto content = ReadFile(log_path_);
  return content.ok() ? *content : "";
}

std::string BinaryPath(const std::string& name) {
  return absl::StrCat(OMNIGATE_BINARY_DIR, "/bin/", name);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

std::string FixturesDir() {
  if (const char* dir = getenv("OMNIGATE_FIXTURES_DIR"); dir != nullptr && dir[0] != '\0')
    return dir;
  return absl::StrCat(OMNIGATE_SOURCE_DIR, "/tests/fixtures/channels");
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/omnigate-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir != nullptr ? dir : "/tmp";
}

}  // namespace omnigate::testing
