#include "tools/loadgen/histogram.h"

#include <algorithm>
#include <cmath>

namespace omnigate::loadgen {

// Range 0 holds [0, kSubBuckets) exactly; range r >= 1 holds
// [kSubBuckets << (r-1), kSubBuckets << r) in kSubBuckets steps of 2^(r-1).
int LatencyHistogram::IndexOf(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  const int top_bit = 63 - __builtin_clzll(value);
  const int range = top_bit - kSubBucketBits + 1;
  const int sub = static_cast<int>((value >> (range - 1)) & (kSubBuckets - 1));
  return range * kSubBuckets + sub;
}

uint64_t LatencyHistogram::UpperEdge(int index) {
  const int range = index / kSubBuckets;
  const uint64_t sub = index % kSubBuckets;
  if (range == 0) return sub;
  // Values in this bucket are [(kSub + sub) << (range-1), (kSub + sub + 1) << (range-1)).
  return ((kSubBuckets + sub + 1) << (range - 1)) - 1;
}

void LatencyHistogram::Record(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  ++buckets_[IndexOf(static_cast<uint64_t>(nanos))];
  ++count_;
  sum_ += nanos;
  max_ = std::max(max_, nanos);
  min_ = std::min(min_, nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the wanted sample, 1-based: ceil(q * n), at least 1.
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  int64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return std::min<int64_t>(static_cast<int64_t>(UpperEdge(static_cast<int>(i))), max_);
    }
  }
  return max_;
}

}  // namespace omnigate::loadgen
