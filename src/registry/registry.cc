#include "tacit/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <span>
#include <tuple>
#include <unordered_set>

#include "feed/csv.h"
#include "feed/file_bytes.h"
#include "feed/text.h"

namespace tacit {
namespace {

using feed_internal::CsvRecord;
using feed_internal::CsvScanner;
using feed_internal::FileBytes;
using feed_internal::TrimSpaces;

enum Column {
  kIdNumber, kName, kSex, kBirthDate, kPhone, kRegionCode, kScheme, kPayingRegion, kMonthlyAmount,
  kStartMonth, kSpecialCare, kBasicAmount, kLastCertifiedOn, kPaidThrough, kContributionMonths, kAccountBalance,
  kAccountSubsidy, kColumnCount
};
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "id_number", "name", "sex", "birth_date", "phone", "region_code", "scheme", "paying_region",
    "monthly_amount", "start_month", "special_care", "basic_amount", "last_certified_on", "paid_through",
    "contribution_months", "account_balance", "account_subsidy"};
constexpr int kRequiredColumns = kSpecialCare + 1;

// Sixty years of contributions: more is a typing error.
constexpr int kMaxContributionMonths = 720;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Checks one row; on success fills `row`, else returns the field and reason.
struct RowProblem {
  std::string field;
  std::string reason;
};

std::optional<RowProblem> ParseRow(const std::array<std::string_view, kColumnCount>& f, const Policy& policy,
                                   Date today, const std::unordered_set<std::string>& known_regions,
                                   RegistryRow& row) {
  IdParse id = ParseIdNumber(f[kIdNumber], today);
  if (!id.ok()) {
    auto err = ParseIdNumberOrError(f[kIdNumber], today);
    return RowProblem{"id_number", err.error().message};
  }
  PersonRecord& p = row.person;
  p.key = id.id.key();
  p.id_number = id.id.text();
  p.name = std::string(TrimSpaces(f[kName]));
  if (p.name.empty()) return RowProblem{"name", "expected the person's name, got nothing"};
  if (!feed_internal::IsValidUtf8(p.name)) return RowProblem{"name", "expected UTF-8 text"};
  const std::string_view sex = TrimSpaces(f[kSex]);
  if (sex == "M" || sex == "男") {
    p.sex = Sex::kMale;
  } else if (sex == "F" || sex == "女") {
    p.sex = Sex::kFemale;
  } else {
    return RowProblem{"sex", "expected M or F"};
  }
  if (p.sex != id.id.sex()) {
    return RowProblem{"sex", "does not match the sex encoded in the identity number (17th digit)"};
  }
  auto birth = ParseDate(f[kBirthDate]);
  if (!birth) return RowProblem{"birth_date", "expected a date like 1950-03-01"};
  if (*birth != id.id.birth_date()) {
    return RowProblem{"birth_date", "does not match the birth date in the identity number"};
  }
  p.birth_date = *birth;
  const std::string_view phone = TrimSpaces(f[kPhone]);
  if (!phone.empty() && (!AllDigits(phone) || phone.size() < 7 || phone.size() > 12)) {
    return RowProblem{"phone", "expected 7 to 12 digits or nothing"};
  }
  p.phone = std::string(phone);
  const std::string_view region = TrimSpaces(f[kRegionCode]);
  if (region.size() != 12 || !AllDigits(region)) {
    return RowProblem{"region_code", "expected the 12-digit residence code (community/village)"};
  }
  if (!known_regions.empty() && !known_regions.count(std::string(region.substr(0, 6)))) {
    return RowProblem{"region_code", "its county (first 6 digits) is not in the division table (tacit regions import)"};
  }
  p.region_code = std::string(region);
  auto scheme = ParseScheme(TrimSpaces(f[kScheme]));
  if (!scheme) return RowProblem{"scheme", "expected enterprise, public or resident"};
  row.scheme = *scheme;
  const std::string_view paying = TrimSpaces(f[kPayingRegion]);
  if (paying.size() != 6 || !AllDigits(paying)) {
    return RowProblem{"paying_region", "expected a 6-digit county code"};
  }
  if (!known_regions.empty() && !known_regions.count(std::string(paying))) {
    return RowProblem{"paying_region", "not a county in the division table"};
  }
  row.paying_region = std::string(paying);
  auto amount = ParseYuan(f[kMonthlyAmount]);
  if (!amount || *amount <= 0) {
    return RowProblem{"monthly_amount", "expected a positive amount in yuan with at most two decimals, like 3120.50"};
  }
  row.monthly = *amount;
  auto start = ParseMonth(f[kStartMonth]);
  if (!start) return RowProblem{"start_month", "expected a month like 2015-07"};
  if (*start > MonthOf(today)) return RowProblem{"start_month", "is after the current month"};
  if (start->FirstDay() < p.birth_date) return RowProblem{"start_month", "is before the person's birth"};
  row.start = *start;
  const std::string_view care = TrimSpaces(f[kSpecialCare]);
  if (care == "1") {
    p.special_care = true;
  } else if (care == "0" || care.empty()) {
    p.special_care = false;
  } else {
    return RowProblem{"special_care", "expected 0 or 1"};
  }
  const std::string_view basic = TrimSpaces(f[kBasicAmount]);
  row.basic = 0;
  if (!basic.empty()) {
    auto b = ParseYuan(basic);
    if (!b || *b < 0 || *b > row.monthly) {
      return RowProblem{"basic_amount", "expected an amount in yuan not above monthly_amount"};
    }
    row.basic = *b;
  }
  const std::string_view certified = TrimSpaces(f[kLastCertifiedOn]);
  p.baseline_certified.reset();
  if (!certified.empty()) {
    auto d = ParseDate(certified);
    if (!d) return RowProblem{"last_certified_on", "expected a date like 2026-03-15"};
    if (*d > today) return RowProblem{"last_certified_on", "is in the future"};
    p.baseline_certified = *d;
  }
  const std::string_view paid_through = TrimSpaces(f[kPaidThrough]);
  row.paid_through.reset();
  if (!paid_through.empty()) {
    auto m = ParseMonth(paid_through);
    if (!m) return RowProblem{"paid_through", "expected a month like 2026-04"};
    if (*m > MonthOf(today)) return RowProblem{"paid_through", "is after the import month"};
    // start_month - 1 says the previous system paid nothing.
    if (*m < row.start - 1) return RowProblem{"paid_through", "is more than a month before start_month"};
    row.paid_through = *m;
  }
  const std::string_view contribution = TrimSpaces(f[kContributionMonths]);
  row.contribution_months = 0;
  if (!contribution.empty()) {
    int months = 0;
    const auto parsed = std::from_chars(contribution.data(), contribution.data() + contribution.size(), months);
    if (!AllDigits(contribution) || parsed.ec != std::errc() || months > kMaxContributionMonths) {
      return RowProblem{"contribution_months", "expected a whole number of months from 0 to 720"};
    }
    row.contribution_months = months;
  }
  const std::string_view balance = TrimSpaces(f[kAccountBalance]);
  const std::string_view subsidy = TrimSpaces(f[kAccountSubsidy]);
  row.account_balance.reset();
  row.account_subsidy.reset();
  if (!balance.empty()) {
    auto b = ParseYuan(balance);
    if (!b || *b < 0) {
      return RowProblem{"account_balance", "expected an amount in yuan with at most two decimals, like 8640.00"};
    }
    row.account_balance = *b;
  }
  if (!subsidy.empty()) {
    if (!row.account_balance) {
      return RowProblem{"account_subsidy", "given without account_balance: the subsidy is part of the account"};
    }
    auto b = ParseYuan(subsidy);
    if (!b || *b < 0) {
      return RowProblem{"account_subsidy", "expected an amount in yuan with at most two decimals, like 1200.00"};
    }
    if (*b > *row.account_balance) return RowProblem{"account_subsidy", "is above account_balance"};
    row.account_subsidy = *b;
  }
  row.imported_on = today;
  row.default_baseline.reset();
  if (policy.default_last_certified.At(today) == "import_date") row.default_baseline = today;
  return std::nullopt;
}

// The header of a CSV file: where each of `names` is (-1: absent) and how many
// fields a row must have. Errors: no header line, or one of the first
// `required` names missing (the message names it).
struct Header {
  std::vector<int> index;
  size_t width = 0;
};

Result<Header> ReadHeader(CsvScanner& scanner, const std::string& path, std::span<const std::string_view> names,
                          size_t required) {
  CsvRecord rec;
  if (!scanner.Next(&rec) || !rec.error.empty()) {
    return InvalidArgument(fmt::format("{}:1: expected the header line {},{},{},...", path, names[0], names[1],
                                       names[2]));
  }
  Header header;
  header.index.assign(names.size(), -1);
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    const std::string_view name = TrimSpaces(rec.fields[i]);
    for (size_t c = 0; c < names.size(); ++c) {
      if (name == names[c]) header.index[c] = static_cast<int>(i);
    }
  }
  for (size_t c = 0; c < required; ++c) {
    if (header.index[c] < 0) {
      return InvalidArgument(fmt::format("{}:1: the header lacks the required column {}", path, names[c]));
    }
  }
  header.width = rec.fields.size();
  return header;
}

