#pragma once

#include "lib/runtime/service_settings.h"

// The flags every omnigate service binary takes (DESIGN contract 3): --config,
// --redis, --grpc_addr, --metrics_addr, --log_level. Defined once here; each
// binary's usage text names its default addresses.
namespace omnigate {

// Their values as given on the command line (after absl::ParseCommandLine).
runtime::ContractFlags ContractFlagValues();

}  // namespace omnigate
