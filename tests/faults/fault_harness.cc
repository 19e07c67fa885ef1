#include "tests/faults/fault_harness.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/common/encoding.h"
#include "lib/crypto/hmac.h"
#include "lib/queue/keys.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"
#include "tests/support/http_client.h"

namespace omnigate::faults {

bool LongForm() {
  const char* v = std::getenv("OMNIGATE_FAULTS_LONG");
  return v != nullptr && v[0] == '1';
}

absl::Duration Scaled(absl::Duration short_form, absl::Duration long_form) {
  return LongForm() ? long_form : short_form;
}

int ScaledCount(int short_form, int long_form) { return LongForm() ? long_form : short_form; }

std::string WhatsAppBody(const std::string& wamid, const std::string& from,
                         const std::string& text) {
  return absl::StrCat(
      R"({"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Load"},"wa_id":")",
      from, R"("}],"messages":[{"from":")", from, R"(","id":")", wamid,
      R"(","timestamp":"1770091506","type":"text","text":{"body":")", text, R"("}}]}}]}]})");
}

std::string MetaSignature(const std::string& body) {
  return "sha256=" + HexEncode(crypto::HmacSha256(kMetaSecret, body));
}

std::map<std::string, int> StoredExternalIds(const std::string& redis_url) {
  std::map<std::string, int> out;
  auto conn = redis::RedisConnection::Connect(*redis::ParseRedisUrl(redis_url), absl::Seconds(2),
                                              absl::Seconds(10));
  if (!conn.ok()) return out;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    std::string start = "-";
    while (true) {
      auto reply = (*conn)->Run({"XRANGE", queue::StreamKey(p), start, "+", "COUNT", "1000"});
      if (!reply.ok() || !reply->is_array() || reply->size() == 0) break;
      std::string last;
      for (size_t i = 0; i < reply->size(); ++i) {
        const redisReply* entry = reply->element(i);
        last = std::string(redis::ElementStr(entry->element[0]));
        const redisReply* fields = entry->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
          if (redis::ElementStr(fields->element[f]) != "event") continue;
          omnigate::v1::Event e;
          const absl::string_view v = redis::ElementStr(fields->element[f + 1]);
          if (e.ParseFromArray(v.data(), static_cast<int>(v.size())) && !e.has_conversation())
            ++out[e.external_id()];
        }
      }
      start = "(" + last;
    }
  }
  return out;
}

void Report(const std::string& name, const std::string& figures) {
  const std::string line = absl::StrCat(name, ": ", figures);
  std::cout << "[reliability] " << line << std::endl;
  std::ofstream out(std::string(OMNIGATE_BINARY_DIR) + "/reliability.txt", std::ios::app);
  out << line << "\n";
}

IngestProcess::IngestProcess(std::string config_path, std::string redis_url, std::string log_dir)
    : config_path_(std::move(config_path)),
      redis_url_(std::move(redis_url)),
      log_dir_(std::move(log_dir)),
      http_port_(testing::PickFreePort()),
      grpc_port_(testing::PickFreePort()),
      metrics_port_(testing::PickFreePort()) {}

bool IngestProcess::Start() {
  auto proc = testing::ChildProcess::Spawn(
      {testing::BinaryPath("omnigate-ingest"), "--config", config_path_, "--redis", redis_url_,
       absl::StrCat("--http_addr=127.0.0.1:", http_port_),
       absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_),
       absl::StrCat("--metrics_addr=127.0.0.1:", metrics_port_)},
      absl::StrCat(log_dir_, "/ingest-", ++starts_, ".log"));
  if (!proc.ok()) return false;
  process_ = *std::move(proc);
  return true;
}

bool IngestProcess::Ready() {
  auto r = testing::HttpRequest(http_port_, "GET", "/readyz", {}, "", absl::Milliseconds(500));
  return r.ok() && r->status == 200;
}

bool IngestProcess::WaitReady(absl::Duration timeout) {
  return WaitFor([&] { return Ready(); }, timeout);
}

