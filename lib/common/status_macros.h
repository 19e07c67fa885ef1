#pragma once

#include "absl/status/status.h"

// Returns the status of `expr` from the enclosing function unless it is OK.
// Keeps normalization code, which checks dozens of fields, readable.
#define OG_RETURN_IF_ERROR(expr)                                                 \
  do {                                                                           \
    if (::absl::Status og_status_ = (expr); !og_status_.ok()) return og_status_; \
  } while (false)