// Writes the rejects to the quarantine file beside `path` and returns its path,
// or removes a quarantine file left by an earlier run and returns "".
Result<std::string> Quarantine(const std::string& path, const std::vector<FeedReject>& rejects) {
  if (rejects.empty()) {
    std::error_code ec;
    std::filesystem::remove(QuarantinePathFor(path), ec);
    return std::string();
  }
  std::string quarantine = QuarantinePathFor(path);
  RETURN_IF_ERROR(WriteQuarantine(quarantine, rejects));
  return quarantine;
}

// The yearly adjustment file (待遇调整).
enum AdjustColumn { kAdjustId, kAdjustScheme, kAdjustEffective, kAdjustMonthly, kAdjustBasic, kAdjustColumnCount };
constexpr std::array<std::string_view, kAdjustColumnCount> kAdjustColumnNames = {
    "id_number", "scheme", "effective_month", "monthly_amount", "basic_amount"};
constexpr int kAdjustRequiredColumns = kAdjustMonthly + 1;
// How far ahead a rise may be announced: further is a typing error.
constexpr int kAdjustMonthsAhead = 12;

// A rejected adjustment row as kept in the quarantine file: its fields with the
// identity number masked. The file is only a pointer to the row (its line in
// the original, which sits beside it); a row that is not well-formed CSV keeps
// no text at all, since where its number is cannot be told.
std::string MaskedAdjustRow(std::string_view raw, int id_index, size_t width) {
  CsvScanner scanner(raw, ',');
  CsvRecord rec;
  if (!scanner.Next(&rec) || !rec.error.empty() || rec.fields.size() != width) return std::string();
  std::string out;
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (i > 0) out += ',';
    out += static_cast<int>(i) == id_index ? MaskIdNumber(TrimSpaces(rec.fields[i])) : CsvField(rec.fields[i]);
  }
  return out;
}

