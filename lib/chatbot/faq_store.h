#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/chatbot/faq.h"
#include "lib/chatbot/matcher.h"

namespace omnigate::chatbot {

// A FAQ and its matcher, built together (the matcher points into the FAQ, so
// this is only handled through shared pointers).
struct LoadedFaq {
  LoadedFaq(Faq f, MatchOptions options) : faq(std::move(f)), matcher(faq, options) {}
  LoadedFaq(const LoadedFaq&) = delete;
  LoadedFaq& operator=(const LoadedFaq&) = delete;

  const Faq faq;
  const FaqMatcher matcher;
};

// The FAQ in use, reloaded without a restart when its file changes: readers
// take a snapshot (Current) that stays valid however long they hold it; a
// file that fails to load leaves the old FAQ in place. Thread-safe.
class FaqStore {
 public:
  // A fixed FAQ that never reloads (tests, embedded FAQs).
  FaqStore(Faq faq, MatchOptions options);
  // Loads `path`; its errors are LoadFaqFile's.
  static absl::StatusOr<std::unique_ptr<FaqStore>> Open(const std::string& path,
                                                        MatchOptions options);
  ~FaqStore();

  std::shared_ptr<const LoadedFaq> Current() const;

  // Reloads when the file's modification time or size changed. OK when
  // unchanged or reloaded; otherwise why the new file was refused (the old
  // FAQ stays, and the same file is not tried again until it changes).
  absl::Status ReloadIfChanged();

  // Calls ReloadIfChanged every `interval` on a background thread until
  // destruction, logging reloads and refusals. No-op for a fixed FAQ.
  void StartWatching(absl::Duration interval);

 private:
  struct FileStamp {
    int64_t mtime_ns = -1;
    int64_t size = -1;
    bool operator==(const FileStamp& o) const { return mtime_ns == o.mtime_ns && size == o.size; }
  };
  static FileStamp Stamp(const std::string& path);

  FaqStore(std::string path, FileStamp stamp, std::shared_ptr<const LoadedFaq> loaded,
           MatchOptions options);

  const std::string path_;  // empty: fixed
  const MatchOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const LoadedFaq> current_;
  FileStamp stamp_;
  bool stop_ = false;
  std::condition_variable wake_;
  std::thread watcher_;
};

}  // namespace omnigate::chatbot
