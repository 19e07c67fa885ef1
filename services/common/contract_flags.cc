#include "services/common/contract_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, config, "", "YAML config file (env OMNIGATE_CONFIG).");
ABSL_FLAG(std::string, redis, "",
          "Redis URL redis://[user:password@]host:port[/db] (env OMNIGATE_REDIS_URL; default "
          "redis://127.0.0.1:6379).");
ABSL_FLAG(std::string, grpc_addr, "",
          "gRPC listener HOST:PORT (env OMNIGATE_GRPC_ADDR; default in the usage above).");
ABSL_FLAG(std::string, metrics_addr, "",
          "Prometheus /metrics listener HOST:PORT (env OMNIGATE_METRICS_ADDR; default in the "
          "usage above).");
ABSL_FLAG(std::string, log_level, "",
          "debug|info|warning|error (env OMNIGATE_LOG_LEVEL; default info).");

namespace omnigate {

runtime::ContractFlags ContractFlagValues() {
  return {absl::GetFlag(FLAGS_config), absl::GetFlag(FLAGS_redis), absl::GetFlag(FLAGS_grpc_addr),
          absl::GetFlag(FLAGS_metrics_addr), absl::GetFlag(FLAGS_log_level)};
}

}  // namespace omnigate
