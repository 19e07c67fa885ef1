#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/config/config.h"

namespace omnigate::runtime {

// The contract flags every service binary takes, as given (empty = unset).
struct ContractFlags {
  std::string config;
  std::string redis;
  std::string grpc_addr;
  std::string metrics_addr;
  std::string log_level;
};

// What every service starts from: its config file and the contract
// settings resolved with flags > config file > environment (OMNIGATE_*) >
// defaults.
struct ServiceSettings {
  config::Config config;
  std::string redis_url;
  std::string grpc_addr;
  std::string metrics_addr;
};

// Loads --config (or $OMNIGATE_CONFIG), resolves the settings and applies
// the log level. Errors name the file or setting at fault.
absl::StatusOr<ServiceSettings> LoadServiceSettings(const ContractFlags& flags,
                                                    absl::string_view default_grpc_addr,
                                                    absl::string_view default_metrics_addr);

}  // namespace omnigate::runtime
