#include "lib/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/log.h"

namespace omnigate::runtime {

void HandleHelp(int argc, char** argv, absl::string_view usage) {
  bool wanted = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h" || arg == "--helpfull") wanted = true;
  }
  if (!wanted) return;
  std::string out = absl::StrCat(usage, "\n\nFlags:\n");
  // Only the binary's own flags (defined under services/), sorted by name.
  std::map<std::string, std::string> lines;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::StrContains(flag->Filename(), "services/")) continue;
    lines[std::string(name)] = absl::StrCat("  --", name, "  ", flag->Help(), "\n      default: \"",
                                            flag->DefaultValue(), "\"\n");
  }
  for (const auto& [name, line] : lines) out += line;
  fputs(out.c_str(), stdout);
  std::exit(0);
}

std::string Resolve(const std::string& flag_value, const std::optional<std::string>& file_value,
                    const char* env_name, absl::string_view default_value) {
  if (!flag_value.empty()) return flag_value;
  if (file_value.has_value() && !file_value->empty()) return *file_value;
  if (const char* env = std::getenv(env_name); env != nullptr && env[0] != '\0') return env;
  return std::string(default_value);
}

namespace {

// Written by the signal handler, read by WaitForTerminationSignal.
int g_signal_pipe[2] = {-1, -1};

void OnTerminationSignal(int sig) {
  const unsigned char byte = static_cast<unsigned char>(sig);
  // write() is async-signal-safe; a full pipe means a signal is already queued.
  const ssize_t unused = write(g_signal_pipe[1], &byte, 1);
  (void)unused;
}

}  // namespace

void PrepareProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // A handler rather than a blocked mask: threads started before main (gRPC
  // starts some in static initializers) never had the mask, and a signal
  // landing on one of them would kill the process with the default action.
  // With a handler, whichever thread receives it only writes to the pipe.
  if (g_signal_pipe[0] < 0 && pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    perror("omnigate: pipe2");
    std::exit(2);
  }
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnTerminationSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A closed peer must not kill the process on write.
  signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal() {
  unsigned char byte = 0;
  while (true) {
    const ssize_t n = read(g_signal_pipe[0], &byte, 1);
    if (n == 1) return byte;
    if (n < 0 && errno == EINTR) continue;
    return SIGTERM;  // the pipe broke: treat as a request to stop
  }
}

absl::Status SetLogLevel(const std::string& level) {
  log::Level parsed;
  if (!log::ParseLevel(level, &parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("log level '", level, "': use debug, info, warning or error"));
  }
  log::SetMinLevel(parsed);
  return absl::OkStatus();
}

std::string DefaultInstanceId(absl::string_view fallback) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] ? absl::string_view(host) : fallback, "-", getpid());
}

}  // namespace omnigate::runtime
