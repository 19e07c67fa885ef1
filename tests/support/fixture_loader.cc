#include "tests/support/fixture_loader.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "tests/support/process.h"

namespace omnigate::channels::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "FATAL (fixtures): %s\n", message.c_str());
  std::abort();
}

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

ChannelFixture LoadChannelFixture(const std::string& name) {
  const std::string dir = omnigate::testing::FixturesDir();
  if (!std::filesystem::is_directory(dir)) {
    Die("directory " + dir + " is missing; set OMNIGATE_FIXTURES_DIR");
  }
  ChannelFixture fixture;
  fixture.name = name;
  bool found = false;
  for (const char* ext : {".json", ".form", ".multipart", ".eml", ".query"}) {
    if (ReadWhole(dir + "/" + name + ext, &fixture.body)) {
      found = true;
      break;
    }
  }
  if (!found) Die("no body file for " + name + " in " + dir);
  std::string expected;
  if (!ReadWhole(dir + "/" + name + ".expected.json", &expected)) {
    Die("no " + name + ".expected.json in " + dir);
  }
  auto doc = json::ParseStrict(expected);
  if (!doc.ok()) Die(name + ".expected.json: " + std::string(doc.status().message()));
  fixture.expected = std::move(*doc);
  const json::Value* request = json::Find(*fixture.expected, "request");
  const json::Value* headers = request ? json::Find(*request, "headers") : nullptr;
  if (headers != nullptr && headers->IsObject()) {
    for (const auto& member : headers->GetObject()) {
      if (member.value.IsString())
        fixture.headers.Add(member.name.GetString(), member.value.GetString());
    }
  }
  return fixture;
}

std::string FixtureString(const json::Value& object, const char* key) {
  const json::Value* v = json::Find(object, key);
  if (v == nullptr) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  return json::Serialize(*v);
}

std::vector<std::string> ListFixtures(const std::string& prefix) {
  const std::string dir = omnigate::testing::FixturesDir();
  if (!std::filesystem::is_directory(dir)) {
    Die("directory " + dir + " is missing; set OMNIGATE_FIXTURES_DIR");
  }
  std::vector<std::string> names;
  constexpr absl::string_view kSuffix = ".expected.json";
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    const std::string base = file.path().filename().string();
    if (absl::StartsWith(base, prefix) && absl::EndsWith(base, kSuffix)) {
      names.push_back(base.substr(0, base.size() - kSuffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) Die("no fixtures named " + prefix + "* in " + dir);
  return names;
}

}  // namespace omnigate::channels::testing
