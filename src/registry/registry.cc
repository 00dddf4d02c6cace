#include "tacit/registry.h"

#include <fmt/format.h>

#include <array>
#include <filesystem>
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
  kStartMonth, kSpecialCare, kBasicAmount, kLastCertifiedOn, kColumnCount
};
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "id_number", "name", "sex", "birth_date", "phone", "region_code", "scheme", "paying_region",
    "monthly_amount", "start_month", "special_care", "basic_amount", "last_certified_on"};
constexpr int kRequiredColumns = kSpecialCare + 1;

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
  row.default_baseline.reset();
  if (policy.default_last_certified.At(today) == "import_date") row.default_baseline = today;
  return std::nullopt;
}

}  // namespace

Result<RegistryImportResult> ImportRegistryFile(Store& store, const Policy& policy, const std::string& path,
                                                Date today) {
  ASSIGN_OR_RETURN(FileBytes file, FileBytes::Open(path));
  std::string_view text = file.bytes();
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvScanner scanner(text, ',');
  CsvRecord rec;
  if (!scanner.Next(&rec) || !rec.error.empty()) {
    return InvalidArgument(fmt::format("{}:1: expected the header line id_number,name,sex,...", path));
  }
  std::array<int, kColumnCount> index;
  index.fill(-1);
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    const std::string_view name = TrimSpaces(rec.fields[i]);
    for (int c = 0; c < kColumnCount; ++c) {
      if (name == kColumnNames[static_cast<size_t>(c)]) index[static_cast<size_t>(c)] = static_cast<int>(i);
    }
  }
  for (int c = 0; c < kRequiredColumns; ++c) {
    if (index[static_cast<size_t>(c)] < 0) {
      return InvalidArgument(fmt::format("{}:1: the header lacks the required column {}", path,
                                         kColumnNames[static_cast<size_t>(c)]));
    }
  }
  const size_t header_width = rec.fields.size();

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
  if (!result.rejects.empty()) {
    result.quarantine_path = QuarantinePathFor(path);
    RETURN_IF_ERROR(WriteQuarantine(result.quarantine_path, result.rejects));
  } else {
    std::error_code ec;
    std::filesystem::remove(QuarantinePathFor(path), ec);
  }
  return result;
}

}  // namespace tacit
