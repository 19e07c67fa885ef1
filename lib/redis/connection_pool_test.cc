#include "lib/redis/connection_pool.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::redis {
namespace {

// A loopback listener that never accepts: the kernel completes TCP
// handshakes from its backlog, which is all Connect needs without a
// password or database (no command is sent).
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 64);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RedisEndpoint Endpoint(int port) {
  RedisEndpoint endpoint;
  endpoint.port = port;
  return endpoint;
}

TEST(ConnectionPoolTest, CapsOpenConnections) {
  Listener listener;
  ConnectionPool pool(Endpoint(listener.port()), absl::Seconds(1), absl::Seconds(1),
                      /*max_idle=*/8, /*max_open=*/2, /*acquire_timeout=*/absl::Milliseconds(50));
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  auto c = pool.Acquire();
  ASSERT_TRUE(absl::IsResourceExhausted(c.status())) << c.status();
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("all 2 pooled connections"));
}

TEST(ConnectionPoolTest, WaiterGetsAReturnedConnection) {
  Listener listener;
  ConnectionPool pool(Endpoint(listener.port()), absl::Seconds(1), absl::Seconds(1),
                      /*max_idle=*/8, /*max_open=*/1, /*acquire_timeout=*/absl::Seconds(5));
  auto held = std::make_unique<absl::StatusOr<ConnectionPool::Lease>>(pool.Acquire());
  ASSERT_TRUE(held->ok()) << held->status();
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(20));
    held.reset();
  });
  auto next = pool.Acquire();
  releaser.join();
  EXPECT_TRUE(next.ok()) << next.status();
}

TEST(ConnectionPoolTest, FailedConnectsFreeTheirSlot) {
  int port = 0;
  {
    Listener closed;  // a port nobody listens on any more
    port = closed.port();
  }
  ConnectionPool pool(Endpoint(port), absl::Milliseconds(200), absl::Seconds(1),
                      /*max_idle=*/8, /*max_open=*/1, /*acquire_timeout=*/absl::Milliseconds(10));
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.Acquire();
    EXPECT_TRUE(absl::IsUnavailable(lease.status())) << lease.status();
  }
}

TEST(ConnectionPoolTest, UnboundedByDefault) {
  Listener listener;
  ConnectionPool pool(Endpoint(listener.port()), absl::Seconds(1), absl::Seconds(1));
  std::vector<ConnectionPool::Lease> leases;
  for (int i = 0; i < 10; ++i) {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    leases.push_back(*std::move(lease));
  }
}

TEST(ConnectionPoolTest, ReadsAreToldApartFromWrites) {
  for (const char* read : {"GET", "get", "HGETALL", "XRANGE", "XLEN", "PING", "XREADGROUP"})
    EXPECT_TRUE(IsReadOnlyCommand({read, "k"})) << read;
  // Anything not known to be a read counts as a write (and waits).
  for (const char* write : {"SET", "set", "XADD", "EVALSHA", "EVAL", "DEL", "XACK", "HSET", "NEW"})
    EXPECT_FALSE(IsReadOnlyCommand({write, "k"})) << write;
}

TEST(ReplicaWaitHelpersTest, WaitCommandAndReplyCheck) {
  const ReplicaWait wait{2, absl::Milliseconds(250)};
  EXPECT_EQ(WaitCommand(wait), (RedisCommand{"WAIT", "2", "250"}));
  // A zero timeout would block forever in Redis: never sent.
  EXPECT_EQ(WaitCommand(ReplicaWait{1, absl::ZeroDuration()}), (RedisCommand{"WAIT", "1", "1"}));
  EXPECT_FALSE(ReplicaWait{}.enabled());
  EXPECT_EQ(IoTimeoutFor(absl::Seconds(2), wait), absl::Seconds(2));
  EXPECT_EQ(IoTimeoutFor(absl::Seconds(1), ReplicaWait{1, absl::Seconds(5)}), absl::Seconds(6));
  EXPECT_EQ(IoTimeoutFor(absl::Seconds(1), ReplicaWait{0, absl::Seconds(5)}), absl::Seconds(1));
}

}  // namespace
}  // namespace omnigate::redis
