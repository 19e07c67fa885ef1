#include "lib/channels/channel_errors.h"

#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "lib/common/log.h"
#include "lib/connectors/connector.h"

namespace omnigate::channels {
namespace {

std::atomic<ChannelErrorObserver*> g_observer{nullptr};

}  // namespace

void SetChannelErrorObserver(ChannelErrorObserver* observer) { g_observer.store(observer); }

void ClearChannelErrorObserver(ChannelErrorObserver* observer) {
  g_observer.compare_exchange_strong(observer, nullptr);
}

void ReportChannelErrors(omnigate::v1::Channel channel, absl::string_view connector,
                         const std::vector<ChannelError>& errors) {
  ChannelErrorObserver* observer = g_observer.load();
  for (const ChannelError& error : errors) {
    // Channel text is escaped and cut: one log line per error, whatever it holds.
    const std::string& details = error.details.empty() ? error.message : error.details;
    OG_LOG(WARNING) << "connector=" << connector << " channel=" << connectors::ChannelName(channel)
                    << " reported error code=" << ErrorCodeLabel(error.code) << " title=\""
                    << absl::CHexEscape(absl::string_view(error.title).substr(0, 200))
                    << "\" details=\""
                    << absl::CHexEscape(absl::string_view(details).substr(0, 200)) << "\"";
    if (observer != nullptr) observer->OnChannelError(channel, ErrorCodeLabel(error.code));
  }
}

std::string ErrorCodeLabel(absl::string_view code) {
  if (code.empty() || code.size() > 12) return "other";
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "other";
  }
  return std::string(code);
}

}  // namespace omnigate::channels
