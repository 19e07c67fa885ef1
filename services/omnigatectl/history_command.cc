#include "services/omnigatectl/history_command.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace omnigate {
namespace {

// Pages as large as the server allows: fewer round trips for a long history.
constexpr int kPageSize = 500;

}  // namespace

int HistoryLimit(int argc, char** argv, int count_flag) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    // absl accepts both --flag and -flag, with the value after '=' or apart.
    if (!absl::ConsumePrefix(&arg, "--")) absl::ConsumePrefix(&arg, "-");
    if (arg == "count" || absl::StartsWith(arg, "count=")) return count_flag;
  }
  return 0;
}

absl::Status PrintHistory(conversations::ConversationsClient& client,
                          const std::string& conversation_key, int max_events, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  int printed = 0;
  std::string token;
  do {
    const int want = max_events > 0 ? std::min(kPageSize, max_events - printed) : kPageSize;
    auto page = client.History(conversation_key, want, token);
    if (!page.ok()) return page.status();
    for (const auto& event : page->events()) {
      if (max_events > 0 && printed >= max_events) break;
      std::string json;
      if (auto s = google::protobuf::util::MessageToJsonString(event, &json, options); !s.ok()) {
        return absl::InternalError(
            absl::StrCat("event ", event.id(), " as JSON: ", std::string(s.message())));
      }
      out << json << '\n';
      ++printed;
    }
    token = page->next_page_token();
  } while (!token.empty() && (max_events <= 0 || printed < max_events));
  out.flush();
  return absl::OkStatus();
}

int RunHistoryCommand(const std::vector<std::string>& args, const std::string& address,
                      const grpcutil::ClientSecurity& security, int max_events) {
  if (args.size() != 1) {
    fprintf(stderr, "omnigatectl: usage: conversation history KEY [--count N]\n");
    return 1;
  }
  auto channel = grpcutil::MakeChannel(address, security);
  if (!channel.ok()) {
    fprintf(stderr, "omnigatectl: %s\n", std::string(channel.status().message()).c_str());
    return 1;
  }
  conversations::GrpcConversationsClient client(omnigate::v1::Conversations::NewStub(*channel),
                                                absl::Seconds(10));
  if (auto s = PrintHistory(client, args[0], max_events, std::cout); !s.ok()) {
    fprintf(stderr, "omnigatectl: conversation history: %s: %s\n",
            absl::StatusCodeToString(s.code()).c_str(), std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace omnigate
