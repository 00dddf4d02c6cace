// Chinese text for linkage: UTF-8, name normalisation, surnames, OpenCC
// (traditional → simplified) and the Unihan pinyin table.
#include <SimpleConverter.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <vector>

#include "linkage/pinyin.h"
#include "linkage/utf8.h"
#include "tacit/linkage.h"

namespace tacit {
namespace linkage_internal {

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    int len = 0;
    char32_t cp = 0;
    if (c >= 0xC2 && c < 0xE0) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c < 0xF0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c < 0xF5) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (int k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values above U+10FFFF are malformed too.
    if (ok && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF))) {
      ok = false;
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void AppendUtf8(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) AppendUtf8(&out, c);
  return out;
}

namespace {

// The pinyin table in a form that answers in O(1) for the BMP: for each code
// point, where its readings start in `ids` and how many there are.
struct PinyinIndex {
  std::vector<uint16_t> ids;       // syllable id of each entry
  std::vector<char32_t> points;    // code point of each entry
  std::vector<uint32_t> bmp_start;
  std::vector<uint8_t> bmp_count;

  PinyinIndex() : bmp_start(0x10000, 0), bmp_count(0x10000, 0) {
    ids.reserve(kPinyinEntryCount);
    points.reserve(kPinyinEntryCount);
    for (size_t i = 0; i < kPinyinEntryCount; ++i) {
      const char32_t cp = kPinyinEntries[i] >> 9;
      ids.push_back(static_cast<uint16_t>(kPinyinEntries[i] & 0x1FF));
      points.push_back(cp);
      if (cp < 0x10000) {
        if (bmp_count[cp] == 0) bmp_start[cp] = static_cast<uint32_t>(i);
        ++bmp_count[cp];
      }
    }
  }

  std::span<const uint16_t> Of(char32_t c) const {
    if (c < 0x10000) return {ids.data() + bmp_start[c], bmp_count[c]};
    const auto [lo, hi] = std::equal_range(points.begin(), points.end(), c);
    return {ids.data() + (lo - points.begin()), static_cast<size_t>(hi - lo)};
  }
};

const PinyinIndex& Pinyin() {
  static const PinyinIndex index;
  return index;
}

// Compound surnames (复姓), simplified characters. A name starting with one of
// these has a two-character surname.
constexpr std::array<std::u32string_view, 62> kCompoundSurnames = {
    U"欧阳", U"司马", U"诸葛", U"上官", U"东方", U"皇甫", U"尉迟", U"公孙", U"慕容",
    U"长孙", U"宇文", U"司徒", U"夏侯", U"轩辕", U"令狐", U"端木", U"独孤", U"南宫",
    U"西门", U"百里", U"呼延", U"万俟", U"申屠", U"闻人", U"澹台", U"公冶", U"太史",
    U"淳于", U"单于", U"赫连", U"濮阳", U"钟离", U"宗政", U"拓跋", U"鲜于", U"闾丘",
    U"司空", U"亓官", U"仲孙", U"东郭", U"第五", U"左丘", U"梁丘", U"谷梁", U"公羊",
    U"羊舌", U"微生", U"乐正", U"巫马", U"漆雕", U"公良", U"壤驷", U"段干", U"子车",
    U"颛孙", U"司寇", U"东门", U"公西", U"公仪", U"夹谷", U"宰父", U"呼衍"};

bool IsMiddleDot(char32_t c) {
  switch (c) {
    case 0x00B7:  // · middle dot
    case 0x2022:  // • bullet
    case 0x30FB:  // ・ katakana middle dot
    case 0x2027:  // ‧ hyphenation point
    case 0x2219:  // ∙ bullet operator
    case 0x22C5:  // ⋅ dot operator
    case 0xFF65:  // ･ half-width katakana middle dot
    case 0x2E31:  // ⸱ word separator middle dot
    case '.':     // a full stop typed for the dot (full-width ． arrives as '.')
      return true;
    default:
      return false;
  }
}

bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 || c == 0x00A0 ||
         c == 0x200B || c == 0xFEFF;
}

}  // namespace
}  // namespace linkage_internal

