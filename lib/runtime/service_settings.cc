#include "lib/runtime/service_settings.h"

#include "lib/runtime/runtime.h"

namespace omnigate::runtime {

absl::StatusOr<ServiceSettings> LoadServiceSettings(const ContractFlags& flags,
                                                    absl::string_view default_grpc_addr,
                                                    absl::string_view default_metrics_addr) {
  ServiceSettings s;
  const std::string path = Resolve(flags.config, std::nullopt, "OMNIGATE_CONFIG", "");
  if (!path.empty()) {
    auto loaded = config::LoadConfigFile(path, config::ProcessEnv());
    if (!loaded.ok()) return loaded.status();
    s.config = *std::move(loaded);
  }
  const config::Config& cfg = s.config;
  s.redis_url = Resolve(flags.redis, cfg.redis, "OMNIGATE_REDIS_URL", "redis://127.0.0.1:6379");
  s.grpc_addr = Resolve(flags.grpc_addr, cfg.grpc_addr, "OMNIGATE_GRPC_ADDR", default_grpc_addr);
  s.metrics_addr =
      Resolve(flags.metrics_addr, cfg.metrics_addr, "OMNIGATE_METRICS_ADDR", default_metrics_addr);
  if (auto status =
          SetLogLevel(Resolve(flags.log_level, cfg.log_level, "OMNIGATE_LOG_LEVEL", "info"));
      !status.ok()) {
    return status;
  }
  return s;
}

}  // namespace omnigate::runtime
