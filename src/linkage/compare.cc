// Comparison functions: one level per field, strongest agreement first.
#include <algorithm>
#include <cstdio>

#include "linkage/utf8.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

using linkage_internal::DecodeUtf8;

constexpr char32_t kDot = 0x00B7;

std::u32string WithoutDots(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c != kDot) out.push_back(c);
  }
  return out;
}

bool HasDot(std::u32string_view s) { return s.find(kDot) != std::u32string_view::npos; }

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Ymd(Date d) { return d.year() * 10000 + d.month() * 100 + d.day(); }

BirthLevel CompareYmd(int a, int b) {
  if (a == 0 || b == 0) return BirthLevel::kMissing;
  if (a == b) return BirthLevel::kExact;
  const int ya = a / 10000, ma = a / 100 % 100, da = a % 100;
  const int yb = b / 10000, mb = b / 100 % 100, db = b % 100;
  if (ya == yb && ma == db && da == mb) return BirthLevel::kMonthDaySwapped;
  int differing = 0;
  for (int i = 0; i < 8; ++i, a /= 10, b /= 10) differing += (a % 10) != (b % 10);
  return differing == 1 ? BirthLevel::kOneDigitOff : BirthLevel::kDifferent;
}

// Levels below "simplified": same sound, one character, different. Both in
// simplified characters, dots dropped.
NameLevel CompareCharacters(std::u32string_view a, size_t surname_a, std::u32string_view b,
                            size_t surname_b) {
  if (a.size() != b.size()) return NameLevel::kDifferent;
  int hard = 0;          // positions that differ in writing and in sound
  size_t hard_at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i] || SameSound(a[i], b[i])) continue;
    ++hard;
    hard_at = i;
  }
  if (hard == 0) return NameLevel::kSameSound;
  // One character may differ, but not in the surname: 张伟 / 李伟 are other
  // families. The compound surname decides where the surname ends (司马光 /
  // 司徒光 differ in the surname, not in the given name).
  if (hard == 1 && surname_a == surname_b && hard_at >= surname_a && a.size() > surname_a) {
    return NameLevel::kOneCharDiffers;
  }
  return NameLevel::kDifferent;
}

}  // namespace

PreparedName PrepareName(std::string_view utf8, const Simplifier& simplifier) {
  PreparedName n;
  n.raw = std::string(utf8);
  const std::string normalized = NormalizeName(utf8);
  n.normalized = DecodeUtf8(normalized);
  n.simplified = DecodeUtf8(simplifier.ToSimplified(normalized));
  n.surname_length = static_cast<uint8_t>(std::min<size_t>(SurnameLength(n.simplified), 255));
  return n;
}

NameLevel CompareNames(const PreparedName& a, const PreparedName& b) {
  if (a.normalized.empty() || b.normalized.empty()) return NameLevel::kMissing;
  if (a.raw == b.raw) return NameLevel::kExact;
  if (a.normalized == b.normalized) return NameLevel::kNormalized;
  if (a.simplified == b.simplified) return NameLevel::kSimplified;
  if (HasDot(a.simplified) || HasDot(b.simplified)) {
    // A minority name written with and without its dot, or with it elsewhere.
    const std::u32string na = WithoutDots(a.normalized), nb = WithoutDots(b.normalized);
    if (na == nb) return NameLevel::kNormalized;
    const std::u32string sa = WithoutDots(a.simplified), sb = WithoutDots(b.simplified);
    if (sa == sb) return NameLevel::kSimplified;
    return CompareCharacters(sa, a.surname_length, sb, b.surname_length);
  }
  return CompareCharacters(a.simplified, a.surname_length, b.simplified, b.surname_length);
}

BirthLevel CompareBirthDates(std::optional<Date> a, std::optional<Date> b) {
  if (!a || !b) return BirthLevel::kMissing;
  return CompareYmd(Ymd(*a), Ymd(*b));
}

SexLevel CompareSex(Sex a, Sex b) {
  if (a == Sex::kUnknown || b == Sex::kUnknown) return SexLevel::kMissing;
  return a == b ? SexLevel::kEqual : SexLevel::kDifferent;
}

RegionLevel CompareRegions(std::string_view a, std::string_view b) {
  if (a.size() < 2 || b.size() < 2 || !AllDigits(a) || !AllDigits(b)) return RegionLevel::kMissing;
  if (a.substr(0, 2) != b.substr(0, 2)) return RegionLevel::kDifferent;
  if (a.size() < 4 || b.size() < 4 || a.substr(0, 4) != b.substr(0, 4)) {
    return RegionLevel::kSameProvince;
  }
  if (a.size() < 6 || b.size() < 6 || a.substr(0, 6) != b.substr(0, 6)) return RegionLevel::kSameCity;
  if (a.size() < 9 || b.size() < 9) return RegionLevel::kSameCounty;
  if (a.substr(0, 9) != b.substr(0, 9)) return RegionLevel::kOtherTownship;
  if (a.size() >= 12 && b.size() >= 12 && a.substr(0, 12) == b.substr(0, 12)) return RegionLevel::kSameVillage;
  return RegionLevel::kSameTownship;
}

