#include "tacit/id_number.h"

#include <array>
#include <cstring>

namespace tacit {

// Gives the implementation access to IdNumber's private fields.
struct IdNumberAccess {
  // REQUIRES: text has 18 characters; key > 0.
  static IdNumber Make(const char* text, PersonKey key) {
    IdNumber id;
    std::memcpy(id.text_.data(), text, id.text_.size());
    id.key_ = key;
    return id;
  }
};

namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckChars[] = "10X98765432";

// Value of the check character: 0-9, or 10 for X.
int CheckValue(char c) { return c == 'X' ? 10 : c - '0'; }

// Appends the normalised form of raw to out (at most `limit` characters kept so
// that hostile input cannot make it allocate): drops ASCII and full-width spaces,
// turns full-width digits and X/x (U+FF10..U+FF19, U+FF38, U+FF58) into ASCII,
// and lower-case x into X. Other bytes are kept as they are (and then fail).
void NormalizeInto(std::string_view raw, char* out, size_t& n, size_t limit) {
  for (size_t i = 0; i < raw.size() && n < limit;) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\'' || c == '"') {
      ++i;
      continue;
    }
    if (c == 0xEF && i + 2 < raw.size()) {
      const unsigned char c1 = static_cast<unsigned char>(raw[i + 1]);
      const unsigned char c2 = static_cast<unsigned char>(raw[i + 2]);
      if (c1 == 0xBC && c2 >= 0x90 && c2 <= 0x99) {  // U+FF10..U+FF19 full-width digits
        out[n++] = static_cast<char>('0' + (c2 - 0x90));
        i += 3;
        continue;
      }
      if ((c1 == 0xBC && c2 == 0xB8) || (c1 == 0xBD && c2 == 0x98)) {  // Ｘ U+FF38, ｘ U+FF58
        out[n++] = 'X';
        i += 3;
        continue;
      }
    }
    if (c == 0xE3 && i + 2 < raw.size() && raw[i + 1] == '\x80' && raw[i + 2] == '\x80') {
      i += 3;  // U+3000 ideographic space
      continue;
    }
    out[n++] = c == 'x' ? 'X' : static_cast<char>(c);
    ++i;
  }
}

bool AllDigits(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
  }
  return true;
}

// 17 digits and a last digit or X: an 18-character number's form.
bool IsWellFormed18(const char* p) { return AllDigits(p, 17) && ((p[17] >= '0' && p[17] <= '9') || p[17] == 'X'); }

int Digits(const char* p, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + (p[i] - '0');
  return v;
}

}  // namespace

std::string_view IdProblemName(IdProblem p) {
  switch (p) {
    case IdProblem::kOk: return "ok";
    case IdProblem::kEmpty: return "missing";
    case IdProblem::kBadLength: return "bad_length";
    case IdProblem::kBadCharacter: return "bad_character";
    case IdProblem::kBadBirthDate: return "bad_birth_date";
    case IdProblem::kBadChecksum: return "bad_checksum";
  }
  return "unknown";
}

char IdCheckCharacter(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[sum % 11];
}

std::string NormalizeIdText(std::string_view raw) {
  char buf[64];
  size_t n = 0;
  NormalizeInto(raw, buf, n, sizeof buf);
  return std::string(buf, n);
}

