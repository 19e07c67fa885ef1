// Replays fuzz corpora (and the channel examples) through a fuzz target
// without libFuzzer, so `make test` checks every kept input on every build.
//   fuzz_replay_<target> [--fixtures=<prefix>] <corpus dir>...

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

size_t ReplayDirectory(const std::string& dir, const std::string& prefix) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (!prefix.empty() &&
        (name.rfind(prefix, 0) != 0 || name.find(".expected.") != std::string::npos)) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string data = buffer.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++count;
  }
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--fixtures=", 0) == 0) {
      const std::string dir = omnigate::testing::FixturesDir();
      if (!std::filesystem::is_directory(dir)) {
        std::fprintf(stderr, "fixtures directory %s is missing\n", dir.c_str());
        return 1;
      }
      total += ReplayDirectory(dir, arg.substr(11));
    } else if (std::filesystem::is_directory(arg)) {
      total += ReplayDirectory(arg, "");
    }
  }
  std::printf("replayed %zu inputs without a crash\n", total);
  return total > 0 ? 0 : 1;  // replaying nothing means a broken setup
}