std::string WidenIdText(std::string_view sent) {
  std::string text = NormalizeIdText(sent);
  if (text.size() == 15 && AllDigits(text)) {
    std::string wide = text.substr(0, 6) + "19" + text.substr(6);
    wide.push_back(IdCheckCharacter(wide));
    return wide;
  }
  if (text.size() != 18 || !AllDigits(std::string_view(text).substr(0, 17)) ||
      !((text[17] >= '0' && text[17] <= '9') || text[17] == 'X')) {
    return {};
  }
  return text;
}

IdLevel CompareIdNumbers(std::string_view sent, std::string_view registry) {
  if (sent.size() != 18 || registry.size() != 18) return IdLevel::kMissing;
  int first = -1, second = -1, differing = 0;
  for (int i = 0; i < 18; ++i) {
    if (sent[i] == registry[i]) continue;
    if (++differing > 2) return IdLevel::kDifferent;
    (first < 0 ? first : second) = i;
  }
  if (differing == 0) return IdLevel::kEqual;
  if (differing == 1) return IdLevel::kOneDigit;
  if (second == first + 1 && sent[first] == registry[second] && sent[second] == registry[first]) {
    return IdLevel::kTransposed;
  }
  return IdLevel::kDifferent;
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : NormalizeIdText(phone)) {  // also turns full-width digits into ASCII
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() == 15 && digits.rfind("0086", 0) == 0) digits.erase(0, 4);
  if (digits.size() == 13 && digits.rfind("86", 0) == 0) digits.erase(0, 2);
  if (digits.size() < 7) return {};
  return digits;
}

PhoneLevel ComparePhones(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return PhoneLevel::kMissing;
  return a == b ? PhoneLevel::kEqual : PhoneLevel::kDifferent;
}

std::string_view ComparisonName(Comparison c) {
  switch (c) {
    case Comparison::kName: return "name";
    case Comparison::kBirthDate: return "birth_date";
    case Comparison::kSex: return "sex";
    case Comparison::kRegion: return "region";
    case Comparison::kIdNumber: return "id_number";
    case Comparison::kPhone: return "phone";
  }
  return "unknown";
}

std::string_view LevelName(Comparison c, int level) {
  static constexpr std::string_view kName[] = {"exact",      "normalized",       "simplified",
                                               "same_sound", "one_char_differs", "different",
                                               "missing"};
  static constexpr std::string_view kBirth[] = {"exact", "month_day_swapped", "one_digit_off",
                                                "different", "missing"};
  static constexpr std::string_view kSex[] = {"equal", "different", "missing"};
  static constexpr std::string_view kRegion[] = {"same_village",   "same_township", "same_county",
                                                 "other_township", "same_city",     "same_province",
                                                 "different",      "missing"};
  static constexpr std::string_view kId[] = {"equal", "one_digit", "transposed", "different",
                                             "missing"};
  static constexpr std::string_view kPhone[] = {"equal", "different", "missing"};
  const int i = static_cast<int>(c);
  if (i < 0 || i >= kComparisonCount || level < 0 || level >= kLevelCount[i]) return "unknown";
  switch (c) {
    case Comparison::kName: return kName[level];
    case Comparison::kBirthDate: return kBirth[level];
    case Comparison::kSex: return kSex[level];
    case Comparison::kRegion: return kRegion[level];
    case Comparison::kIdNumber: return kId[level];
    case Comparison::kPhone: return kPhone[level];
  }
  return "unknown";
}

PreparedRecord PrepareRecord(const LinkFields& fields, const Simplifier& simplifier, Date as_of) {
  PreparedRecord r;
  r.name = PrepareName(fields.name, simplifier);
  r.sex = fields.sex;
  r.birth_date = fields.birth_date;
  r.birth_ymd = fields.birth_date ? Ymd(*fields.birth_date) : 0;
  std::string region = NormalizeIdText(fields.region_code);
  if (AllDigits(region) && region.size() >= 2) r.region_code = std::move(region);
  r.id18 = WidenIdText(fields.id_text);
  r.id_problem = ParseIdNumber(fields.id_text, as_of).problem;
  r.phone = NormalizePhone(fields.phone);
  return r;
}

ComparisonVector Compare(const PreparedRecord& record, const PreparedRecord& person) {
  ComparisonVector v;
  v[0] = static_cast<uint8_t>(CompareNames(record.name, person.name));
  v[1] = static_cast<uint8_t>(CompareYmd(record.birth_ymd, person.birth_ymd));
  v[2] = static_cast<uint8_t>(CompareSex(record.sex, person.sex));
  v[3] = static_cast<uint8_t>(CompareRegions(record.region_code, person.region_code));
  v[4] = static_cast<uint8_t>(CompareIdNumbers(record.id18, person.id18));
  v[5] = static_cast<uint8_t>(ComparePhones(record.phone, person.phone));
  return v;
}

}  // namespace tacit::linkage
