#include "lib/metrics/process_collector.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "lib/common/clock.h"

namespace omnigate::metrics {
namespace {

prometheus::MetricFamily Single(const std::string& name, const std::string& help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

int CountOpenFds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++count;
    closedir(dir);
    count -= 3;  // ".", ".." and the directory's own descriptor
  }
  return count < 0 ? 0 : count;
}

}  // namespace

ProcessCollector::ProcessCollector() : start_time_seconds_(SystemClock::Get().NowMs() / 1000.0) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  // /proc/self/stat fields (1-based): 14 utime, 15 stime, 20 num_threads,
  // 23 vsize (bytes), 24 rss (pages). The comm field may hold spaces, so
  // parse after its closing parenthesis.
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  std::istringstream rest(close == std::string::npos ? std::string() : line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, threads = 0, vsize = 0, rss_pages = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 20) threads = std::stod(field);
    if (i == 23) vsize = std::stod(field);
    if (i == 24) {
      rss_pages = std::stod(field);
      break;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  using prometheus::MetricType;
  return {
      Single("omnigate_process_cpu_seconds_total", "User and system CPU time of the process.",
             MetricType::Counter, (utime + stime) / ticks),
      Single("omnigate_process_resident_memory_bytes", "Resident set size.", MetricType::Gauge,
             rss_pages * page),
      Single("omnigate_process_virtual_memory_bytes", "Virtual memory size.", MetricType::Gauge,
             vsize),
      Single("omnigate_process_threads", "OS threads of the process.", MetricType::Gauge, threads),
      Single("omnigate_process_open_fds", "Open file descriptors.", MetricType::Gauge,
             CountOpenFds()),
      Single("omnigate_process_start_time_seconds", "Start time since the Unix epoch.",
             MetricType::Gauge, start_time_seconds_),
  };
}

}  // namespace omnigate::metrics
