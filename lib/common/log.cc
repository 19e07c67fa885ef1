#include "lib/common/log.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace omnigate::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kINFO)};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDEBUG:
      return "debug";
    case Level::kINFO:
      return "info";
    case Level::kWARNING:
      return "warning";
    case Level::kERROR:
      return "error";
  }
  return "info";
}

void AppendQuoted(std::string* out, absl::string_view text) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

void SetMinLevel(Level level) { g_min_level.store(static_cast<int>(level)); }

bool ParseLevel(absl::string_view text, Level* level) {
  if (text == "debug") {
    *level = Level::kDEBUG;
  } else if (text == "info") {
    *level = Level::kINFO;
  } else if (text == "warning" || text == "warn") {
    *level = Level::kWARNING;
  } else if (text == "error") {
    *level = Level::kERROR;
  } else {
    return false;
  }
  return true;
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

LogLine::LogLine(Level level, const char* file, int line)
    : level_(level), file_(file), line_(line) {}

LogLine::~LogLine() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc;
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[40];
  const size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000);

  const char* base = strrchr(file_, '/');
  std::string out;
  out.reserve(128);
  out.append("ts=").append(stamp).append(" level=").append(LevelName(level_));
  out.append(" src=").append(base ? base + 1 : file_).append(":").append(std::to_string(line_));
  out.append(" msg=");
  AppendQuoted(&out, message_.str());
  out.push_back('\n');
  // One write() per record keeps lines from different threads whole.
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace omnigate::log
