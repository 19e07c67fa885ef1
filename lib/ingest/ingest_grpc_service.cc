#include "lib/ingest/ingest_grpc_service.h"

#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "lib/grpcutil/status.h"

namespace omnigate::ingest {
namespace {

using omnigate::v1::EnqueueResult;
using omnigate::v1::Event;
using omnigate::v1::PublishRequest;
using omnigate::v1::PublishResponse;

// The request message belongs to this call until the reactor finishes, so
// its events can be moved out instead of copied.
std::vector<Event> TakeEvents(const PublishRequest* request) {
  auto* events = const_cast<PublishRequest*>(request)->mutable_events();
  std::vector<Event> out;
  out.reserve(events->size());
  for (Event& e : *events) out.push_back(std::move(e));
  return out;
}

// Answers PublishStream requests in order, one response per request, with at
// most `max_in_flight` requests being stored at once (reads pause beyond it:
// backpressure instead of unbounded memory). A failed request is reported in
// its response; the stream goes on.
//
// Concurrency: state changes happen under mu_; the gRPC operations they call
// for (StartRead, StartWrite, Finish) run after mu_ is released, so a reaction
// that gRPC runs inline can never deadlock. The reactor deletes itself when
// gRPC is done with it (OnDone) and every storage callback has returned.
class PublishStreamReactor final : public grpc::ServerBidiReactor<PublishRequest, PublishResponse> {
 public:
  PublishStreamReactor(IngestPipeline* pipeline, size_t max_in_flight)
      : pipeline_(pipeline), max_in_flight_(max_in_flight) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    Actions actions;
    Slot* slot = nullptr;
    std::vector<Event> events;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        reads_done_ = true;
        Plan(&actions);
      } else {
        slots_.emplace_back();
        slot = &slots_.back();  // std::deque keeps element addresses on push_back
        slot->response.set_request_id(request_.request_id());
        events = TakeEvents(&request_);
        request_.Clear();
        refs_ += 1;  // held by the storage callback
        if (slots_.size() < max_in_flight_) {
          actions.read = true;
        } else {
          read_paused_ = true;
        }
      }
    }
    if (slot != nullptr) {
      pipeline_->Publish(std::move(events),
                         [this, slot](absl::StatusOr<std::vector<EnqueueResult>> result) {
                           Actions after;
                           {
                             std::lock_guard<std::mutex> lock(mu_);
                             if (result.ok()) {
                               for (auto& r : *result) *slot->response.add_results() = std::move(r);
                             } else {
                               slot->response.set_code(static_cast<int>(result.status().code()));
                               slot->response.set_message(std::string(result.status().message()));
                             }
                             slot->done = true;
                             Plan(&after);
                           }
                           Run(after);
                           Unref();
                         });
    }
    Run(actions);
  }

  void OnWriteDone(bool ok) override {
    Actions actions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      slots_.pop_front();
      if (!ok) broken_ = true;  // client gone: reads will fail and finish the call
      if (read_paused_ && !reads_done_ && slots_.size() < max_in_flight_) {
        read_paused_ = false;
        actions.read = true;
      }
      Plan(&actions);
    }
    Run(actions);
  }

  void OnDone() override { Unref(); }

 private:
  struct Slot {
    PublishResponse response;
    bool done = false;
  };
  struct Actions {
    bool read = false;
    const PublishResponse* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  // Decides the next write or the finish. Caller holds mu_.
  void Plan(Actions* actions) {
    if (!writing_ && !broken_ && !slots_.empty() && slots_.front().done) {
      writing_ = true;
      actions->write = &slots_.front().response;
    }
    if (reads_done_ && !finished_ && !writing_ && (slots_.empty() || broken_)) {
      finished_ = true;
      actions->finish = true;
      actions->status = broken_ ? grpc::Status(grpc::StatusCode::CANCELLED, "client went away")
                                : grpc::Status::OK;
    }
  }

  void Run(const Actions& actions) {
    if (actions.read) StartRead(&request_);
    if (actions.write != nullptr) StartWrite(actions.write);
    if (actions.finish) Finish(actions.status);
  }

  void Unref() {
    bool last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  IngestPipeline* const pipeline_;
  const size_t max_in_flight_;
  std::mutex mu_;
  PublishRequest request_;
  std::deque<Slot> slots_;
  int refs_ = 1;  // gRPC's, dropped in OnDone
  bool read_paused_ = false;
  bool reads_done_ = false;
  bool writing_ = false;
  bool broken_ = false;
  bool finished_ = false;
};

// A stream refused before it started.
class RefusedStream final : public grpc::ServerBidiReactor<PublishRequest, PublishResponse> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

bool IngestGrpcService::Shed(grpc::ServerUnaryReactor* reactor) {
  if (static_cast<size_t>(pipeline_->in_flight()) < max_in_flight_) return false;
  reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "load shed: too many requests in flight; retry later"));
  return true;
}

grpc::ServerUnaryReactor* IngestGrpcService::Receive(grpc::CallbackServerContext* context,
                                                     const omnigate::v1::ReceiveRequest* request,
                                                     omnigate::v1::ReceiveResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kPublish); !s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  if (Shed(reactor)) return reactor;
  WebhookCall call;
  call.connector = request->connector();
  call.method = request->method().empty() ? "POST" : request->method();
  call.query = request->query();
  for (const auto& [name, value] : request->headers()) call.headers.Add(name, value);
  call.body = request->body();
  pipeline_->HandleWebhook(std::move(call), Transport::kGrpc,
                           [reactor, response](WebhookAnswer answer) {
                             response->set_http_status(answer.http_status);
                             response->set_body(std::move(answer.body));
                             for (auto& r : answer.results) *response->add_results() = std::move(r);
                             reactor->Finish(grpcutil::ToGrpcStatus(answer.status));
                           });
  return reactor;
}

grpc::ServerUnaryReactor* IngestGrpcService::Publish(grpc::CallbackServerContext* context,
                                                     const PublishRequest* request,
                                                     PublishResponse* response) {
  auto* reactor = context->DefaultReactor();
  response->set_request_id(request->request_id());
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kPublish); !s.ok()) {
    reactor->Finish(s);
    return reactor;
  }
  if (Shed(reactor)) return reactor;
  pipeline_->Publish(TakeEvents(request),
                     [reactor, response](absl::StatusOr<std::vector<EnqueueResult>> result) {
                       if (!result.ok()) {
                         response->set_code(static_cast<int>(result.status().code()));
                         response->set_message(std::string(result.status().message()));
                         reactor->Finish(grpcutil::ToGrpcStatus(result.status()));
                         return;
                       }
                       for (auto& r : *result) *response->add_results() = std::move(r);
                       reactor->Finish(grpc::Status::OK);
                     });
  return reactor;
}

grpc::ServerBidiReactor<PublishRequest, PublishResponse>* IngestGrpcService::PublishStream(
    grpc::CallbackServerContext* context) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kPublish); !s.ok())
    return new RefusedStream(std::move(s));
  return new PublishStreamReactor(pipeline_, max_stream_in_flight_);
}

}  // namespace omnigate::ingest