// Checks one adjustment row; on success fills `row`, else returns the field and reason.
std::optional<RowProblem> ParseAdjustRow(const std::array<std::string_view, kAdjustColumnCount>& f, Date today,
                                         Month earliest, int lookback, AmountAdjustment& row) {
  IdParse id = ParseIdNumber(f[kAdjustId], today);
  if (!id.ok()) {
    auto err = ParseIdNumberOrError(f[kAdjustId], today);
    return RowProblem{"id_number", err.error().message};
  }
  row.person = id.id.key();
  auto scheme = ParseScheme(TrimSpaces(f[kAdjustScheme]));
  if (!scheme) return RowProblem{"scheme", "expected enterprise, public or resident"};
  row.scheme = *scheme;
  auto effective = ParseMonth(f[kAdjustEffective]);
  if (!effective) return RowProblem{"effective_month", "expected a month like 2027-01"};
  if (*effective < earliest) {
    return RowProblem{"effective_month",
                      fmt::format("is more than {} months (ledger_lookback_months) before the next monthly run: "
                                  "the difference for those months could never be paid",
                                  lookback)};
  }
  if (*effective > MonthOf(today) + kAdjustMonthsAhead) {
    return RowProblem{"effective_month", fmt::format("is more than {} months after the current month",
                                                     kAdjustMonthsAhead)};
  }
  row.effective = *effective;
  auto amount = ParseYuan(f[kAdjustMonthly]);
  if (!amount || *amount <= 0) {
    return RowProblem{"monthly_amount", "expected a positive amount in yuan with at most two decimals, like 3280.50"};
  }
  row.monthly = *amount;
  const std::string_view basic = TrimSpaces(f[kAdjustBasic]);
  row.basic.reset();
  if (!basic.empty()) {
    auto b = ParseYuan(basic);
    if (!b || *b < 0 || *b > row.monthly) {
      return RowProblem{"basic_amount", "expected an amount in yuan not above monthly_amount"};
    }
    row.basic = *b;
  }
  return std::nullopt;
}

}  // namespace