IdParse ParseIdNumber(std::string_view raw, Date today) {
  IdParse result;
  char buf[24];
  size_t n = 0;
  // Most numbers come clean (17 digits and a digit or X): nothing to normalise.
  const bool clean = raw.size() == 18 && IsWellFormed18(raw.data());
  if (clean) {
    std::memcpy(buf, raw.data(), 18);
    n = 18;
  } else {
    NormalizeInto(raw, buf, n, 20);  // 19 or 20 means "too long"
  }
  if (n == 0) {
    result.problem = IdProblem::kEmpty;
    return result;
  }
  char id[18];
  if (n == 15) {
    if (!AllDigits(buf, 15)) {
      result.problem = IdProblem::kBadCharacter;
      return result;
    }
    // Legacy number: 6 area, 6 birth (YYMMDD, 19YY), 3 sequence, no check.
    std::memcpy(id, buf, 6);
    id[6] = '1';
    id[7] = '9';
    std::memcpy(id + 8, buf + 6, 9);
    id[17] = IdCheckCharacter(std::string_view(id, 17));
  } else if (n == 18) {
    if (!clean && !IsWellFormed18(buf)) {
      result.problem = IdProblem::kBadCharacter;
      return result;
    }
    std::memcpy(id, buf, 18);
  } else {
    result.problem = IdProblem::kBadLength;
    return result;
  }
  const int y = Digits(id + 6, 4), m = Digits(id + 10, 2), d = Digits(id + 12, 2);
  if (!IsValidCivilDate(y, m, d) || y < 1880 || Date::FromCivil(y, m, d) > today) {
    result.problem = IdProblem::kBadBirthDate;
    return result;
  }
  if (IdCheckCharacter(std::string_view(id, 17)) != id[17]) {
    result.problem = IdProblem::kBadChecksum;
    return result;
  }
  uint64_t digits = 0;
  for (int i = 0; i < 17; ++i) digits = digits * 10 + static_cast<uint64_t>(id[i] - '0');
  const PersonKey key = digits * 11 + static_cast<uint64_t>(CheckValue(id[17]));
  result.problem = IdProblem::kOk;
  result.id = IdNumberAccess::Make(id, key);
  return result;
}

Result<IdNumber> ParseIdNumberOrError(std::string_view raw, Date today) {
  IdParse p = ParseIdNumber(raw, today);
  if (p.ok()) return std::move(p.id);
  switch (p.problem) {
    case IdProblem::kEmpty: return InvalidArgument("identity number missing");
    case IdProblem::kBadLength: return InvalidArgument("identity number: expected 18 characters (or a legacy 15-digit number)");
    case IdProblem::kBadCharacter: return InvalidArgument("identity number: expected 17 digits and a final digit or X");
    case IdProblem::kBadBirthDate: return InvalidArgument("identity number: the birth date it contains does not exist or is in the future");
    case IdProblem::kBadChecksum: return InvalidArgument("identity number: the check character (MOD 11-2) does not match");
    case IdProblem::kOk: break;
  }
  return Internal("identity number parse");
}

IdNumber IdNumber::FromKey(PersonKey key) {
  const int check = static_cast<int>(key % 11);
  uint64_t digits = key / 11;
  char text[18];
  for (int i = 16; i >= 0; --i) {
    text[i] = static_cast<char>('0' + digits % 10);
    digits /= 10;
  }
  text[17] = check == 10 ? 'X' : static_cast<char>('0' + check);
  return IdNumberAccess::Make(text, key);
}

Date IdNumber::birth_date() const {
  return Date::FromCivil(Digits(text_.data() + 6, 4), Digits(text_.data() + 10, 2),
                         Digits(text_.data() + 12, 2));
}

Sex IdNumber::sex() const { return (text_[16] - '0') % 2 == 1 ? Sex::kMale : Sex::kFemale; }

std::string MaskIdNumber(std::string_view text) {
  if (text.size() == 18) {
    std::string s(text.substr(0, 6));
    s += "********";
    s += text.substr(14, 4);
    return s;
  }
  return std::string(text.size() > 40 ? 40 : text.size(), '*');
}

namespace {
// Length in bytes of the UTF-8 sequence starting with c (1 for invalid bytes).
size_t Utf8Len(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}
}  // namespace

std::string MaskName(std::string_view name) {
  if (name.empty()) return {};
  const size_t first = std::min(Utf8Len(static_cast<unsigned char>(name[0])), name.size());
  std::string s(name.substr(0, first));
  size_t rest = 0;
  for (size_t i = first; i < name.size(); i += Utf8Len(static_cast<unsigned char>(name[i]))) ++rest;
  s.append(rest == 0 ? 1 : rest, '*');
  return s;
}

std::string MaskPhone(std::string_view phone) {
  if (phone.size() < 8) return std::string(phone.size(), '*');
  std::string s(phone.substr(0, 3));
  s.append(phone.size() - 7, '*');
  s += phone.substr(phone.size() - 4);
  return s;
}

}  // namespace tacit
