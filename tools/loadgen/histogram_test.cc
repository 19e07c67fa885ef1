#include "tools/loadgen/histogram.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace omnigate::loadgen {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Percentile(0.99), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 50; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 25);
  EXPECT_EQ(h.Percentile(0.9), 45);
  EXPECT_EQ(h.Percentile(1.0), 50);
  EXPECT_EQ(h.max(), 50);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

// Against exact nearest-rank percentiles of a skewed sample: within the
// histogram's 1/64 relative error, never below the exact value.
TEST(LatencyHistogramTest, PercentilesWithinRelativeError) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(13.0, 1.0);  // ~0.4 ms median, in ns
  std::vector<int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const int64_t exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    const int64_t got = h.Percentile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact + exact / 64 + 1) << q;
  }
  EXPECT_EQ(h.Percentile(1.0), values.back());
  EXPECT_EQ(h.max(), values.back());
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (int i = 0; i < 1000; ++i) {
    (i % 2 ? a : b).Record(i * 1000);
    all.Record(i * 1000);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_EQ(a.Percentile(q), all.Percentile(q));
  EXPECT_EQ(a.max(), all.max());
}

TEST(LatencyHistogramTest, HugeAndNegativeValuesAreSafe) {
  LatencyHistogram h;
  h.Record(-5);
  h.Record(INT64_MAX);
  EXPECT_EQ(h.count(), 2);
  EXPECT_EQ(h.Percentile(0.5), 0);
  EXPECT_EQ(h.Percentile(1.0), INT64_MAX);
}

}  // namespace
}  // namespace omnigate::loadgen
