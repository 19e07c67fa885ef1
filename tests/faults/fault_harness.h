#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "omnigate/v1/event.pb.h"
#include "omnigate/v1/ingest.grpc.pb.h"
#include "tests/support/arrivals.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/wait.h"

// Shared pieces of the fault suite (tests/faults): bounded, loopback-only
// runs against the real binaries. OMNIGATE_FAULTS_LONG=1 (make test-faults)
// selects the long form of each run.
namespace omnigate::faults {

constexpr char kMetaSecret[] = "faults-meta-secret";
constexpr int kPartitions = 4;

// The short form's duration, or the long form's under make test-faults.
absl::Duration Scaled(absl::Duration short_form, absl::Duration long_form);
int ScaledCount(int short_form, int long_form);
bool LongForm();

using testing::WaitFor;

// A one-message WhatsApp webhook and its X-Hub-Signature-256 value.
std::string WhatsAppBody(const std::string& wamid, const std::string& from,
                         const std::string& text);
std::string MetaSignature(const std::string& body);

// Every event in the partition streams, by external id, with its count.
std::map<std::string, int> StoredExternalIds(const std::string& redis_url);

// Resident memory of process `pid` in MiB (0 when it is gone).
double RssMib(pid_t pid);

// The value of the Prometheus sample `name{labels}` (e.g.
// `omnigate_dispatcher_buffered_events{sink="chatbot"}`) scraped from
// 127.0.0.1:port/metrics; -1 when absent or unreachable.
double ScrapeSample(int port, const std::string& sample);

// The number after `key=` in `log` (e.g. "metrics_port"), 0 when absent.
int LoggedNumber(const std::string& log, const std::string& key);

// Appends "name: figures" to RELIABILITY figures of this run
// (build/reliability.txt) and prints it, so the suite's numbers can be
// copied into RELIABILITY.md.
void Report(const std::string& name, const std::string& figures);

// omnigate-ingest on fixed loopback ports, restartable (kill -9 and start
// again on the same ports).
class IngestProcess {
 public:
  IngestProcess(std::string config_path, std::string redis_url, std::string log_dir);
  bool Start();
  bool Ready();
  bool WaitReady(absl::Duration timeout);
  int Kill();  // SIGKILL and reap
  testing::ChildProcess* process() { return process_.get(); }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }

 private:
  const std::string config_path_;
  const std::string redis_url_;
  const std::string log_dir_;
  int http_port_;
  int grpc_port_;
  int metrics_port_;
  int starts_ = 0;
  std::unique_ptr<testing::ChildProcess> process_;
};

// Writes a config with the WhatsApp connector, two sinks and `extra` YAML.
std::string WriteConfig(const std::string& dir, const std::string& bot_address,
                        const std::string& agent_address, const std::string& extra);

// omnigate-dispatcher with `config` and instance id `id`, logging into dir.
std::unique_ptr<testing::ChildProcess> StartDispatcher(const std::string& config,
                                                       const std::string& redis_url,
                                                       const std::string& dir,
                                                       const std::string& id);

// Round `seq`: one request with one web chat event for each of
// `conversations` conversations (attribute "seq" = seq); its status code.
grpc::StatusCode PublishRound(omnigate::v1::Ingest::Stub& stub, int conversations, int seq);

// Publishes `rounds` requests, each with one event for every one of
// `conversations` web chat conversations (attribute "seq" = the round),
// pausing between requests. False at the first refused request.
bool PublishRounds(omnigate::v1::Ingest::Stub& stub, int conversations, int rounds,
                   absl::Duration pause);

using testing::Analyze;
using testing::Arrivals;
using testing::InPublishOrder;

// POSTs a signed webhook until it is answered 200 or `attempts` run out
// (each attempt bounded). Returns the attempts used, 0 when never answered.
int PostUntilAccepted(int port, const std::string& body, int attempts);

}  // namespace omnigate::faults
