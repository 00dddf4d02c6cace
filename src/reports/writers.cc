// The two file formats of a report: CSV (the feed module's RFC 4180 field
// quoting, as the payroll file uses) and .xlsx through libxlsxwriter, whose
// header stays in this file.
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "tacit/feed.h"
#include "tacit/reports.h"

namespace tacit {
namespace {

// ---- CSV ---------------------------------------------------------------------

// A text cell as CSV: a value a spreadsheet would evaluate as a formula is
// made plain text with a leading apostrophe (OWASP's advice on CSV injection;
// names and notes come from partners and staff).
std::string CsvText(std::string_view text) {
  if (!text.empty() && (text.front() == '=' || text.front() == '+' || text.front() == '-' || text.front() == '@')) {
    return CsvField("'" + std::string(text));
  }
  return CsvField(text);
}

std::string CsvCell(const ReportCell& c) {
  switch (c.type) {
    case ReportCell::Type::kText: return CsvText(c.text);
    case ReportCell::Type::kInteger: return std::to_string(c.number);
    case ReportCell::Type::kMoney: return FormatYuan(c.number);
    case ReportCell::Type::kDate: return c.date.ToString();
  }
  return std::string();
}

void CsvLine(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += fields[i];
  }
  out += "\r\n";
}

// ---- xlsx --------------------------------------------------------------------

// Columns wide enough for their longest value: Excel's width unit is one
// Latin digit; a CJK character takes two.
double DisplayWidth(std::string_view utf8) {
  double w = 0;
  for (size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;  // three-byte sequences and above: CJK and other wide scripts
    i += len;
  }
  return w;
}

// The text a cell shows, for its width.
std::string CellDisplay(const ReportCell& c) {
  switch (c.type) {
    case ReportCell::Type::kText: return c.text;
    case ReportCell::Type::kInteger: return std::to_string(c.number);
    case ReportCell::Type::kMoney: {
      // #,##0.00 adds a separator every three digits of the integer part.
      const std::string plain = FormatYuan(c.number);
      const size_t digits = plain.size() - 3 - (c.number < 0 ? 1 : 0);
      return plain + std::string(digits > 0 ? (digits - 1) / 3 : 0, ',');
    }
    case ReportCell::Type::kDate: return c.date.ToString();
  }
  return std::string();
}

std::vector<double> ColumnWidths(const ReportTable& t) {
  std::vector<double> widths(t.headers.size(), 0);
  for (size_t i = 0; i < t.headers.size(); ++i) widths[i] = DisplayWidth(t.headers[i]);
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(CellDisplay(row[i])));
    }
  }
  for (double& w : widths) w = std::clamp(w + 2, 8.0, 60.0);
  return widths;
}

// The title, the metadata line and the header come first.
constexpr lxw_row_t kHeaderRow = 2;
constexpr size_t kFirstDataRow = kHeaderRow + 1;
constexpr size_t kExcelRows = 1'048'576;

struct WorkbookCloser {
  void operator()(lxw_workbook* wb) const {
    if (wb != nullptr) workbook_close(wb);
  }
};

Status LxwError(lxw_error e, std::string_view what, const std::string& path) {
  return MakeError(ErrorCode::kInternal,
                   fmt::format("报表文件写入失败 (writing the report {} failed: {}: {})", path, what, lxw_strerror(e)));
}

}  // namespace

std::string ReportBook::MetadataLine() const {
  return fmt::format("区划 {}  月份 {}  截至 {}  生成时间 {} (北京时间)",
                     region.empty() ? std::string("全部区划") : region + " " + region_name, month.ToString(),
                     as_of.ToString(), generated_at);
}

std::string ReportCsv(const ReportBook& book) {
  std::string out = "\xEF\xBB\xBF";  // the BOM: Excel reads the file as UTF-8
  bool first = true;
  for (const ReportTable& t : book.tables) {
    if (!first) out += "\r\n";
    first = false;
    CsvLine(out, {CsvText(t.title)});
    CsvLine(out, {CsvText(book.MetadataLine())});
    std::vector<std::string> fields;
    for (const std::string& h : t.headers) fields.push_back(CsvText(h));
    CsvLine(out, fields);
    for (const auto& row : t.rows) {
      fields.clear();
      for (const ReportCell& c : row) fields.push_back(CsvCell(c));
      CsvLine(out, fields);
    }
  }
  return out;
}

