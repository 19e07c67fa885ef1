#include "lib/redis/cluster_redirect.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "lib/redis/cluster_slot.h"

namespace omnigate::redis {

std::optional<ClusterRedirect> ParseClusterRedirect(absl::string_view error,
                                                    absl::string_view replying_host) {
  const std::vector<absl::string_view> parts = absl::StrSplit(error, ' ');
  if (parts.size() != 3) return std::nullopt;
  ClusterRedirect redirect;
  if (parts[0] == "MOVED") {
    redirect.kind = ClusterRedirect::Kind::kMoved;
  } else if (parts[0] == "ASK") {
    redirect.kind = ClusterRedirect::Kind::kAsk;
  } else {
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(parts[1], &redirect.slot) || redirect.slot < 0 ||
      redirect.slot >= kClusterSlots) {
    return std::nullopt;
  }
  const absl::string_view hostport = parts[2];
  const size_t colon = hostport.rfind(':');
  if (colon == absl::string_view::npos) return std::nullopt;
  if (!absl::SimpleAtoi(hostport.substr(colon + 1), &redirect.target.port) ||
      redirect.target.port <= 0 || redirect.target.port > 65535) {
    return std::nullopt;
  }
  absl::string_view host = hostport.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  redirect.target.host = std::string(host.empty() ? replying_host : host);
  return redirect;
}

bool IsTransientClusterError(absl::string_view error) {
  return absl::StartsWith(error, "TRYAGAIN") || absl::StartsWith(error, "CLUSTERDOWN") ||
         absl::StartsWith(error, "MASTERDOWN") || absl::StartsWith(error, "LOADING");
}

}  // namespace omnigate::redis
