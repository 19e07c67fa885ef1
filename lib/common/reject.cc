#include "lib/common/reject.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace omnigate {
namespace {
constexpr absl::string_view kReasonPayload = "type.omnigate.dev/reject-reason";
}  // namespace

absl::Status Reject(absl::StatusCode code, absl::string_view reason, absl::string_view detail) {
  absl::Status status(code,
                      detail.empty() ? std::string(reason) : absl::StrCat(reason, ": ", detail));
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

std::string RejectReason(const absl::Status& status) {
  if (status.ok()) return "";
  if (auto payload = status.GetPayload(kReasonPayload)) return std::string(*payload);
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

absl::string_view ReasonFamily(absl::string_view reason) {
  return reason.substr(0, reason.find(':'));
}

}  // namespace omnigate
