#include "tools/loadgen/summary.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnigate::loadgen {

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

namespace {
std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  return absl::StrFormat("%.6g", v);
}
}  // namespace

void Summary::Set(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, JsonQuote(value));
}
void Summary::Set(const std::string& key, double value) {
  fields_.emplace_back(key, Number(value));
}
void Summary::SetInt(const std::string& key, int64_t value) {
  fields_.emplace_back(key, absl::StrCat(value));
}

void Summary::SetLatency(const std::string& key, const LatencyHistogram& h) {
  fields_.emplace_back(key, absl::StrCat("{\"count\": ", h.count(),
                                         ", \"p50_ms\": ", Number(h.Percentile(0.5) / 1e6),
                                         ", \"p90_ms\": ", Number(h.Percentile(0.9) / 1e6),
                                         ", \"p99_ms\": ", Number(h.Percentile(0.99) / 1e6),
                                         ", \"p999_ms\": ", Number(h.Percentile(0.999) / 1e6),
                                         ", \"max_ms\": ", Number(h.max() / 1e6),
                                         ", \"mean_ms\": ", Number(h.mean() / 1e6), "}"));
}

std::string Summary::ToJson() const {
  std::string out = "{";
  for (size_t i = 0; i < fields_.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", JsonQuote(fields_[i].first), ": ",
                    fields_[i].second);
  }
  out += "\n}\n";
  return out;
}

std::string Summary::ToText() const {
  std::string out;
  for (const auto& [key, value] : fields_) absl::StrAppend(&out, "  ", key, ": ", value, "\n");
  return out;
}

}  // namespace omnigate::loadgen
