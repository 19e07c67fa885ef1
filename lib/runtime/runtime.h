#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

// Process plumbing shared by every omnigate binary. Only main() calls these.
namespace omnigate::runtime {

// If argv asks for help (--help, -h, --helpfull), prints `usage` and every
// flag defined by the binary, then exits 0. absl's own --help exits 1.
void HandleHelp(int argc, char** argv, absl::string_view usage);

// The effective value of a setting: flag when given, else the config file,
// else the environment variable, else the default. (Flags override the file;
// the environment overrides defaults.)
std::string Resolve(const std::string& flag_value, const std::optional<std::string>& file_value,
                    const char* env_name, absl::string_view default_value);

// Call first in main. Routes SIGTERM and SIGINT to WaitForTerminationSignal()
// (a handler writes them to a pipe, whichever thread receives them), ignores
// SIGPIPE, and turns off absl::Mutex deadlock detection: Debian's Abseil is
// built with it on, which makes every gRPC mutex operation several times
// dearer.
void PrepareProcess();
// Waits for SIGTERM or SIGINT; returns the signal number.
int WaitForTerminationSignal();

// A replica id for leases and consumer names: "<hostname>-<pid>", or
// "<fallback>-<pid>" when the host has no name. Unique per live process.
std::string DefaultInstanceId(absl::string_view fallback);

// Sets the log level from text; INVALID_ARGUMENT when unknown.
absl::Status SetLogLevel(const std::string& level);

}  // namespace omnigate::runtime
