#include "lib/chatbot/faq.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/chatbot/text.h"

namespace omnigate::chatbot {
namespace {

constexpr std::array<Language, 2> kLanguages = {Language::kEnglish, Language::kIndonesian};

class FaqParser {
 public:
  explicit FaqParser(absl::string_view source) : source_(source) {}

  absl::Status Error(absl::string_view path, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", path, ": ", what));
  }

  absl::Status CheckMap(const YAML::Node& node, absl::string_view path,
                        const std::set<std::string>& allowed) const {
    if (!node.IsMap()) return Error(path, "expected a mapping");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (allowed.count(key) == 0) {
        return Error(path, absl::StrCat("unknown key '", key,
                                        "' (allowed: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> RequiredText(const YAML::Node& map, absl::string_view key,
                                           absl::string_view path) const {
    const YAML::Node node = map[std::string(key)];
    const std::string where = absl::StrCat(path, ".", key);
    if (!node) return Error(where, "missing");
    if (!node.IsScalar()) return Error(where, "expected text");
    std::string value = node.as<std::string>();
    if (Normalize(value).empty()) return Error(where, "must not be empty");
    return value;
  }

  absl::StatusOr<std::vector<std::string>> TextList(const YAML::Node& node,
                                                    absl::string_view path) const {
    std::vector<std::string> out;
    if (!node) return out;
    if (!node.IsSequence()) return Error(path, "expected a list of texts");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string where = absl::StrCat(path, "[", i, "]");
      if (!node[i].IsScalar()) return Error(where, "expected text");
      std::string value = node[i].as<std::string>();
      if (Normalize(value).empty()) return Error(where, "has no words");
      out.push_back(std::move(value));
    }
    return out;
  }

  absl::StatusOr<FaqTexts> Texts(const YAML::Node& node, absl::string_view path) const {
    if (!node) return Error(path, "missing");
    if (auto s = CheckMap(node, path, {"fallback", "handoff", "clarify"}); !s.ok()) return s;
    FaqTexts texts;
    if (node["clarify"]) {
      auto clarify = RequiredText(node, "clarify", path);
      if (!clarify.ok()) return clarify.status();
      texts.clarify = *std::move(clarify);
    }
    auto fallback = RequiredText(node, "fallback", path);
    if (!fallback.ok()) return fallback.status();
    auto handoff = RequiredText(node, "handoff", path);
    if (!handoff.ok()) return handoff.status();
    texts.fallback = *std::move(fallback);
    texts.handoff = *std::move(handoff);
    return texts;
  }

  absl::StatusOr<FaqAnswer> Answer(const YAML::Node& node, absl::string_view path) const {
    if (auto s = CheckMap(node, path, {"keywords", "questions", "synonyms", "title", "answer"});
        !s.ok())
      return s;
    FaqAnswer answer;
    auto keywords = TextList(node["keywords"], absl::StrCat(path, ".keywords"));
    if (!keywords.ok()) return keywords.status();
    auto questions = TextList(node["questions"], absl::StrCat(path, ".questions"));
    if (!questions.ok()) return questions.status();
    auto synonyms = TextList(node["synonyms"], absl::StrCat(path, ".synonyms"));
    if (!synonyms.ok()) return synonyms.status();
    if (node["title"]) {
      auto title = RequiredText(node, "title", path);
      if (!title.ok()) return title.status();
      answer.title = *std::move(title);
    }
    auto text = RequiredText(node, "answer", path);
    if (!text.ok()) return text.status();
    if (keywords->empty() && questions->empty())
      return Error(path, "needs at least one keyword or question");
    answer.keywords = *std::move(keywords);
    answer.questions = *std::move(questions);
    answer.synonyms = *std::move(synonyms);
    answer.answer = *std::move(text);
    return answer;
  }

  absl::StatusOr<Faq> Parse(const YAML::Node& root) const {
    if (auto s = CheckMap(root, "(root)", {"texts", "entries", "synonyms"}); !s.ok()) return s;
    Faq faq;
    if (const YAML::Node groups = root["synonyms"]; groups) {
      if (!groups.IsSequence()) return Error("synonyms", "expected a list of lists");
      for (size_t i = 0; i < groups.size(); ++i) {
        const std::string where = absl::StrCat("synonyms[", i, "]");
        auto group = TextList(groups[i], where);
        if (!group.ok()) return group.status();
        if (group->size() < 2) return Error(where, "needs at least two words or phrases");
        faq.synonyms.push_back(*std::move(group));
      }
    }
    const YAML::Node texts = root["texts"];
    if (!texts) return Error("texts", "missing");
    if (auto s = CheckMap(texts, "texts", {"en", "id"}); !s.ok()) return s;
    for (Language lang : kLanguages) {
      const std::string code(LanguageCode(lang));
      auto t = Texts(texts[code], absl::StrCat("texts.", code));
      if (!t.ok()) return t.status();
      faq.texts[static_cast<int>(lang)] = *std::move(t);
    }
    const YAML::Node entries = root["entries"];
    if (!entries || !entries.IsSequence() || entries.size() == 0)
      return Error("entries", "expected a non-empty list");
    std::set<std::string> ids;
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string path = absl::StrCat("entries[", i, "]");
      const YAML::Node e = entries[i];
      if (auto s = CheckMap(e, path, {"id", "languages"}); !s.ok()) return s;
      FaqEntry entry;
      auto id = RequiredText(e, "id", path);
      if (!id.ok()) return id.status();
      if (!ids.insert(*id).second)
        return Error(absl::StrCat(path, ".id"), absl::StrCat("duplicate id '", *id, "'"));
      entry.id = *std::move(id);
      const std::string langs_path = absl::StrCat(path, ".languages");
      const YAML::Node langs = e["languages"];
      if (!langs) return Error(langs_path, "missing");
      if (auto s = CheckMap(langs, langs_path, {"en", "id"}); !s.ok()) return s;
      for (Language lang : kLanguages) {
        const std::string code(LanguageCode(lang));
        const YAML::Node block = langs[code];
        if (!block) continue;
        auto answer = Answer(block, absl::StrCat(langs_path, ".", code));
        if (!answer.ok()) return answer.status();
        entry.answers[static_cast<int>(lang)] = *std::move(answer);
      }
      if (!entry.answers[0] && !entry.answers[1])
        return Error(langs_path, "needs an 'en' or 'id' block");
      faq.entries.push_back(std::move(entry));
    }
    return faq;
  }

 private:
  std::string source_;
};

}  // namespace

absl::StatusOr<Faq> ParseFaq(absl::string_view yaml, absl::string_view source) {
  FaqParser parser(source);
  try {
    return parser.Parse(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors by exception; they stop here.
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
}

absl::StatusOr<Faq> LoadFaqFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the FAQ file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseFaq(buffer.str(), path);
}

}  // namespace omnigate::chatbot