namespace linkage {

using linkage_internal::DecodeUtf8;
using linkage_internal::EncodeUtf8;

std::string NormalizeName(std::string_view utf8) {
  std::u32string out;
  for (char32_t c : DecodeUtf8(utf8)) {
    if (c >= 0xFF01 && c <= 0xFF5E) c = c - 0xFF01 + 0x21;  // full-width → ASCII
    if (linkage_internal::IsSpace(c)) continue;
    if (linkage_internal::IsMiddleDot(c)) c = 0x00B7;
    if (c >= 'a' && c <= 'z') c = c - 'a' + 'A';
    out.push_back(c);
  }
  return EncodeUtf8(out);
}

size_t SurnameLength(std::u32string_view name) {
  if (name.empty()) return 0;
  if (const size_t dot = name.find(U'\u00B7'); dot != std::u32string_view::npos) {
    return dot == 0 ? 1 : dot;
  }
  // A two-character name that is itself a compound surname (欧阳 alone) keeps a
  // one-character surname: it is more likely surname + given name.
  if (name.size() > 2) {
    for (std::u32string_view s : linkage_internal::kCompoundSurnames) {
      if (name.substr(0, 2) == s) return 2;
    }
  }
  return 1;
}

std::span<const uint16_t> PinyinOf(char32_t c) { return linkage_internal::Pinyin().Of(c); }

std::string_view SyllableText(uint16_t id) {
  if (id >= linkage_internal::kPinyinSyllableCount) return {};
  return linkage_internal::kPinyinSyllables[id];
}

bool SameSound(char32_t a, char32_t b) {
  if (a == b) return true;
  const auto pa = PinyinOf(a);
  if (pa.empty()) return false;
  const auto pb = PinyinOf(b);
  for (uint16_t x : pa) {
    for (uint16_t y : pb) {
      if (x == y) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Simplifier

struct Simplifier::Impl {
  std::unique_ptr<opencc::SimpleConverter> converter;
  std::vector<bool> bmp_changes;  // per BMP code point: t2s changes it alone

  std::string Convert(const std::string& text) const {
    try {
      return converter->Convert(text);
    } catch (const std::exception&) {
      return text;  // OpenCC refuses only malformed input, which we never pass
    }
  }
};

Result<Simplifier> Simplifier::Create(const std::string& config) {
  auto impl = std::make_shared<Impl>();
  try {
    impl->converter = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    return Unavailable("OpenCC config '" + config + "' cannot be loaded (install opencc and "
                       "libopencc-dev): " + e.what());
  }
  // One conversion of every CJK character, once: afterwards text without any
  // character t2s changes never reaches OpenCC.
  impl->bmp_changes.assign(0x10000, false);
  std::string one;
  auto scan = [&](char32_t from, char32_t to) {
    for (char32_t c = from; c <= to; ++c) {
      one.clear();
      linkage_internal::AppendUtf8(&one, c);
      if (impl->Convert(one) != one) impl->bmp_changes[c] = true;
    }
  };
  scan(0x3400, 0x4DBF);  // extension A
  scan(0x4E00, 0x9FFF);  // unified ideographs
  scan(0xF900, 0xFAFF);  // compatibility ideographs
  Simplifier s;
  s.impl_ = std::move(impl);
  return s;
}

bool Simplifier::Changes(char32_t c) const {
  if (c < 0x10000) return impl_->bmp_changes[c];
  if (c < 0x20000) return false;
  std::string one;
  linkage_internal::AppendUtf8(&one, c);
  return impl_->Convert(one) != one;
}

std::string Simplifier::ToSimplified(std::string_view utf8) const {
  const std::u32string points = DecodeUtf8(utf8);
  // Text in which no character changes on its own is returned as it is: this
  // also keeps OpenCC's phrase table from rewriting a name character that is
  // simplified already (乾 stays 乾, as in 乾隆, whatever follows it).
  bool any = false;
  for (char32_t c : points) {
    if (c >= 0x3400 && Changes(c)) {
      any = true;
      break;
    }
  }
  if (!any) return EncodeUtf8(points);
  return impl_->Convert(EncodeUtf8(points));
}

}  // namespace linkage
}  // namespace tacit
