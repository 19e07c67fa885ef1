#include "lib/http/http_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/http/http_session.h"
#include "lib/http/listen_address.h"
#include "lib/http/server_state.h"

namespace omnigate::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

void Accept(const std::shared_ptr<ServerState>& state);

// Accept failures such as EMFILE are transient: back off briefly and retry
// rather than spinning or giving up on the listener.
void RetryAcceptLater(const std::shared_ptr<ServerState>& state) {
  auto timer = std::make_shared<net::steady_timer>(state->acceptor.get_executor(),
                                                   std::chrono::milliseconds(50));
  timer->async_wait([state, timer](boost::system::error_code) { Accept(state); });
}

void Accept(const std::shared_ptr<ServerState>& state) {
  if (state->draining.load() || !state->acceptor.is_open()) return;
  state->acceptor.async_accept(
      net::make_strand(state->io), [state](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !state->acceptor.is_open()) return;
        if (ec) {
          OG_LOG(WARNING) << "http accept failed: " << ec.message();
          RetryAcceptLater(state);
          return;
        }
        if (state->connections_open.load() >= state->options.max_connections) {
          state->connections_refused.fetch_add(1);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          state->connections_accepted.fetch_add(1);
          std::make_shared<Session>(std::move(socket), state)->Start();
        }
        Accept(state);
      });
}

// Every tick the loop's lateness is sampled: a timer that fires late means
// ready handlers queue ahead of it, i.e. the I/O threads cannot keep up.
constexpr std::chrono::milliseconds kLagTick(5);

void SampleLoopLag(ServerState* state, std::chrono::steady_clock::time_point due) {
  state->lag_timer.expires_at(due);
  state->lag_timer.async_wait([state, due](boost::system::error_code ec) {
    if (ec || state->stopped.load()) return;
    const auto now = std::chrono::steady_clock::now();
    state->loop_lag_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count(),
        std::memory_order_relaxed);
    SampleLoopLag(state, now + kLagTick);
  });
}

absl::Status Listen(ServerState& state) {
  auto host_port = ParseHostPort(state.options.address);
  if (!host_port.ok()) return host_port.status();
  const std::string host = host_port->host == "localhost" ? "127.0.0.1" : host_port->host;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("http address '", state.options.address, "': host must be an IP address"));
  }
  const tcp::endpoint endpoint(address, host_port->port);
  auto fail = [&](absl::string_view step) {
    return absl::UnavailableError(
        absl::StrCat("http listen on ", state.options.address, ": ", step, ": ", ec.message()));
  };
  state.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  state.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  state.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  state.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  return absl::OkStatus();
}

}  // namespace

uint64_t ServerState::Register(const std::shared_ptr<Closable>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  sessions_.emplace(id, session);
  return id;
}

void ServerState::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

std::vector<std::shared_ptr<Closable>> ServerState::LiveSessions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Closable>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                              Handler* handler) {
  if (options.threads < 1) return absl::InvalidArgumentError("http threads must be at least 1");
  if (options.max_body_bytes == 0) return absl::InvalidArgumentError("http max_body_bytes is 0");
  auto state = std::make_shared<ServerState>(options, handler);
  if (absl::Status listening = Listen(*state); !listening.ok()) return listening;
  Accept(state);
  SampleLoopLag(state.get(), std::chrono::steady_clock::now() + kLagTick);
  for (int i = 0; i < options.threads; ++i) {
    state->threads.emplace_back([state_ptr = state.get()] { state_ptr->io.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()); }

int HttpServer::port() const {
  boost::system::error_code ec;
  const auto endpoint = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::Shutdown(absl::Duration grace) {
  if (state_->stopped.load()) return;
  state_->draining.store(true);
  std::promise<void> closed;
  net::post(state_->acceptor.get_executor(), [this, &closed] {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  for (const auto& session : state_->LiveSessions()) session->Close(/*force=*/false);

  const absl::Time deadline = absl::Now() + grace;
  while (state_->connections_open.load() > 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  state_->stopped.store(true);
  net::post(state_->lag_timer.get_executor(),
            [state = state_.get()] { state->lag_timer.cancel(); });
  state_->work.reset();
  state_->io.stop();
  for (auto& thread : state_->threads) thread.join();
  state_->threads.clear();
  // Let the remaining operations complete as cancelled so their sessions are
  // released with the io_context rather than kept alive by it.
  for (const auto& session : state_->LiveSessions()) session->Close(/*force=*/true);
  state_->io.restart();
  state_->io.poll();
}

absl::Duration HttpServer::loop_lag() const {
  return absl::Nanoseconds(state_->loop_lag_ns.load(std::memory_order_relaxed));
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  s.connections_accepted = state_->connections_accepted.load();
  s.connections_refused = state_->connections_refused.load();
  s.connections_open = state_->connections_open.load();
  s.requests = state_->requests.load();
  s.timeouts = state_->timeouts.load();
  s.bad_requests = state_->bad_requests.load();
  s.bodies_too_large = state_->bodies_too_large.load();
  s.websockets_accepted = state_->websockets_accepted.load();
  return s;
}

}  // namespace omnigate::http
