#include "lib/channels/x_url_entities.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"

namespace omnigate::channels::x {
namespace {

// Byte offset of every code point of valid UTF-8 `text`, plus its size.
std::vector<size_t> CodePointOffsets(absl::string_view text) {
  std::vector<size_t> offsets;
  offsets.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i) {
    // Continuation bytes (10xxxxxx) do not start a code point.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  offsets.push_back(text.size());
  return offsets;
}

bool IsBoundary(absl::string_view text, size_t i) {
  return i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
}

struct Replacement {
  size_t begin;  // bytes
  size_t end;
  const std::string* with;
};

bool Overlaps(const std::vector<Replacement>& taken, size_t begin, size_t end) {
  for (const Replacement& r : taken) {
    if (begin < r.end && r.begin < end) return true;
  }
  return false;
}

absl::Status ReadIndex(const json::Value& indices, rapidjson::SizeType i, size_t* out) {
  const json::Value& v = indices[i];
  if (!v.IsUint64()) return Malformed("schema_type_mismatch:indices");
  *out = static_cast<size_t>(v.GetUint64());
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadUrlEntities(const json::Value& message_data, std::vector<UrlEntity>* out) {
  const json::Value* entities = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message_data, "entities", &entities));
  if (entities == nullptr) return absl::OkStatus();
  const json::Value* urls = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(*entities, "urls", &urls));
  if (urls == nullptr) return absl::OkStatus();
  for (const json::Value& item : urls->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&item, "urls[]"));
    UrlEntity entity;
    OG_RETURN_IF_ERROR(json::GetString(item, "url", &entity.url));
    OG_RETURN_IF_ERROR(json::GetString(item, "expanded_url", &entity.expanded_url));
    const json::Value* indices = nullptr;
    OG_RETURN_IF_ERROR(json::GetArray(item, "indices", &indices));
    if (indices != nullptr) {
      if (indices->Size() != 2) return Malformed("schema_type_mismatch:indices");
      OG_RETURN_IF_ERROR(ReadIndex(*indices, 0, &entity.start));
      OG_RETURN_IF_ERROR(ReadIndex(*indices, 1, &entity.end));
    }
    out->push_back(std::move(entity));
  }
  return absl::OkStatus();
}

std::string ExpandUrls(absl::string_view text, std::vector<UrlEntity> entities,
                       absl::string_view skip_url) {
  const std::vector<size_t> offsets = CodePointOffsets(text);
  const size_t code_points = offsets.size() - 1;
  std::vector<Replacement> taken;
  std::vector<const UrlEntity*> unplaced;
  for (const UrlEntity& e : entities) {
    if (e.url.empty() || e.expanded_url.empty() || e.url == skip_url) continue;
    if (e.start < e.end && e.end <= code_points) {
      const size_t begin = offsets[e.start], end = offsets[e.end];
      if (text.substr(begin, end - begin) == e.url && !Overlaps(taken, begin, end)) {
        taken.push_back({begin, end, &e.expanded_url});
        continue;
      }
    }
    unplaced.push_back(&e);
  }
  // Indices that do not frame the link (a client counting UTF-16 units, a
  // text changed after the fact): the link itself says where it is.
  for (const UrlEntity* e : unplaced) {
    for (size_t at = text.find(e->url); at != absl::string_view::npos;
         at = text.find(e->url, at + 1)) {
      // Only whole characters: never split a UTF-8 sequence.
      if (IsBoundary(text, at) && IsBoundary(text, at + e->url.size()) &&
          !Overlaps(taken, at, at + e->url.size())) {
        taken.push_back({at, at + e->url.size(), &e->expanded_url});
        break;
      }
    }
  }
  std::sort(taken.begin(), taken.end(),
            [](const Replacement& a, const Replacement& b) { return a.begin < b.begin; });
  std::string out;
  size_t cursor = 0;
  for (const Replacement& r : taken) {
    absl::StrAppend(&out, text.substr(cursor, r.begin - cursor), *r.with);
    cursor = r.end;
  }
  absl::StrAppend(&out, text.substr(cursor));
  return out;
}

}  // namespace omnigate::channels::x
