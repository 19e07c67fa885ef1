#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/time/clock.h"
#include "omnigate/v1/conversations.grpc.pb.h"

namespace omnigate::testing {

// Conversations.Get with a 2 s deadline; an empty Conversation when the call
// fails (tests poll it until it holds what they wait for).
inline omnigate::v1::Conversation GetConversation(omnigate::v1::Conversations::StubInterface& stub,
                                                  const std::string& conversation_key) {
  omnigate::v1::GetConversationRequest request;
  request.set_conversation_key(conversation_key);
  omnigate::v1::Conversation state;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  (void)stub.Get(&context, request, &state);
  return state;
}

}  // namespace omnigate::testing
