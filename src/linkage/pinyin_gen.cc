// Build-time generator of the pinyin table (not part of the library).
//
// Reads Unihan_Readings.txt from Debian's unicode-data package (bzip2, read
// through `bzip2 -dc`) and writes a C++ source with, for every character that
// has a Mandarin reading, its toneless readings: kMandarin first (the customary
// reading), then the other readings of kXHC1983 (现代汉语词典) and kTGHZ2013
// (通用规范汉字字典), e.g. 单 → dan, chan, shan. Tones are dropped and ü is
// written v, so 英 and 瑛 both read "ying".
//
//   tacit_pinyin_gen /usr/share/unicode/Unihan_Readings.txt.bz2 pinyin_table.cc
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

// Decodes one UTF-8 sequence at s[i], advancing i; returns U+FFFD on error.
char32_t Next(const std::string& s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (i + n > s.size()) {
    i = s.size();
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

// Toneless ASCII form of one reading ("lǜ" → "lv", "huá" → "hua").
std::string Toneless(const std::string& reading) {
  std::string out;
  for (size_t i = 0; i < reading.size();) {
    const char32_t c = Next(reading, i);
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    switch (c) {
      case U'ā': case U'á': case U'ǎ': case U'à': out.push_back('a'); break;
      case U'ē': case U'é': case U'ě': case U'è': case U'ê': case U'ế': case U'ề':
        out.push_back('e');
        break;
      case U'ī': case U'í': case U'ǐ': case U'ì': out.push_back('i'); break;
      case U'ō': case U'ó': case U'ǒ': case U'ò': out.push_back('o'); break;
      case U'ū': case U'ú': case U'ǔ': case U'ù': out.push_back('u'); break;
      case U'ü': case U'ǖ': case U'ǘ': case U'ǚ': case U'ǜ': out.push_back('v'); break;
      case U'ń': case U'ň': case U'ǹ': out.push_back('n'); break;
      case U'ḿ': out.push_back('m'); break;
      default: break;  // combining tone marks and anything else
    }
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      if (i > start) parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s Unihan_Readings.txt.bz2 out.cc\n", argv[0]);
    return 2;
  }
  const std::string command = std::string("bzip2 -dc '") + argv[1] + "'";
  FILE* in = popen(command.c_str(), "r");
  if (!in) {
    std::fprintf(stderr, "cannot run bzip2 on %s\n", argv[1]);
    return 1;
  }
  // code point -> readings in order (primary first), and the dictionary ones.
  std::map<char32_t, std::vector<std::string>> primary, others;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, in)) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.rfind("U+", 0) != 0) continue;
    const auto fields = Split(line, '\t');
    if (fields.size() != 3) continue;
    const char32_t cp = static_cast<char32_t>(std::strtoul(fields[0].c_str() + 2, nullptr, 16));
    const std::string& field = fields[1];
    if (field == "kMandarin") {
      for (const auto& r : Split(fields[2], ' ')) primary[cp].push_back(Toneless(r));
    } else if (field == "kXHC1983" || field == "kTGHZ2013") {
      for (const auto& entry : Split(fields[2], ' ')) {
        const auto colon = entry.find(':');
        if (colon != std::string::npos) others[cp].push_back(Toneless(entry.substr(colon + 1)));
      }
    }
  }
  if (pclose(in) != 0 || primary.empty()) {
    std::fprintf(stderr, "could not read Mandarin readings from %s\n", argv[1]);
    return 1;
  }

  std::set<std::string> syllable_set;
  std::map<char32_t, std::vector<std::string>> readings;
  for (const auto& [cp, list] : primary) {
    auto& out = readings[cp];
    auto add = [&out, &syllable_set](const std::string& r) {
      if (r.empty() || std::find(out.begin(), out.end(), r) != out.end()) return;
      out.push_back(r);
      syllable_set.insert(r);
    };
    for (const auto& r : list) add(r);
    if (auto it = others.find(cp); it != others.end()) {
      for (const auto& r : it->second) add(r);
    }
  }
  const std::vector<std::string> syllables(syllable_set.begin(), syllable_set.end());
  if (syllables.size() + 1 >= 512) {  // ids are 9 bits in the table
    std::fprintf(stderr, "too many syllables: %zu\n", syllables.size());
    return 1;
  }
  auto id_of = [&syllables](const std::string& r) {
    return std::lower_bound(syllables.begin(), syllables.end(), r) - syllables.begin() + 1;
  };

  FILE* out = std::fopen(argv[2], "w");
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  std::fprintf(out,
               "// Generated by tacit_pinyin_gen from Debian's unicode-data (Unihan_Readings.txt,\n"
               "// Unicode License). Do not edit.\n"
               "#include \"linkage/pinyin.h\"\n\n"
               "namespace tacit::linkage_internal {\n\n"
               "const char* const kPinyinSyllables[] = {\"\",\n");
  for (const auto& s : syllables) std::fprintf(out, "\"%s\",\n", s.c_str());
  std::fprintf(out, "};\nconst int kPinyinSyllableCount = %zu;\n\n", syllables.size() + 1);
  // Each entry: code point << 9 | syllable id; a character's first entry is
  // its customary reading.
  std::fprintf(out, "const uint32_t kPinyinEntries[] = {\n");
  size_t count = 0;
  for (const auto& [cp, list] : readings) {
    for (const auto& r : list) {
      std::fprintf(out, "0x%xu,", static_cast<unsigned>((cp << 9) | id_of(r)));
      if (++count % 8 == 0) std::fputc('\n', out);
    }
  }
  std::fprintf(out, "};\nconst size_t kPinyinEntryCount = %zu;\n\n}  // namespace tacit::linkage_internal\n",
               count);
  return std::fclose(out) == 0 ? 0 : 1;
}
