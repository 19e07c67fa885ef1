#pragma once

#include <string>
#include <vector>

#include "lib/redis/redis_client.h"

namespace omnigate {

// `omnigatectl attachment get REF > file`: writes the bytes of an e-mail
// attachment kept by ingest (REF is the media item's media_id, "att_<sha256
// hex>") to stdout, exactly as received. Exit 1 with a message on stderr
// when REF is not a reference or is not stored (expired after the
// connector's attachment_ttl_seconds, or too large to be kept).
int RunAttachmentCommand(const std::vector<std::string>& args, redis::RedisClient& redis);

}  // namespace omnigate
