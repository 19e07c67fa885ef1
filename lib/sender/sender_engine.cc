#include "lib/sender/sender_engine.h"

#include <set>

#include "lib/common/log.h"

namespace omnigate::sender {
namespace {

dispatch::DispatcherOptions ForOutbound(dispatch::DispatcherOptions options) {
  options.keys = &queue::kSenderKeys;
  // One reply per call: every answer is about one reply, and a reply waits
  // for the one before it in its conversation.
  options.worker.batch_events = 1;
  return options;
}

}  // namespace

SenderEngine::SenderEngine(SenderEngineOptions options, dispatch::DispatcherRedis redis,
                           ChannelSinkDeps deps, dispatch::DispatchMetrics* worker_metrics)
    : options_(std::move(options)),
      deps_(deps),
      sink_(std::make_unique<ChannelSink>(options_.sink, deps)),
      dispatcher_(std::make_unique<dispatch::Dispatcher>(
          ForOutbound(options_.dispatch), std::move(redis),
          std::vector<dispatch::SinkHandle>{{kSinkName, sink_.get()}}, /*router=*/nullptr,
          worker_metrics, *deps.clock)) {}

SenderEngine::~SenderEngine() { Stop(absl::ZeroDuration()); }

void SenderEngine::Start() {
  dispatcher_->Start();
  poller_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      PollPauses();
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.pause_poll),
                   [this] { return stopping_; });
    }
  });
}

void SenderEngine::Stop(absl::Duration drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (poller_.joinable()) poller_.join();
  // Workers finish their calls in flight; their answers pass through the
  // sink, so it stops after them.
  dispatcher_->Stop(drain);
  sink_->Stop();
}

void SenderEngine::PollPauses() {
  auto paused = deps_.limiter->PausedConnectors();
  if (!paused.ok()) return;  // Redis down: readiness reports it
  std::set<std::string> now_paused;
  for (const auto& p : *paused) now_paused.insert(p.connector);
  for (const auto& [name, connector] : *deps_.connectors) {
    deps_.metrics->SetPaused(name, now_paused.count(name) > 0);
  }
}

}  // namespace omnigate::sender
