#include "tests/support/recording_sink.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace omnigate::testing {

grpc::Status RecordingSink::Deliver(grpc::ServerContext*,
                                    const omnigate::v1::DeliverRequest* request,
                                    omnigate::v1::DeliverResponse*) {
  absl::Duration delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (absl::Now() < fail_until_) {
      ++failed_calls_;
      return grpc::Status(fail_code_, "test sink told to fail");
    }
    if (!poison_.empty()) {
      for (const auto& e : request->events()) {
        if (e.has_text() && e.text().body() == poison_) {
          ++failed_calls_;
          return grpc::Status(poison_code_, "poison event");
        }
      }
    }
    delay = delay_;
  }
  if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : request->events()) {
    events_.push_back(e);
    ++seen_[e.id()];
  }
  return grpc::Status::OK;
}

void RecordingSink::FailUntil(grpc::StatusCode code, absl::Time until) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_code_ = code;
  fail_until_ = until;
}

void RecordingSink::SetPoison(const std::string& body, grpc::StatusCode code) {
  std::lock_guard<std::mutex> lock(mu_);
  poison_ = body;
  poison_code_ = code;
}

void RecordingSink::SetDelay(absl::Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ = delay;
}

std::vector<omnigate::v1::Event> RecordingSink::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

size_t RecordingSink::event_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size();
}

size_t RecordingSink::distinct_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_.size();
}

int RecordingSink::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

int RecordingSink::failed_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_calls_;
}

absl::StatusOr<std::unique_ptr<SinkServer>> SinkServer::Start() {
  std::unique_ptr<SinkServer> server(new SinkServer());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(&server->sink_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0)
    return absl::UnavailableError("test sink: cannot listen");
  return server;
}

SinkServer::~SinkServer() {
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server_->Wait();
  }
}

std::string SinkServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

}  // namespace omnigate::testing
