// Citizen identity numbers (公民身份号码, GB 11643-1999).
//
// 18 characters: a 6-digit area code, an 8-digit birth date, a 3-digit sequence
// whose parity is the sex (odd: male), and a MOD 11-2 check character (0-9 or X).
// Legacy 15-digit numbers (2-digit year, no check) are widened to 18 by inserting
// "19" and computing the check. Input is normalised first: surrounding and inner
// spaces removed, full-width digits and letters made ASCII, a lower-case x made
// upper-case. A number whose check character fails is never silently accepted.
//
// In memory a valid number is a PersonKey: the 17 digits times 11 plus the check
// value, which fits in 63 bits and orders like the number itself.
//
//   Result<IdNumber> id = ParseIdNumber(" 11010519491231002x ");
//   id->text()  == "11010519491231002X";
//   id->key()   -> PersonKey
//   MaskIdNumber(id->text()) == "110105********002X"
#ifndef TACIT_ID_NUMBER_H_
#define TACIT_ID_NUMBER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tacit/civil.h"
#include "tacit/result.h"

namespace tacit {

using PersonKey = uint64_t;

enum class Sex { kUnknown = 0, kMale = 1, kFemale = 2 };

// Why a number could not be used; stored with unlinked evidence.
enum class IdProblem {
  kOk = 0,
  kEmpty,         // no number given
  kBadLength,     // not 15 or 18 characters after normalisation
  kBadCharacter,  // a character other than digits (and a final X)
  kBadBirthDate,  // the birth date does not exist, or is in the future
  kBadChecksum,   // the MOD 11-2 check character does not match
};
std::string_view IdProblemName(IdProblem p);  // "bad_checksum", ...

class IdNumber {
 public:
  IdNumber() = default;
  // The 18-character normalised form (empty for a default-constructed one).
  // Held inline: parsing a number allocates nothing.
  std::string_view text() const { return std::string_view(text_.data(), key_ != 0 ? text_.size() : 0); }
  PersonKey key() const { return key_; }
  Date birth_date() const;
  Sex sex() const;
  // The 6-digit area code of the place where the number was issued.
  std::string_view area() const { return text().substr(0, 6); }

  static IdNumber FromKey(PersonKey key);

 private:
  friend struct IdNumberAccess;
  std::array<char, 18> text_{};
  PersonKey key_ = 0;  // valid numbers have keys > 0
};

// Normalises only (spaces, full-width, lower-case x, 15 -> 18 is NOT done here):
// the cleaned ASCII text, useful for display of rejected input (masked).
std::string NormalizeIdText(std::string_view raw);

struct IdParse {
  IdProblem problem = IdProblem::kEmpty;
  IdNumber id;  // valid only when problem == kOk
  bool ok() const { return problem == IdProblem::kOk; }
};

// Normalises and validates. `today` bounds the birth date. Never throws.
// Allocates nothing.
IdParse ParseIdNumber(std::string_view raw, Date today);
// Convenience wrapper returning an Error whose message names the problem only.
Result<IdNumber> ParseIdNumberOrError(std::string_view raw, Date today);

// The MOD 11-2 check character for the first 17 digits.
// REQUIRES: first17 has 17 ASCII digits.
char IdCheckCharacter(std::string_view first17);

// Masks for logs, errors and lists: keeps the first 6 and last 4 characters
// ("110105********002X"). Shorter or odd input is masked entirely but its length.
std::string MaskIdNumber(std::string_view text);
// Masks a Chinese name: keeps the first character ("张*", "欧阳**").
std::string MaskName(std::string_view utf8_name);
// Masks a phone number: keeps the first 3 and last 4 digits.
std::string MaskPhone(std::string_view phone);

}  // namespace tacit

#endif  // TACIT_ID_NUMBER_H_
