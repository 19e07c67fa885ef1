#include "tools/loadgen/http_driver.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace omnigate::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpDriver::Impl {
 public:
  struct Job {
    int64_t seq;
    Done done;
  };

  // One keep-alive connection; runs one request at a time.
  class Connection {
   public:
    explicit Connection(Impl* owner) : owner_(owner), stream_(owner->io_) {}

    absl::Status ConnectNow() {
      beast::error_code ec;
      stream_.socket().close(ec);
      stream_.socket().connect(owner_->endpoint_, ec);
      if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
      stream_.socket().set_option(tcp::no_delay(true), ec);
      return absl::OkStatus();
    }

    void Run(Job job) {
      job_ = std::move(job);
      auto built = owner_->builder_(job_.seq);
      if (!built.ok()) {
        Complete(Outcome::kError);
        return;
      }
      request_ = {};
      request_.method(http::verb::post);
      request_.target(owner_->path_);
      request_.version(11);
      request_.set(http::field::host, owner_->host_header_);
      request_.set(http::field::content_type, built->content_type);
      for (const auto& [name, value] : built->headers) request_.set(name, value);
      request_.body() = std::move(built->body);
      request_.prepare_payload();
      http::async_write(stream_, request_, [this](beast::error_code ec, size_t) {
        if (ec) return Fail();
        response_ = {};
        http::async_read(stream_, buffer_, response_, [this](beast::error_code ec, size_t) {
          if (ec) return Fail();
          const unsigned status = response_.result_int();
          const Outcome outcome = status == 200                    ? Outcome::kOk
                                  : status == 503 || status == 429 ? Outcome::kShed
                                                                   : Outcome::kError;
          const bool keep = response_.keep_alive();
          if (!keep) (void)ConnectNow();
          Complete(outcome);
        });
      });
    }

   private:
    void Fail() {
      buffer_.clear();
      (void)ConnectNow();  // loopback: a blocking reconnect is short
      Complete(Outcome::kError);
    }

    void Complete(Outcome outcome) {
      Done done = std::move(job_.done);
      done(outcome);
      owner_->Release(this);
    }

    Impl* const owner_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    Job job_;
  };

  Impl(const HostPort& target, std::string path, Builder builder)
      : work_(asio::make_work_guard(io_)),
        endpoint_(asio::ip::make_address(target.host), static_cast<uint16_t>(target.port)),
        path_(std::move(path)),
        host_header_(absl::StrCat(target.host, ":", target.port)),
        builder_(std::move(builder)) {}

  ~Impl() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status Open(int connections) {
    for (int i = 0; i < connections; ++i) {
      auto c = std::make_unique<Connection>(this);
      if (auto s = c->ConnectNow(); !s.ok()) return s;
      idle_.push_back(c.get());
      connections_.push_back(std::move(c));
    }
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  void Send(int64_t seq, Done done) {
    asio::post(io_, [this, seq, done = std::move(done)]() mutable {
      pending_.push_back(Job{seq, std::move(done)});
      Pump();
    });
  }

  void Release(Connection* c) {
    idle_.push_back(c);
    Pump();
  }

  // Runs on the I/O thread only, like every member below it.
  void Pump() {
    while (!idle_.empty() && !pending_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      Job job = std::move(pending_.front());
      pending_.pop_front();
      c->Run(std::move(job));
    }
  }

  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  const tcp::endpoint endpoint_;
  const std::string path_;
  const std::string host_header_;
  const Builder builder_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::deque<Job> pending_;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<HttpDriver>> HttpDriver::Start(const HostPort& target,
                                                              std::string path, int connections,
                                                              Builder builder) {
  auto impl = std::make_unique<Impl>(target, std::move(path), std::move(builder));
  if (auto s = impl->Open(connections); !s.ok()) return s;
  return std::unique_ptr<HttpDriver>(new HttpDriver(std::move(impl)));
}

HttpDriver::HttpDriver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpDriver::~HttpDriver() = default;

void HttpDriver::Send(int64_t seq, int64_t /*due_ns*/, Done done) {
  impl_->Send(seq, std::move(done));
}

}  // namespace omnigate::loadgen
