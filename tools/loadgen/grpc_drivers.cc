#include "tools/loadgen/grpc_drivers.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace omnigate::loadgen {

using omnigate::v1::PublishRequest;
using omnigate::v1::PublishResponse;

bool PublishAccepted(const PublishRequest& request, const PublishResponse& response) {
  return response.code() == 0 && response.results_size() == request.events_size();
}

UnaryPublishDriver::UnaryPublishDriver(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                       PublishBuilder builder)
    : builder_(std::move(builder)) {
  for (const auto& channel : channels) stubs_.push_back(omnigate::v1::Ingest::NewStub(channel));
}

void UnaryPublishDriver::Send(int64_t seq, int64_t due_ns, Done done) {
  struct Call {
    grpc::ClientContext context;
    PublishRequest request;
    PublishResponse response;
    Done done;
  };
  auto* call = new Call;
  call->done = std::move(done);
  builder_(seq, due_ns, &call->request);
  stubs_[static_cast<size_t>(seq) % stubs_.size()]->async()->Publish(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        Outcome outcome = Outcome::kError;
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
            call->response.code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          outcome = Outcome::kShed;
        } else if (status.ok() && PublishAccepted(call->request, call->response)) {
          outcome = Outcome::kOk;
        }
        call->done(outcome);
        delete call;
      });
}

// One bidi stream. Writes go out one at a time from a queue; each response
// completes the oldest unanswered request.
class StreamPublishDriver::Stream final
    : public grpc::ClientBidiReactor<PublishRequest, PublishResponse> {
 public:
  explicit Stream(omnigate::v1::Ingest::Stub* stub) {
    stub->async()->PublishStream(&context_, this);
    StartRead(&response_);
    AddHold();  // released by Close(): keeps the stream open while idle
    StartCall();
  }

  void Send(PublishRequest request, Done done) {
    bool start = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (finished_) {
        lock.unlock();
        done(Outcome::kError);
        return;
      }
      unanswered_.push_back(Pending{static_cast<int>(request.events_size()), std::move(done)});
      to_write_.push_back(std::move(request));
      if (!writing_) {
        writing_ = true;
        start = true;
        current_ = std::move(to_write_.front());
        to_write_.pop_front();
      }
    }
    if (start) StartWrite(&current_);
  }

  void OnWriteDone(bool ok) override {
    bool next = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok && !to_write_.empty()) {
        current_ = std::move(to_write_.front());
        to_write_.pop_front();
        next = true;
      } else {
        writing_ = false;
      }
      if (!ok) failed_ = true;
    }
    if (next) StartWrite(&current_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone fails what is left
    Done done;
    Outcome outcome = Outcome::kError;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!unanswered_.empty()) {
        done = std::move(unanswered_.front().done);
        if (response_.code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          outcome = Outcome::kShed;
        } else if (response_.code() == 0 &&
                   response_.results_size() == unanswered_.front().events) {
          outcome = Outcome::kOk;
        }
        unanswered_.pop_front();
      }
      if (unanswered_.empty()) cv_.notify_all();
    }
    if (done) done(outcome);
    StartRead(&response_);
  }

  void OnDone(const grpc::Status&) override {
    std::deque<Pending> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(unanswered_);
    }
    for (auto& p : left) p.done(Outcome::kError);
    // Last touch of *this: Close() may destroy it as soon as it sees this.
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

  // Half-closes once every request is answered, then waits for OnDone.
  void Close() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(10),
                   [this] { return unanswered_.empty() || finished_ || failed_; });
    }
    StartWritesDone();
    RemoveHold();
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return finished_; })) {
      context_.TryCancel();
      cv_.wait(lock, [this] { return finished_; });
    }
  }

 private:
  struct Pending {
    int events;
    Done done;
  };
  grpc::ClientContext context_;
  PublishResponse response_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> unanswered_;
  std::deque<PublishRequest> to_write_;
  PublishRequest current_;
  bool writing_ = false;
  bool failed_ = false;
  bool finished_ = false;
};

StreamPublishDriver::StreamPublishDriver(std::shared_ptr<grpc::Channel> channel, int streams,
                                         PublishBuilder builder)
    : stub_(omnigate::v1::Ingest::NewStub(channel)), builder_(std::move(builder)) {
  for (int i = 0; i < std::max(1, streams); ++i) {
    streams_.push_back(std::make_unique<Stream>(stub_.get()));
  }
}

StreamPublishDriver::~StreamPublishDriver() {
  for (auto& s : streams_) s->Close();
}

void StreamPublishDriver::Send(int64_t seq, int64_t due_ns, Done done) {
  PublishRequest request;
  builder_(seq, due_ns, &request);
  request.set_request_id(absl::StrCat(seq));
  streams_[next_.fetch_add(1) % streams_.size()]->Send(std::move(request), std::move(done));
}

}  // namespace omnigate::loadgen
