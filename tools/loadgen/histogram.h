#pragma once

#include <array>
#include <cstdint>

namespace omnigate::loadgen {

// Latency histogram with bounded memory and bounded relative error: values
// (nanoseconds) fall in power-of-two ranges split into kSubBuckets linear
// buckets each, so any percentile is reported within 1/kSubBuckets (1.6%) of
// the exact sample, whatever the run length. Not thread-safe: each driver
// thread keeps its own and they are merged at the end.
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 6;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kRanges = 64 - kSubBucketBits + 1;

  void Record(int64_t nanos);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The smallest recorded value v such that at least q (0..1) of the samples
  // are <= v, reported as the upper edge of v's bucket (clamped to max()).
  // 0 when empty.
  int64_t Percentile(double q) const;

 private:
  static int IndexOf(uint64_t value);
  static uint64_t UpperEdge(int index);

  std::array<int64_t, kRanges * kSubBuckets> buckets_{};
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t max_ = 0;
  int64_t min_ = INT64_MAX;
};

}  // namespace omnigate::loadgen
