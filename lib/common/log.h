#pragma once

#include <sstream>

#include "absl/strings/string_view.h"

// Minimal leveled logging to stderr, one line per record in logfmt:
//   ts=2026-11-24T10:00:00.123Z level=info src=ingest_main.cc:42 msg="..."
// Never log secrets or message text at info level: log ids, sizes and reasons.
//
//   OG_LOG(INFO) << "listening on " << addr;

namespace omnigate::log {

// Names match the OG_LOG(INFO) spelling.
enum class Level { kDEBUG = 0, kINFO = 1, kWARNING = 2, kERROR = 3 };

// Sets the minimum level written (default kINFO). Thread-safe.
void SetMinLevel(Level level);
// Parses "debug", "info", "warning"/"warn", "error"; false on anything else.
bool ParseLevel(absl::string_view text, Level* level);
bool Enabled(Level level);

// One log record; written (atomically, one write()) when destroyed.
class LogLine {
 public:
  LogLine(Level level, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  std::ostream& stream() { return message_; }

 private:
  Level level_;
  const char* file_;
  int line_;
  std::ostringstream message_;
};

}  // namespace omnigate::log

namespace omnigate::log {
// Turns the streamed expression into void, so both arms of OG_LOG's ternary
// match; & binds more loosely than <<, so it applies to the whole record.
struct Voidify {
  void operator&(std::ostream&) {}
};
}  // namespace omnigate::log

// An expression, not a statement with an if: `if (c) OG_LOG(INFO) << x;
// else ...` binds the else to the caller's if, and compilers do not warn.
// Nothing after << is evaluated when the level is off.
#define OG_LOG(severity)                                                                      \
  !::omnigate::log::Enabled(::omnigate::log::Level::k##severity)                              \
      ? (void)0                                                                               \
      : ::omnigate::log::Voidify() &                                                          \
            ::omnigate::log::LogLine(::omnigate::log::Level::k##severity, __FILE__, __LINE__) \
                .stream()
