#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/loadgen/histogram.h"

namespace omnigate::loadgen {

// The machine-readable result of one run: flat fields plus latency blocks.
// Written as one JSON object, read by tools/bench_report.py.
class Summary {
 public:
  void Set(const std::string& key, const std::string& value);
  void Set(const std::string& key, double value);
  void SetInt(const std::string& key, int64_t value);
  // Adds "<key>": {"count", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"}.
  void SetLatency(const std::string& key, const LatencyHistogram& h);

  std::string ToJson() const;
  // A few human lines: what ran, how fast, how slow.
  std::string ToText() const;

 private:
  // Values are kept already encoded as JSON.
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string JsonQuote(const std::string& s);

}  // namespace omnigate::loadgen
