#include "lib/chatbot/chatbot_sink.h"

#include <chrono>

#include "lib/common/log.h"
#include "lib/grpcutil/status.h"

namespace omnigate::chatbot {

grpc::Status ChatbotSink::Deliver(grpc::ServerContext* context,
                                  const omnigate::v1::DeliverRequest* request,
                                  omnigate::v1::DeliverResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kSink); !s.ok())
    return s;
  const auto start = std::chrono::steady_clock::now();
  absl::Status status;
  for (const omnigate::v1::Event& event : request->events()) {
    if (context->IsCancelled()) {
      status = absl::CancelledError("deliver: cancelled by the client");
      break;
    }
    auto result = bot_->Handle(event);
    if (!result.ok()) {
      status = result.status();
      break;
    }
    metrics_->CountEvent(result->outcome);
    if (result->handoff) {
      metrics_->CountHandoff(*result->handoff);
      OG_LOG(INFO) << "handoff partition=" << result->partition
                   << " reason=" << HandoffReasonName(*result->handoff) << " event=" << event.id();
    } else if (result->outcome == Outcome::kAnswered) {
      OG_LOG(DEBUG) << "answered partition=" << result->partition << " faq=" << result->faq_id
                    << " event=" << event.id();
    }
  }
  metrics_->ObserveDeliverSeconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!status.ok()) {
    metrics_->CountDeliverError(status.code());
    OG_LOG(WARNING) << "deliver failed partition=" << request->partition()
                    << " attempt=" << request->attempt() << ": " << status.message();
  }
  return grpcutil::ToGrpcStatus(status);
}

}  // namespace omnigate::chatbot
