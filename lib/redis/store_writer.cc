#include "lib/redis/store_writer.h"

#include <utility>

namespace omnigate::redis {

std::unique_ptr<StoreWriter> StoreWriter::Start(const RedisTarget& target,
                                                PipelineWriterOptions options,
                                                const std::vector<std::string>& route_keys,
                                                PipelineObserver* observer) {
  std::unique_ptr<StoreWriter> out(new StoreWriter());
  if (!target.endpoints.empty()) options.endpoint = target.endpoints.front();
  if (!target.cluster) {
    out->single_ = std::make_unique<RedisPipelineWriter>(std::move(options), observer);
    out->single_->Start();
    out->writer_ = out->single_.get();
    return out;
  }
  ClusterClientOptions cluster_options;
  cluster_options.pool.connect_timeout = options.connect_timeout;
  cluster_options.pool.io_timeout = options.io_timeout;
  out->cluster_ = std::make_unique<ClusterClient>(target.endpoints, cluster_options);
  ClusterPipelineWriterOptions writer_options;
  writer_options.node = std::move(options);
  out->clustered_ = std::make_unique<ClusterPipelineWriter>(std::move(writer_options),
                                                            out->cluster_.get(), observer);
  out->clustered_->Start(route_keys);
  out->writer_ = out->clustered_.get();
  return out;
}

StoreWriter::~StoreWriter() { Shutdown(); }

void StoreWriter::Shutdown() {
  if (single_ != nullptr) single_->Shutdown();
  if (clustered_ != nullptr) clustered_->Shutdown();
}

}  // namespace omnigate::redis
