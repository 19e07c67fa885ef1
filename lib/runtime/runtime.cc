#include "lib/runtime/runtime.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A closed peer must not kill the process on write.
  signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
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

}  // namespace omnigate::runtime
