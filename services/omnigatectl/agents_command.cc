#include "services/omnigatectl/agents_command.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "omnigate/v1/agents.grpc.pb.h"

namespace omnigate {
namespace {

const char* PresenceName(omnigate::v1::Presence presence) {
  switch (presence) {
    case omnigate::v1::PRESENCE_ONLINE:
      return "online";
    case omnigate::v1::PRESENCE_AWAY:
      return "away";
    case omnigate::v1::PRESENCE_OFFLINE:
      return "offline";
    default:
      return "?";
  }
}

}  // namespace

std::string FormatAgents(const omnigate::v1::ListAgentsResponse& agents) {
  std::string out =
      absl::StrFormat("%-16s %-8s %-6s %8s %8s %8s %6s  %-10s %s\n", "AGENT", "PRESENCE", "LOAD",
                      "HANDLED", "RESOLVED", "RATINGS", "CSAT", "LANGUAGES", "SKILLS");
  for (const auto& a : agents.agents()) {
    const std::string csat =
        a.rating_count() > 0 ? absl::StrFormat("%.2f", a.rating_average()) : "-";
    absl::StrAppend(
        &out, absl::StrFormat("%-16s %-8s %-6s %8d %8d %8d %6s  %-10s %s\n", a.id(),
                              PresenceName(a.presence()), absl::StrCat(a.load(), "/", a.capacity()),
                              a.handled(), a.resolved(), a.rating_count(), csat,
                              absl::StrJoin(a.languages(), ","), absl::StrJoin(a.skills(), ",")));
  }
  return out;
}

int RunAgentsCommand(const std::string& address, const grpcutil::ClientSecurity& security) {
  auto channel = grpcutil::MakeChannel(address, security);
  if (!channel.ok()) {
    fprintf(stderr, "omnigatectl: %s\n", std::string(channel.status().message()).c_str());
    return 1;
  }
  auto stub = omnigate::v1::Agents::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  omnigate::v1::ListAgentsResponse response;
  grpc::Status status = stub->ListAgents(&context, omnigate::v1::ListAgentsRequest(), &response);
  if (!status.ok()) {
    fprintf(stderr, "omnigatectl: agents: %s\n", status.error_message().c_str());
    return 1;
  }
  fputs(FormatAgents(response).c_str(), stdout);
  return 0;
}

}  // namespace omnigate