Result<RegistryImportResult> ImportRegistryFile(Store& store, const Policy& policy, const std::string& path,
                                                Date today) {
  ASSIGN_OR_RETURN(FileBytes file, FileBytes::Open(path));
  std::string_view text = file.bytes();
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvScanner scanner(text, ',');
  ASSIGN_OR_RETURN(const Header header, ReadHeader(scanner, path, kColumnNames, kRequiredColumns));
  const std::vector<int>& index = header.index;
  const size_t header_width = header.width;
  CsvRecord rec;

  // Residence and paying regions are checked against the division table when
  // one was imported (counties suffice: villages change more often than codes).
  std::unordered_set<std::string> counties;
  ASSIGN_OR_RETURN(std::vector<std::string> codes, store.RegionCodes());
  for (const std::string& c : codes) {
    if (c.size() == 6) counties.insert(c);
  }

  RegistryImportResult result;
  std::vector<RegistryRow> rows;
  // (person, scheme) pairs seen in this file: a second row in the same scheme is
  // a suspected duplicate pension (重复领取), for a person to resolve, never a
  // second payment.
  std::unordered_set<std::string> person_schemes;
  std::array<std::string_view, kColumnCount> fields;
  while (scanner.Next(&rec)) {
    ++result.rows;
    auto reject = [&](std::string field, std::string reason) {
      result.rejects.push_back(FeedReject{path, rec.line, std::move(field), std::move(reason), std::string(rec.raw)});
    };
    if (!rec.error.empty()) {
      reject("row", std::string(rec.error));
      continue;
    }
    if (rec.fields.size() != header_width) {
      reject("row", fmt::format("expected {} fields like the header, found {}", header_width, rec.fields.size()));
      continue;
    }
    for (int c = 0; c < kColumnCount; ++c) {
      const int at = index[static_cast<size_t>(c)];
      fields[static_cast<size_t>(c)] = at < 0 ? std::string_view{} : rec.fields[static_cast<size_t>(at)];
    }
    RegistryRow row;
    if (auto problem = ParseRow(fields, policy, today, counties, row)) {
      reject(problem->field, problem->reason);
      continue;
    }
    if (!person_schemes.insert(fmt::format("{}/{}", row.person.key, static_cast<int>(row.scheme))).second) {
      reject("scheme",
             "a second row for this person in the same scheme: suspected duplicate pension (重复领取基本养老保险), "
             "not imported; resolve it in the registry (one row per person and scheme)");
      continue;
    }
    rows.push_back(std::move(row));
  }
  result.accepted = static_cast<int64_t>(rows.size());
  result.rejected = static_cast<int64_t>(result.rejects.size());
  // A changed amount takes effect from this month, but never in a month that a
  // monthly run has already paid.
  Month effective = MonthOf(today);
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  if (!runs.empty() && runs.back().month >= effective) effective = runs.back().month + 1;
  ASSIGN_OR_RETURN(result.counts, store.ImportRegistry(rows, effective));
  ASSIGN_OR_RETURN(result.quarantine_path, Quarantine(path, result.rejects));
  return result;
}

