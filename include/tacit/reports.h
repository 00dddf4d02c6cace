// Report exports (报表导出): the monthly statistics and the lists staff must act
// on, as tables of typed cells written to Excel (.xlsx, through libxlsxwriter)
// or to CSV (UTF-8 with a BOM, so that Excel shows Chinese). tacit/report.h
// renders views for reading on a screen; this renders files to download.
//
// Persons are always masked (140202********123X, 张*, 139****5678): a report is
// a list, and lists never carry a full identity number, name or phone.
//
//   ASSIGN_OR_RETURN(ReportBook book, BuildReport(store, policy, "due",
//                                                 {.region = "140202", .month = m, .as_of = d}));
//   std::string csv = ReportCsv(book);
//   ASSIGN_OR_RETURN(std::string xlsx, ReportXlsx(book));
//   std::string file = ReportFileName(book, "xlsx");  // tacit-due-140202-2026-11.xlsx
#ifndef TACIT_REPORTS_H_
#define TACIT_REPORTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

// One cell of a report: text, an integer count, money (integer fen, shown as
// yuan with two decimals) or a date. An empty cell is text "".
struct ReportCell {
  enum class Type { kText, kInteger, kMoney, kDate };
  Type type = Type::kText;
  std::string text;
  int64_t number = 0;  // kInteger: the count; kMoney: fen
  Date date;

  static ReportCell Text(std::string s) { return {Type::kText, std::move(s), 0, {}}; }
  static ReportCell Integer(int64_t n) { return {Type::kInteger, {}, n, {}}; }
  static ReportCell Money(Fen fen) { return {Type::kMoney, {}, fen, {}}; }
  static ReportCell Day(Date d) { return {Type::kDate, {}, 0, d}; }
  static ReportCell Empty() { return {}; }
};

// One sheet of the workbook; one section of the CSV file.
struct ReportTable {
  std::string sheet_name;  // Chinese, at most 31 characters, none of []:*?/\ (Excel's rules)
  std::string title;       // the table's title, above the metadata row
  std::vector<std::string> headers;         // column headers, in Chinese
  std::vector<std::vector<ReportCell>> rows;  // each as long as `headers`
};

struct ReportBook {
  std::string name;       // "stats", "due", "visits", "overpayments"
  std::string title;      // 月度统计, ...
  std::string region;     // the region code the report covers; "" for everywhere
  std::string region_name;
  Month month;
  Date as_of;             // certification states and payment status as known on this day
  std::string generated_at;  // "2026-11-20 16:00" (Beijing time)
  std::vector<ReportTable> tables;

  // "区划 140202 新荣区  月份 2026-11  截至 2026-11-20  生成时间 2026-11-20 16:00 (北京时间)"
  std::string MetadataLine() const;
};

// A report tacit knows how to build.
struct ReportKind {
  std::string_view name;      // the API's and the file name's word: "due"
  std::string_view title_zh;  // 即将到期/待认证名单
  std::string_view file_zh;   // the Chinese file name's word (no '/'): 待认证名单
};
// stats, due, visits, overpayments, in that order.
const std::vector<ReportKind>& ReportKinds();
// nullptr for a name tacit does not know.
const ReportKind* FindReportKind(std::string_view name);

struct ReportOptions {
  std::string region;  // 2/4/6/9/12-digit prefix of the residence code; "" for everywhere
  Month month;         // the month the report is for (payment status in `stats`; the file name)
  Date as_of;          // the knowledge cut-off: certification states, overdue visits
  int64_t generated_ms = 0;  // Unix milliseconds, shown in Beijing time
};

// The default cut-off of a report for `month` made on `today`: the month's
// last day for a month that has ended, else today.
Date ReportAsOf(Month month, Date today);

// Builds report `name` over the persons whose residence code starts with
// `options.region` (the same persons ComputeStats counts):
//   stats         月度统计: ComputeStats by child region and by scheme, with totals.
//   due           待认证名单: persons whose certification is due within the policy's
//                 due_soon_days, has lapsed or never existed (DeriveCertification;
//                 the deadline is the outreach plan's CertificationDeadline),
//                 most urgent first.
//   visits        上门认证任务: the open and assigned visit tasks of the region.
//   overpayments  多发待遇追回: persons with overpayments still to recover
//                 (Store::OutstandingOf), with a total row.
// Errors: kNotFound for an unknown name, kInvalidArgument for a malformed
// region ("--region: ..."), and the store's errors.
Result<ReportBook> BuildReport(Store& store, const Policy& policy, std::string_view name,
                               const ReportOptions& options);

// The workbook as CSV: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting.
// Each table is a section: its title, the metadata line, the header row and
// the rows, with an empty line between sections. Money is yuan with two
// decimals and no separators ("12345.60"), dates YYYY-MM-DD. Text that a
// spreadsheet would take for a formula (starting with = + - @) is prefixed
// with an apostrophe.
std::string ReportCsv(const ReportBook& book);

// The workbook as .xlsx bytes: one sheet per table, with the title and the
// metadata line above a bold, frozen header row with a filter; counts as
// numbers, money as numbers formatted #,##0.00, dates as dates; column widths
// fitted to the content. Written through a temporary file in the system's
// temporary directory, removed before returning.
// Errors: kFailedPrecondition when a table has more rows than an Excel sheet
// takes (1,048,576 with the three above the data: export a smaller region, or
// CSV), kUnavailable when the file cannot be written, kInternal when
// libxlsxwriter refuses the workbook (the message says why).
Result<std::string> ReportXlsx(const ReportBook& book);
// The same written to `path`. Errors: as ReportXlsx, naming the path.
Status WriteReportXlsx(const ReportBook& book, const std::string& path);

// The ASCII file name: tacit-<name>-<region or "all">-<YYYY-MM>.<extension>.
std::string ReportFileName(const ReportBook& book, std::string_view extension);
// The Chinese file name: <file_zh>-<region code><region name>-<YYYY-MM>.<extension>
// ("待认证名单-140202新荣区-2026-11.xlsx"; "全部区划" for everywhere).
std::string ReportFileNameZh(const ReportBook& book, std::string_view extension);

}  // namespace tacit

#endif  // TACIT_REPORTS_H_
