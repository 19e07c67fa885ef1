#include "lib/ingest/ingest_metrics.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/channels/channel_errors.h"
#include "prometheus/registry.h"

namespace omnigate::ingest {
namespace {

// The value of omnigate_ingest_channel_errors_total{channel,code}, or -1.
double ChannelErrors(prometheus::Registry& registry, const std::string& channel,
                     const std::string& code) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "omnigate_ingest_channel_errors_total") continue;
    for (const auto& metric : family.metric) {
      std::string got_channel, got_code;
      for (const auto& label : metric.label) {
        if (label.name == "channel") got_channel = label.value;
        if (label.name == "code") got_code = label.value;
      }
      if (got_channel == channel && got_code == code) return metric.counter.value;
    }
  }
  return -1;
}

TEST(IngestMetricsTest, ChannelErrorsReportedByAdaptersAreCountedByCode) {
  prometheus::Registry registry;
  IngestMetrics metrics(registry, {"wa"});
  channels::ReportChannelErrors(omnigate::v1::CHANNEL_WHATSAPP, "wa",
                                {{"130429", "Rate limit hit", "", ""},
                                 {"130429", "Rate limit hit", "", ""},
                                 {"not-a-number\n", "x", "", ""}});
  EXPECT_EQ(ChannelErrors(registry, "whatsapp", "130429"), 2);
  EXPECT_EQ(ChannelErrors(registry, "whatsapp", "other"), 1);
}

TEST(IngestMetricsTest, DistinctCodesAreCapped) {
  prometheus::Registry registry;
  IngestMetrics metrics(registry, {"wa"});
  for (int i = 0; i < 500; ++i)
    metrics.OnChannelError(omnigate::v1::CHANNEL_WHATSAPP, std::to_string(100000 + i));
  EXPECT_EQ(ChannelErrors(registry, "whatsapp", "100000"), 1);
  EXPECT_EQ(ChannelErrors(registry, "whatsapp", "100499"), -1);
  EXPECT_EQ(ChannelErrors(registry, "whatsapp", "other"), 300);
}

TEST(IngestMetricsTest, ADestroyedMetricsObjectIsNoLongerTold) {
  {
    prometheus::Registry registry;
    IngestMetrics metrics(registry, {"wa"});
  }
  // Must not touch the destroyed object.
  channels::ReportChannelErrors(omnigate::v1::CHANNEL_WHATSAPP, "wa", {{"1", "", "", ""}});
}

}  // namespace
}  // namespace omnigate::ingest
