// Report exports over HTTP (tacit/reports.h): the monthly statistics and the
// work lists as .xlsx or CSV files, scoped like /api/v1/stats and audited
// before the file leaves. The handler parses, authorises, calls BuildReport
// and renders the file; what a report holds is decided in src/reports/.
#include <fmt/format.h>

#include <cctype>

#include "server/routes.h"
#include "tacit/reports.h"

namespace tacit::server {
namespace {

constexpr std::string_view kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr std::string_view kCsvType = "text/csv; charset=utf-8";

// What a caller must be allowed to export each report: the action of the API
// that shows the same data on a page. The route itself asks for stats.read,
// which every one of these roles has (docs/security.md).
Action ActionOf(std::string_view report) {
  if (report == "due") return Action::kOutreachRead;
  if (report == "visits") return Action::kVisitRead;
  if (report == "overpayments") return Action::kRecoveryRead;
  return Action::kStatsRead;
}

// RFC 5987 ext-value: UTF-8, every byte outside attr-char percent-encoded.
std::string PercentEncoded(std::string_view utf8) {
  std::string out;
  for (char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 && c < 0x80) {
      out += ch;
    } else if (std::string_view("!#$&+-.^_`|~").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

const HttpError& NoSuchReport() {
  static const HttpError e(ErrorCode::kNotFound,
                           "没有该报表, 可选 stats、due、visits、overpayments (no such report: stats, due, visits or "
                           "overpayments)",
                           "name");
  return e;
}

HttpResult<Reply> ExportReport(Context& ctx) {
  const std::string name = ctx.params["name"];
  const ReportKind* kind = FindReportKind(name);
  if (kind == nullptr) return tl::unexpected(NoSuchReport());
  if (auto ok = Authorise(ctx.principal, ActionOf(kind->name)); !ok) return tl::unexpected(HttpError(ok.error()));
  // A scoped account exports its own region and the regions below it.
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  std::string format = ctx.Query("format");
  if (format.empty()) format = "xlsx";
  if (format != "xlsx" && format != "csv") return BadField("format", "format 应为 xlsx 或 csv (xlsx or csv)");
  const Date today = TodayOf(ctx);
  Month month = MonthOf(today);
  if (std::string text = ctx.Query("month"); !text.empty()) {
    ASSIGN_OR_RETURN(month, MonthText(text, "month"));
  }
  ASSIGN_OR_RETURN(Date as_of, DateQuery(ctx, "as_of", ReportAsOf(month, today)));
  auto book = BuildReport(ctx.store, ctx.svc.policy, kind->name,
                          {.region = region, .month = month, .as_of = as_of, .generated_ms = ctx.svc.NowMs()});
  if (!book) return tl::unexpected(WithField(book.error(), {{"--region", "region"}}));
  Reply r;
  if (format == "csv") {
    r.body = ReportCsv(*book);
    r.content_type = kCsvType;
  } else {
    ASSIGN_OR_RETURN(r.body, ReportXlsx(*book));
    r.content_type = kXlsxType;
  }
  size_t rows = 0;
  for (const ReportTable& t : book->tables) rows += t.rows.size();
  // In the trail before the file leaves (no entry, no file). The target names
  // the report, the region and the month; never a person.
  RETURN_IF_ERROR(ctx.Audit("report.export",
                            fmt::format("report {} {} {}", kind->name, region.empty() ? "all" : region,
                                        month.ToString()),
                            json{{"format", format}, {"as_of", as_of.ToString()}, {"rows", rows}}.dump()));
  ctx.svc.metrics.Add("tacit_report_exports_total", "Reports exported through the API.", "", 1);
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ReportFileName(*book, format),
                                     PercentEncoded(ReportFileNameZh(*book, format))));
  return r;
}

HttpResult<Reply> ListReports(Context& ctx) {
  json list = json::array();
  for (const ReportKind& k : ReportKinds()) {
    if (!RoleMay(ctx.principal.role, ActionOf(k.name))) continue;
    list.push_back({{"name", k.name},
                    {"title", k.title_zh},
                    {"action", ActionName(ActionOf(k.name))},
                    {"formats", {"xlsx", "csv"}},
                    {"url", fmt::format("/api/v1/reports/{}", k.name)}});
  }
  return Reply::Json({{"reports", list}});
}

}  // namespace

void AddReportRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "GET",
                    .path = "/api/v1/reports",
                    .tag = "reports",
                    .summary = "报表 (the reports the caller may export, with their titles)",
                    .auth = kSessionAuth,
                    .action = Action::kStatsRead,
                    .handler = ListReports});
  routes.push_back(
      {.method = "GET",
       .path = "/api/v1/reports/{name}",
       .tag = "reports",
       .summary = "导出报表 (a report as an .xlsx or CSV file: stats 月度统计, due 待认证名单 [outreach.read], visits "
                  "上门认证任务 [visit.read], overpayments 多发待遇 [recovery.read]; persons masked; scoped accounts "
                  "export their own region and below; audited)",
       .auth = kSessionAuth,
       .action = Action::kStatsRead,
       .query = {"region: 2/4/6/9/12-digit region code (default: the account's own region, or all)",
                 "month: YYYY-MM the report is for (default: the current month)",
                 "format: xlsx (default) or csv",
                 "as_of: knowledge cut-off YYYY-MM-DD (default: today, or the month's last day for a past month)"},
       .handler = ExportReport});
}

}  // namespace tacit::server
