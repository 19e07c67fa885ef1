#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace omnigate::testing {

namespace {

// Binds 127.0.0.1:`port` (0: any) and releases it; the port bound, or -1.
int TryBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  int bound = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  close(fd);
  return bound;
}

// Reserves `port` for this test process for 10 minutes: a file created
// exclusively in a directory every test process shares. False when another
// process reserved it recently.
bool Reserve(int port) {
  const std::string dir = "/tmp/omnigate-test-ports";
  mkdir(dir.c_str(), 0777);
  const std::string path = absl::StrCat(dir, "/", port);
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && time(nullptr) - st.st_mtime < 600) return false;
  unlink(path.c_str());  // an old reservation: its test is long gone
  const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0666);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

// A random port below Linux's ephemeral range (32768-60999), reserved so
// that no other test picks it: a port the kernel hands out for bind(0) is
// also where other tests' outgoing connections take their source ports, and
// one may take it between this check and the server's own bind; two tests
// picking at random could also pick the same one (both seen: "cannot
// listen" under ctest -j2).
absl::StatusOr<pid_t> SpawnRedisServer(std::vector<std::string> args) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("redis-server", argv.data());
    _exit(127);
  }
  return pid;
}

int PickFreePort() {
  static std::mutex mu;
  static std::mt19937 random(static_cast<uint32_t>(std::random_device{}() ^ getpid()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    int candidate = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      candidate = 20000 + static_cast<int>(random() % 12000);
    }
    if (TryBind(candidate) == candidate && Reserve(candidate)) return candidate;
  }
  return TryBind(0);
}

// Below the ephemeral range too, and with the bus port (+10000) still below
// it. Both ports are reserved so no other test takes either.
int PickFreeClusterPort() {
  static std::mutex mu;
  static std::mt19937 random(static_cast<uint32_t>(std::random_device{}() ^ getpid() ^ 0x5eed));
  for (int attempt = 0; attempt < 400; ++attempt) {
    int candidate = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      candidate = 12000 + static_cast<int>(random() % 8000);
    }
    const int bus = candidate + 10000;
    if (TryBind(candidate) != candidate || TryBind(bus) != bus) continue;
    if (!Reserve(candidate)) continue;
    if (Reserve(bus)) return candidate;
    // The client port stays reserved (unused) until it expires: harmless.
  }
  return -1;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(Options options) {
  char tmpl[] = "/tmp/omnigate-redis-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = PickFreePort();
    if (port <= 0) return absl::InternalError("no free port");
    std::unique_ptr<RedisServer> server(new RedisServer(options, tmpl, port));
    last = server->Spawn();
    if (last.ok()) return server;
  }
  return last;
}

RedisServer::~RedisServer() {
  Kill().IgnoreError();
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

std::string RedisServer::url() const { return absl::StrCat("redis://127.0.0.1:", port_); }

absl::Status RedisServer::Spawn() {
  std::vector<std::string> args = {"redis-server",
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.appendonly ? "yes" : "no",
                                   "--appendfsync",
                                   options_.appendfsync == "no" ? "everysec" : options_.appendfsync,
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   absl::StrCat(dir_, "/redis.log")};
  if (!options_.requirepass.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.requirepass);
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  auto pid = SpawnRedisServer(std::move(args));
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  absl::Status status = WaitForPing(absl::Seconds(10));
  if (!status.ok()) Kill().IgnoreError();
  return status;
}

absl::Status RedisServer::WaitForPing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat("redis-server exited during start on port ", port_));
    }
    auto pong = Cli({"PING"});
    if (pong.ok() && *pong == "PONG") return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server did not answer PING on port ", port_));
}

absl::Status RedisServer::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  int wstatus = 0;
  waitpid(pid_, &wstatus, 0);
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status RedisServer::Kill() {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGKILL);
  int wstatus = 0;
  waitpid(pid_, &wstatus, 0);
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  if (pid_ > 0) return absl::FailedPreconditionError("redis-server is running");
  return Spawn();
}

absl::StatusOr<std::string> RedisServer::Cli(const std::vector<std::string>& args) const {
  std::string cmd = absl::StrCat("redis-cli -h 127.0.0.1 -p ", port_);
  if (!options_.requirepass.empty())
    absl::StrAppend(&cmd, " --no-auth-warning -a '", options_.requirepass, "'");
  for (const auto& a : args) absl::StrAppend(&cmd, " '", a, "'");
  absl::StrAppend(&cmd, " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (rc != 0) return absl::UnavailableError(absl::StrCat("redis-cli exited with ", rc));
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

}  // namespace omnigate::testing
