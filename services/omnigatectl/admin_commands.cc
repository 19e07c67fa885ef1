#include "services/omnigatectl/admin_commands.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "omnigate/v1/admin.grpc.pb.h"
#include "omnigate/v1/conversations.grpc.pb.h"
#include "omnigate/v1/outbound.grpc.pb.h"

namespace omnigate {
namespace {

int Fail(const std::string& message) {
  fprintf(stderr, "omnigatectl: %s\n", message.c_str());
  return 1;
}

int FailRpc(const char* what, const grpc::Status& status) {
  return Fail(std::string(what) + ": " + std::to_string(status.error_code()) + " " +
              status.error_message());
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) json = "null";
  printf("%s\n", json.c_str());
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  return context;
}

omnigate::v1::DeadLetterSelector Selector(const AdminFlags& flags) {
  omnigate::v1::DeadLetterSelector selector;
  for (absl::string_view id : absl::StrSplit(flags.ids, ',', absl::SkipEmpty()))
    selector.add_ids(std::string(id));
  selector.set_sink(flags.sink);
  selector.set_conversation_key(flags.conversation);
  selector.set_from_ms(flags.from_ms);
  selector.set_to_ms(flags.to_ms);
  if (flags.limit > 0) selector.set_limit(static_cast<uint32_t>(flags.limit));
  return selector;
}

int DeadLetters(omnigate::v1::Admin::Stub& admin, const std::vector<std::string>& args,
                const AdminFlags& flags) {
  const std::string verb = args.empty() ? "list" : args[0];
  if (verb == "list") {
    omnigate::v1::ListDeadLettersRequest request;
    *request.mutable_selector() = Selector(flags);
    omnigate::v1::ListDeadLettersResponse response;
    grpc::Status status = admin.ListDeadLetters(Context().get(), request, &response);
    if (!status.ok()) return FailRpc("dlq list", status);
    for (const auto& dl : response.dead_letters()) PrintJson(dl);
    return 0;
  }
  if (verb == "replay" || verb == "drop") {
    const auto selector = Selector(flags);
    if (selector.ids_size() == 0 && selector.sink().empty() &&
        selector.conversation_key().empty() && selector.from_ms() == 0 && selector.to_ms() == 0) {
      return Fail("dlq " + verb +
                  " needs a selector (--ids, --sink, --conversation, --from_ms or --to_ms)");
    }
    omnigate::v1::DeadLetterActionResponse response;
    grpc::Status status = verb == "replay"
                              ? admin.ReplayDeadLetters(Context().get(), selector, &response)
                              : admin.DropDeadLetters(Context().get(), selector, &response);
    if (!status.ok()) return FailRpc(verb == "replay" ? "dlq replay" : "dlq drop", status);
    printf("{\"%s\":%u}\n", verb == "replay" ? "replayed" : "dropped", response.count());
    return 0;
  }
  return Fail("dlq: unknown verb '" + verb + "' (list, replay, drop)");
}

int Conversation(const std::shared_ptr<grpc::Channel>& channel,
                 const std::vector<std::string>& args, const AdminFlags& flags) {
  auto stub = omnigate::v1::Conversations::NewStub(channel);
  if (args.size() < 2) return Fail("conversation get KEY | conversation set-mode KEY MODE");
  omnigate::v1::Conversation response;
  if (args[0] == "get") {
    omnigate::v1::GetConversationRequest request;
    request.set_conversation_key(args[1]);
    grpc::Status status = stub->Get(Context().get(), request, &response);
    if (!status.ok()) return FailRpc("conversation get", status);
  } else if (args[0] == "set-mode") {
    if (args.size() < 3) return Fail("conversation set-mode KEY bot|agent|closed");
    omnigate::v1::SetModeRequest request;
    request.set_conversation_key(args[1]);
    const std::string& mode = args[2];
    if (mode == "bot") {
      request.set_mode(omnigate::v1::MODE_BOT);
    } else if (mode == "agent") {
      request.set_mode(omnigate::v1::MODE_AGENT);
    } else if (mode == "closed") {
      request.set_mode(omnigate::v1::MODE_CLOSED);
    } else {
      return Fail("unknown mode '" + mode + "' (bot, agent, closed)");
    }
    request.set_reason(flags.reason.empty() ? "operator" : flags.reason);
    request.set_actor("omnigatectl");
    grpc::Status status = stub->SetMode(Context().get(), request, &response);
    if (!status.ok()) return FailRpc("conversation set-mode", status);
  } else {
    return Fail("conversation: unknown verb '" + args[0] + "' (get, set-mode)");
  }
  PrintJson(response);
  return 0;
}

}  // namespace

bool IsAdminCommand(const std::string& command) {
  return command == "dlq" || command == "conversation" || command == "owners" ||
         command == "streams" || command == "reply-status";
}

int RunAdminCommand(const std::string& command, const std::vector<std::string>& args,
                    const AdminFlags& flags) {
  auto made = grpcutil::MakeChannel(flags.address, flags.security);
  if (!made.ok()) return Fail(std::string(made.status().message()));
  std::shared_ptr<grpc::Channel> channel = *std::move(made);
  auto admin = omnigate::v1::Admin::NewStub(channel);
  if (command == "dlq") return DeadLetters(*admin, args, flags);
  if (command == "conversation") return Conversation(channel, args, flags);
  if (command == "owners") {
    omnigate::v1::ListPartitionOwnersResponse response;
    grpc::Status status = admin->ListPartitionOwners(
        Context().get(), omnigate::v1::ListPartitionOwnersRequest(), &response);
    if (!status.ok()) return FailRpc("owners", status);
    for (const auto& owner : response.owners()) PrintJson(owner);
    return 0;
  }
  if (command == "reply-status") {
    if (args.size() != 1) return Fail("reply-status: give one reply id (Outbound.Send's event_id)");
    auto outbound = omnigate::v1::Outbound::NewStub(channel);
    omnigate::v1::GetStatusRequest request;
    request.set_event_id(args[0]);
    omnigate::v1::GetStatusResponse response;
    grpc::Status status = outbound->GetStatus(Context().get(), request, &response);
    if (!status.ok()) return FailRpc("reply-status", status);
    PrintJson(response);
    return 0;
  }
  if (command == "streams") {
    omnigate::v1::GetStreamStatsResponse response;
    grpc::Status status =
        admin->GetStreamStats(Context().get(), omnigate::v1::GetStreamStatsRequest(), &response);
    if (!status.ok()) return FailRpc("streams", status);
    for (const auto& p : response.partitions()) PrintJson(p);
    return 0;
  }
  return Fail("unknown command '" + command + "'");
}

}  // namespace omnigate
