#include "lib/chatbot/faq_store.h"

#include <sys/stat.h>

#include "lib/common/log.h"

namespace omnigate::chatbot {

FaqStore::FaqStore(Faq faq, MatchOptions options)
    : options_(options), current_(std::make_shared<const LoadedFaq>(std::move(faq), options)) {}

FaqStore::FaqStore(std::string path, FileStamp stamp, std::shared_ptr<const LoadedFaq> loaded,
                   MatchOptions options)
    : path_(std::move(path)), options_(options), current_(std::move(loaded)), stamp_(stamp) {}

absl::StatusOr<std::unique_ptr<FaqStore>> FaqStore::Open(const std::string& path,
                                                         MatchOptions options) {
  // Stamp first: a change while loading is then seen by the next check.
  const FileStamp stamp = Stamp(path);
  auto faq = LoadFaqFile(path);
  if (!faq.ok()) return faq.status();
  auto loaded = std::make_shared<const LoadedFaq>(*std::move(faq), options);
  return std::unique_ptr<FaqStore>(new FaqStore(path, stamp, std::move(loaded), options));
}

FaqStore::~FaqStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

FaqStore::FileStamp FaqStore::Stamp(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FileStamp{};
  return FileStamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                   static_cast<int64_t>(st.st_size)};
}

std::shared_ptr<const LoadedFaq> FaqStore::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

absl::Status FaqStore::ReloadIfChanged() {
  if (path_.empty()) return absl::OkStatus();
  const FileStamp stamp = Stamp(path_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stamp == stamp_) return absl::OkStatus();
    stamp_ = stamp;
  }
  // Parsing and indexing happen outside the lock: readers never wait.
  auto faq = LoadFaqFile(path_);
  if (!faq.ok()) return faq.status();
  auto loaded = std::make_shared<const LoadedFaq>(*std::move(faq), options_);
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(loaded);
  return absl::OkStatus();
}

void FaqStore::StartWatching(absl::Duration interval) {
  if (path_.empty() || watcher_.joinable()) return;
  watcher_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, absl::ToChronoNanoseconds(interval), [this] { return stop_; })) {
      lock.unlock();
      const auto before = Current();
      absl::Status s = ReloadIfChanged();
      if (!s.ok()) {
        OG_LOG(WARNING) << "FAQ reload refused, keeping the previous FAQ: " << s.message();
      } else if (Current() != before) {
        OG_LOG(INFO) << "FAQ reloaded from " << path_ << " (" << Current()->faq.entries.size()
                     << " entries)";
      }
      lock.lock();
    }
  });
}

}  // namespace omnigate::chatbot