int IngestProcess::Kill() {
  if (process_ == nullptr) return -1;
  auto status = process_->Signal(SIGKILL, absl::Seconds(5));
  return status.ok() ? *status : -1;
}

std::string WriteConfig(const std::string& dir, const std::string& bot_address,
                        const std::string& agent_address, const std::string& extra) {
  const std::string path = dir + "/omnigate.yaml";
  const std::string yaml = absl::StrCat(R"(connectors:
  - name: wa-main
    channel: whatsapp
    secret: )",
                                        kMetaSecret, R"(
    verify_token: v
sinks:
  - name: chatbot
    address: )",
                                        bot_address, R"(
  - name: agent-router
    address: )",
                                        agent_address, R"(
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: )",
                                        kPartitions, "\n", extra);
  (void)testing::WriteFile(path, yaml);
  return path;
}

double RssMib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    double kib = 0;
    return absl::SimpleAtod(absl::StripAsciiWhitespace(absl::StripSuffix(line.substr(6), "kB")),
                            &kib)
               ? kib / 1024
               : 0;
  }
  return 0;
}

double ScrapeSample(int port, const std::string& sample) {
  auto r = testing::HttpRequest(port, "GET", "/metrics", {}, "", absl::Seconds(2));
  if (!r.ok() || r->status != 200) return -1;
  for (absl::string_view line : absl::StrSplit(r->body, '\n')) {
    if (!absl::ConsumePrefix(&line, sample) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

int LoggedNumber(const std::string& log, const std::string& key) {
  const std::string needle = absl::StrCat(key, "=");
  const size_t at = log.find(needle);
  if (at == std::string::npos) return 0;
  int value = 0;
  const size_t start = at + needle.size();
  const size_t end = log.find_first_not_of("0123456789", start);
  return absl::SimpleAtoi(log.substr(start, end - start), &value) ? value : 0;
}

std::unique_ptr<testing::ChildProcess> StartDispatcher(const std::string& config,
                                                       const std::string& redis_url,
                                                       const std::string& dir,
                                                       const std::string& id) {
  auto p = testing::ChildProcess::Spawn(
      {testing::BinaryPath("omnigate-dispatcher"), "--config", config, "--redis", redis_url,
       "--grpc_addr=127.0.0.1:0", "--metrics_addr=127.0.0.1:0", "--instance_id", id},
      absl::StrCat(dir, "/", id, "-", absl::ToUnixMicros(absl::Now()), ".log"));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : nullptr;
}

grpc::StatusCode PublishRound(omnigate::v1::Ingest::Stub& stub, int conversations, int seq) {
  omnigate::v1::PublishRequest request;
  for (int c = 0; c < conversations; ++c) {
    auto* e = request.add_events();
    e->set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    e->set_conversation_key(absl::StrCat("webchat:site:", c));
    e->set_external_id(absl::StrCat(c, "-", seq));
    e->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    e->mutable_text()->set_body("x");
    (*e->mutable_attributes())["seq"] = absl::StrCat(seq);
  }
  omnigate::v1::PublishResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return stub.Publish(&context, request, &response).error_code();
}

bool PublishRounds(omnigate::v1::Ingest::Stub& stub, int conversations, int rounds,
                   absl::Duration pause) {
  for (int seq = 0; seq < rounds; ++seq) {
    if (const grpc::StatusCode code = PublishRound(stub, conversations, seq);
        code != grpc::StatusCode::OK) {
      ADD_FAILURE() << "round " << seq << " of " << rounds << " answered gRPC code " << code;
      return false;
    }
    absl::SleepFor(pause);
  }
  return true;
}

int PostUntilAccepted(int port, const std::string& body, int attempts) {
  for (int i = 1; i <= attempts; ++i) {
    auto r = testing::HttpRequest(
        port, "POST", "/webhooks/wa-main",
        {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", MetaSignature(body)}}, body,
        absl::Seconds(3));
    if (r.ok() && r->status == 200) return i;
    absl::SleepFor(absl::Milliseconds(25));  // connection refused while restarting, 503, ...
  }
  return 0;
}

}  // namespace omnigate::faults
