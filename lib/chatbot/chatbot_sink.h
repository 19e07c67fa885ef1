#pragma once

#include "lib/chatbot/chatbot.h"
#include "lib/chatbot/chatbot_metrics.h"
#include "lib/grpcutil/auth.h"
#include "omnigate/v1/sink.grpc.pb.h"

namespace omnigate::chatbot {

// omnigate.v1.Sink for the chatbot. Synchronous handlers: each call blocks on
// Redis and, for a handoff, on Conversations; the server bounds the threads.
// Events of a request are handled in order; the first failure fails the call
// (the dispatcher retries the whole request and events already handled are
// recognized as duplicates).
class ChatbotSink final : public omnigate::v1::Sink::Service {
 public:
  // Calls need the sink scope when `authorizer` is set.
  ChatbotSink(Chatbot* bot, ChatbotMetrics* metrics,
              const grpcutil::CallAuthorizer* authorizer = nullptr)
      : bot_(bot), metrics_(metrics), authorizer_(authorizer) {}

  grpc::Status Deliver(grpc::ServerContext* context, const omnigate::v1::DeliverRequest* request,
                       omnigate::v1::DeliverResponse* response) override;

 private:
  Chatbot* bot_;
  ChatbotMetrics* metrics_;
  const grpcutil::CallAuthorizer* authorizer_;
};

}  // namespace omnigate::chatbot
