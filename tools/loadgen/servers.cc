#include "tools/loadgen/servers.h"

#include <grpcpp/alarm.h>

#include <chrono>
#include <deque>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace omnigate::loadgen {
namespace {

using omnigate::v1::PublishRequest;
using omnigate::v1::PublishResponse;

void Answer(const PublishRequest& request, PublishResponse* response) {
  response->set_request_id(request.request_id());
  for (int i = 0; i < request.events_size(); ++i) {
    auto* r = response->add_results();
    r->set_event_id(request.events(i).external_id());
    r->set_idempotency_key(request.events(i).external_id());
    r->set_stream_entry_id("0-1");
  }
}

// Reads continuously and writes answers in order, one write at a time.
class NoopStream final : public grpc::ServerBidiReactor<PublishRequest, PublishResponse> {
 public:
  explicit NoopStream(std::atomic<int64_t>* events) : events_(events) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    const PublishResponse* write = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        reads_done_ = true;
      } else {
        events_->fetch_add(request_.events_size());
        queue_.emplace_back();
        Answer(request_, &queue_.back());
        if (!writing_) {
          writing_ = true;
          write = &queue_.front();
        }
      }
    }
    if (ok) {
      StartRead(&request_);
      if (write != nullptr) StartWrite(write);
    } else {
      MaybeFinish();
    }
  }

  void OnWriteDone(bool ok) override {
    const PublishResponse* write = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.pop_front();
      if (ok && !queue_.empty()) {
        write = &queue_.front();
      } else {
        writing_ = false;
        if (!ok) broken_ = true;
      }
    }
    if (write != nullptr) {
      StartWrite(write);
    } else {
      MaybeFinish();
    }
  }

  void OnDone() override { delete this; }

 private:
  void MaybeFinish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_ || !reads_done_ || writing_) return;
      finished_ = true;
    }
    Finish(grpc::Status::OK);
  }

  std::atomic<int64_t>* events_;
  std::mutex mu_;
  PublishRequest request_;
  std::deque<PublishResponse> queue_;
  bool writing_ = false;
  bool reads_done_ = false;
  bool broken_ = false;
  bool finished_ = false;
};

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

grpc::ServerUnaryReactor* NoopIngestService::Publish(grpc::CallbackServerContext* context,
                                                     const PublishRequest* request,
                                                     PublishResponse* response) {
  events_.fetch_add(request->events_size());
  Answer(*request, response);
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerBidiReactor<PublishRequest, PublishResponse>* NoopIngestService::PublishStream(
    grpc::CallbackServerContext* context) {
  return new NoopStream(&events_);
}

grpc::ServerUnaryReactor* CountingSink::Deliver(grpc::CallbackServerContext* context,
                                                const omnigate::v1::DeliverRequest* request,
                                                omnigate::v1::DeliverResponse* response) {
  const int64_t now = SteadyNowNs();
  int64_t expected = 0;
  first_ns_.compare_exchange_strong(expected, now);
  last_ns_.store(now);
  calls_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : request->events()) {
      auto it = e.attributes().find(kSentAtAttribute);
      int64_t sent = 0;
      if (it != e.attributes().end() && absl::SimpleAtoi(it->second, &sent)) {
        latency_.Record(now - sent);
      }
    }
  }
  events_.fetch_add(request->events_size());
  auto* reactor = context->DefaultReactor();
  if (delay_ <= absl::ZeroDuration()) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // A callback alarm answers later; it deletes itself when it fired.
  auto* alarm = new grpc::Alarm();
  alarm->Set(absl::ToChronoTime(absl::Now() + delay_), [reactor, alarm](bool) {
    reactor->Finish(grpc::Status::OK);
    delete alarm;
  });
  return reactor;
}

LatencyHistogram CountingSink::latency() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latency_;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> Serve(const std::string& address,
                                                    grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(16 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  return server;
}

}  // namespace omnigate::loadgen