Status WriteReportXlsx(const ReportBook& book, const std::string& path) {
  for (const ReportTable& t : book.tables) {
    if (t.rows.size() + kFirstDataRow > kExcelRows) {
      return FailedPrecondition(fmt::format(
          "报表 {} 行, 超过 Excel 一张工作表的 {} 行; 请按下级区划导出或导出 CSV (the sheet {} has {} rows, more than "
          "Excel takes: export a smaller region, or CSV)",
          t.rows.size(), kExcelRows, t.sheet_name, t.rows.size()));
    }
  }
  // Rows go to the file as they are written (they are written in order), so
  // that a province's list does not sit in memory twice; strings are then
  // stored inline rather than in a shared table.
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  std::unique_ptr<lxw_workbook, WorkbookCloser> wb(workbook_new_opt(path.c_str(), &options));
  if (!wb) {
    return Unavailable(fmt::format("报表文件无法创建 (cannot create the report file {})", path));
  }
  lxw_format* title = workbook_add_format(wb.get());
  format_set_bold(title);
  format_set_font_size(title, 14);
  lxw_format* meta = workbook_add_format(wb.get());
  format_set_font_color(meta, 0x595959);
  lxw_format* header = workbook_add_format(wb.get());
  format_set_bold(header);
  format_set_bg_color(header, 0xD9E1F2);
  format_set_border(header, LXW_BORDER_THIN);
  format_set_text_wrap(header);
  format_set_align(header, LXW_ALIGN_CENTER);
  format_set_align(header, LXW_ALIGN_VERTICAL_CENTER);
  lxw_format* money = workbook_add_format(wb.get());
  format_set_num_format(money, "#,##0.00");
  lxw_format* integer = workbook_add_format(wb.get());
  format_set_num_format(integer, "0");
  lxw_format* date = workbook_add_format(wb.get());
  format_set_num_format(date, "yyyy-mm-dd");

  std::string doc_title = book.title, subject = book.MetadataLine();
  lxw_doc_properties props{};
  props.title = doc_title.data();
  props.subject = subject.data();
  props.author = const_cast<char*>("tacit");
  if (lxw_error e = workbook_set_properties(wb.get(), &props); e != LXW_NO_ERROR) {
    return LxwError(e, "properties", path);
  }

  const std::string meta_line = book.MetadataLine();
  for (const ReportTable& t : book.tables) {
    lxw_worksheet* ws = workbook_add_worksheet(wb.get(), t.sheet_name.c_str());
    if (ws == nullptr) {
      return MakeError(ErrorCode::kInternal, fmt::format("报表工作表名无效 (invalid sheet name in {})", path));
    }
    worksheet_write_string(ws, 0, 0, t.title.c_str(), title);
    worksheet_write_string(ws, 1, 0, meta_line.c_str(), meta);
    const std::vector<double> widths = ColumnWidths(t);
    for (size_t i = 0; i < t.headers.size(); ++i) {
      const auto col = static_cast<lxw_col_t>(i);
      worksheet_set_column(ws, col, col, widths[i], nullptr);
      worksheet_write_string(ws, kHeaderRow, col, t.headers[i].c_str(), header);
    }
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const auto row = static_cast<lxw_row_t>(kFirstDataRow + r);
      for (size_t i = 0; i < t.rows[r].size(); ++i) {
        const ReportCell& c = t.rows[r][i];
        const auto col = static_cast<lxw_col_t>(i);
        lxw_error e = LXW_NO_ERROR;
        switch (c.type) {
          case ReportCell::Type::kText:
            if (!c.text.empty()) e = worksheet_write_string(ws, row, col, c.text.c_str(), nullptr);
            break;
          case ReportCell::Type::kInteger:
            e = worksheet_write_number(ws, row, col, static_cast<double>(c.number), integer);
            break;
          case ReportCell::Type::kMoney:
            // Fen to yuan: exact to the fen for any amount below 2^53 fen.
            e = worksheet_write_number(ws, row, col, static_cast<double>(c.number) / 100.0, money);
            break;
          case ReportCell::Type::kDate: {
            lxw_datetime dt{c.date.year(), c.date.month(), c.date.day(), 0, 0, 0.0};
            e = worksheet_write_datetime(ws, row, col, &dt, date);
            break;
          }
        }
        if (e != LXW_NO_ERROR) return LxwError(e, "cell", path);
      }
    }
    if (!t.headers.empty()) {
      const auto last_col = static_cast<lxw_col_t>(t.headers.size() - 1);
      worksheet_autofilter(ws, kHeaderRow, 0, static_cast<lxw_row_t>(kHeaderRow + t.rows.size()), last_col);
    }
    worksheet_freeze_panes(ws, kFirstDataRow, 0);
  }
  lxw_workbook* raw = wb.release();
  if (lxw_error e = workbook_close(raw); e != LXW_NO_ERROR) return LxwError(e, "close", path);
  return {};
}

Result<std::string> ReportXlsx(const ReportBook& book) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return Unavailable("临时目录不可用 (no temporary directory for the report)");
  std::string path = (dir / "tacit-report-XXXXXX.xlsx").string();
  const int fd = ::mkstemps(path.data(), 5);
  if (fd < 0) {
    return Unavailable(fmt::format("报表临时文件无法创建 (cannot create a temporary file in {}: {})", dir.string(),
                                   std::strerror(errno)));
  }
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  } remove{path};
  RETURN_IF_ERROR(WriteReportXlsx(book, path));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Unavailable(fmt::format("报表文件无法读取 (cannot read back {})", path));
  return bytes.str();
}

}  // namespace tacit
