#pragma once

#include <string>
#include <vector>

namespace omnigate {

// `omnigatectl faq test FILE QUESTIONS.tsv`: runs every question of the TSV
// (question<TAB>expected entry id or "-") through the bot's matcher with
// FILE's FAQ and prints, per question, the verdict, the chosen entry (or the
// two offered), its score and the terms the matcher saw; then the totals.
// Needs neither Redis nor a running service. Exit 0 when both files load.
int RunFaqCommand(const std::vector<std::string>& args);

}  // namespace omnigate
