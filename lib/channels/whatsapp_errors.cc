#include "lib/channels/whatsapp_errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace omnigate::channels::whatsapp {
namespace {

constexpr size_t kMaxRawErrorsBytes = 4096;

void SetIfNotEmpty(const std::string& value, const char* key, omnigate::v1::Event* event) {
  if (!value.empty()) (*event->mutable_attributes())[key] = value;
}

}  // namespace

absl::Status ReadErrors(const json::Value& holder, std::vector<ChannelError>* out) {
  const json::Value* errors = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(holder, "errors", &errors));
  if (errors == nullptr) return absl::OkStatus();
  for (const json::Value& item : errors->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&item, "errors[]"));
    ChannelError error;
    OG_RETURN_IF_ERROR(json::GetId(item, "code", &error.code));
    OG_RETURN_IF_ERROR(json::GetString(item, "title", &error.title));
    OG_RETURN_IF_ERROR(json::GetString(item, "message", &error.message));
    const json::Value* error_data = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(item, "error_data", &error_data));
    if (error_data != nullptr) {
      OG_RETURN_IF_ERROR(json::GetString(*error_data, "details", &error.details));
    }
    out->push_back(std::move(error));
  }
  return absl::OkStatus();
}

void KeepErrorsOnEvent(const std::vector<ChannelError>& errors, const json::Value* raw_errors,
                       omnigate::v1::Event* event) {
  if (errors.empty()) return;
  const ChannelError& first = errors.front();
  SetIfNotEmpty(first.code, "error_code", event);
  SetIfNotEmpty(first.title, "error_title", event);
  SetIfNotEmpty(first.message, "error_message", event);
  SetIfNotEmpty(first.details, "error_details", event);
  (*event->mutable_attributes())["error_count"] = absl::StrCat(errors.size());
  if (raw_errors != nullptr) {
    std::string raw = json::Serialize(*raw_errors);
    if (raw.size() <= kMaxRawErrorsBytes) (*event->mutable_attributes())["errors"] = std::move(raw);
  }
  if (event->has_status()) {
    auto* status = event->mutable_status();
    status->set_error_code(first.code);
    status->set_error_message(!first.title.empty()     ? first.title
                              : !first.message.empty() ? first.message
                                                       : first.details);
  }
}

}  // namespace omnigate::channels::whatsapp
