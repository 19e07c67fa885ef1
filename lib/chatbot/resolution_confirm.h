#pragma once

#include "absl/strings/string_view.h"

namespace omnigate::chatbot {

// True when the customer says the problem is solved and they are done, so the
// bot may resolve the conversation without waiting for the idle timeout:
// "thanks, solved", "problem solved, thank you", "that fixed it thanks",
// "sudah beres, makasih", "oke sudah bisa, terima kasih", and the short
// "terima kasih, sudah" (a bare "sudah" only counts beside thanks and
// nothing else, since alone it may answer "have you tried ...?").
//
// False for thanks alone ("thanks", "ok thanks": an acknowledgement, which
// the idle timeout handles), for anything negated or still open ("not
// solved", "belum bisa", "sudah saya coba tapi belum bisa", "thanks but I
// still need help"), for questions ("sudah bisa?") and for long messages.
bool ConfirmsResolved(absl::string_view text);

}  // namespace omnigate::chatbot