Result<RegistryAdjustResult> AdjustRegistryFile(Store& store, const Policy& policy, const std::string& path,
                                                Date today) {
  ASSIGN_OR_RETURN(FileBytes file, FileBytes::Open(path));
  std::string_view text = file.bytes();
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvScanner scanner(text, ',');
  ASSIGN_OR_RETURN(const Header header, ReadHeader(scanner, path, kAdjustColumnNames, kAdjustRequiredColumns));
  const int id_index = header.index[kAdjustId];

  // A rise further back than the monthly run compares would never be paid.
  const int lookback = policy.ledger_lookback_months.At(today);
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  const Month next_run = runs.empty() ? MonthOf(today) : std::max(MonthOf(today), runs.back().month + 1);
  const Month earliest = next_run - lookback;

  RegistryAdjustResult result;
  std::vector<AmountAdjustment> rows;  // in line order
  std::vector<std::string_view> raws;  // of `rows`, views into the file
  std::array<std::string_view, kAdjustColumnCount> fields;
  CsvRecord rec;
  auto reject = [&](int64_t line, std::string field, std::string reason, std::string_view raw) {
    result.rejects.push_back(
        FeedReject{path, line, std::move(field), std::move(reason), MaskedAdjustRow(raw, id_index, header.width)});
  };
  while (scanner.Next(&rec)) {
    ++result.rows;
    if (!rec.error.empty()) {
      reject(rec.line, "row", std::string(rec.error), rec.raw);
      continue;
    }
    if (rec.fields.size() != header.width) {
      reject(rec.line, "row",
             fmt::format("expected {} fields like the header, found {}", header.width, rec.fields.size()), rec.raw);
      continue;
    }
    for (size_t c = 0; c < kAdjustColumnCount; ++c) {
      const int at = header.index[c];
      fields[c] = at < 0 ? std::string_view{} : rec.fields[static_cast<size_t>(at)];
    }
    AmountAdjustment row;
    row.line = rec.line;
    if (auto problem = ParseAdjustRow(fields, today, earliest, lookback, row)) {
      reject(rec.line, problem->field, problem->reason, rec.raw);
      continue;
    }
    rows.push_back(row);
    raws.push_back(rec.raw);
  }
  // A second row for the same (person, scheme, effective) is rejected; the
  // first in the file is applied. Found by sorting rather than a set of keys:
  // a province's file has millions of rows.
  {
    std::vector<uint32_t> order(rows.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    auto key = [&](uint32_t i) { return std::tuple(rows[i].person, rows[i].scheme, rows[i].effective, i); };
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
    std::vector<bool> repeated(rows.size(), false);
    for (size_t k = 1; k < order.size(); ++k) {
      const AmountAdjustment& a = rows[order[k - 1]];
      const AmountAdjustment& b = rows[order[k]];
      repeated[order[k]] = a.person == b.person && a.scheme == b.scheme && a.effective == b.effective;
    }
    size_t kept = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (repeated[i]) {
        reject(rows[i].line, "effective_month",
               "a second row for this entitlement and effective month in this file: only the first is applied",
               raws[i]);
        continue;
      }
      rows[kept] = rows[i];
      raws[kept] = raws[i];
      ++kept;
    }
    rows.resize(kept);
    raws.resize(kept);
  }
  ASSIGN_OR_RETURN(AdjustCounts counts, store.AdjustAmounts(rows));
  result.applied = counts.applied;
  result.unchanged = counts.unchanged;
  for (const AdjustRefusal& r : counts.refused) {
    // `rows` are in line order.
    const auto it = std::lower_bound(rows.begin(), rows.end(), r.line,
                                     [](const AmountAdjustment& a, int64_t line) { return a.line < line; });
    const std::string_view raw = it != rows.end() && it->line == r.line ? raws[static_cast<size_t>(it - rows.begin())]
                                                                         : std::string_view{};
    reject(r.line, r.field, r.reason, raw);
  }
  std::stable_sort(result.rejects.begin(), result.rejects.end(),
                   [](const FeedReject& a, const FeedReject& b) { return a.line < b.line; });
  result.rejected = static_cast<int64_t>(result.rejects.size());
  result.accepted = result.applied + result.unchanged;
  ASSIGN_OR_RETURN(result.quarantine_path, Quarantine(path, result.rejects));
  return result;
}

}  // namespace tacit
