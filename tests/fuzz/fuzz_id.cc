// Identity numbers and the other values partners and staff type (src/id):
// ParseIdNumber (normalisation of spaces, full-width digits, lower-case x,
// 15 -> 18 digits; length, birth date, MOD 11-2), the masks, dates in every
// accepted form, months and yuan amounts. Checks the round trips the store
// relies on: a valid number parses again to the same key, and the key gives
// the number back.
#include <cstring>

#include "fuzz_util.h"
#include "tacit/id_number.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tacit;
  const std::string_view text = fuzz::AsText(data, size);
  const Date today = fuzz::FuzzToday();

  IdParse parsed = ParseIdNumber(text, today);
  if (parsed.ok()) {
    const IdNumber& id = parsed.id;
    FUZZ_CHECK(id.text().size() == 18);
    FUZZ_CHECK(IdCheckCharacter(std::string_view(id.text()).substr(0, 17)) == id.text()[17]);
    FUZZ_CHECK(id.birth_date() <= today);
    IdParse again = ParseIdNumber(id.text(), today);
    FUZZ_CHECK(again.ok() && again.id.key() == id.key());
    FUZZ_CHECK(IdNumber::FromKey(id.key()).text() == id.text());
    FUZZ_CHECK(id.sex() != Sex::kUnknown);
    const std::string masked = MaskIdNumber(id.text());
    FUZZ_CHECK(masked.size() == 18 && masked.substr(6, 8) == "********");
  } else {
    FUZZ_CHECK(!IdProblemName(parsed.problem).empty());
    auto e = ParseIdNumberOrError(text, today);
    FUZZ_CHECK(!e);
    // The message names the problem, never the number: it is logged.
    const std::string normalized = NormalizeIdText(text);
    if (fuzz::NumberLike(normalized)) FUZZ_CHECK(e.error().message.find(normalized) == std::string::npos);
  }
  volatile size_t sink = 0;
  sink = sink + NormalizeIdText(text).size() + MaskIdNumber(text).size() + MaskName(text).size() +
         MaskPhone(text).size();

  if (auto d = ParseDate(text)) {
    FUZZ_CHECK(IsValidCivilDate(d->year(), d->month(), d->day()));
    auto again = ParseDate(d->ToString());
    FUZZ_CHECK(again && *again == *d);
  }
  if (auto m = ParseMonth(text)) {
    auto again = ParseMonth(m->ToString());
    FUZZ_CHECK(again && *again == *m);
  }
  if (auto fen = ParseYuan(text)) {
    auto again = ParseYuan(FormatYuan(*fen));
    FUZZ_CHECK(again && *again == *fen);
  }
  // A date format given by the caller: the first line is the format.
  const size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    (void)ParseDateFormat(text.substr(nl + 1), text.substr(0, nl));
  }
  return 0;
}
