// The workbench's dashboard (工作台首页): one request gathers what the first
// page shows for a region — certification coverage and payment status by the
// regions one level down (for drill-down), by scheme and by method, the
// month-by-month trend, money overpaid and recovered, and the health of each
// partner department's feed. The figures are ComputeStats's (the ones `tacit
// stats` prints); nothing here derives them another way.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "server/routes.h"
#include "tacit/report.h"
#include "tacit/reports.h"
#include "tacit/stats.h"

namespace tacit::server {
namespace {

// The trend covers this many months up to the month shown.
constexpr int kDefaultTrendMonths = 6;

// From the account's own scope down to `region`, each level with its name: the
// breadcrumb the page draws, which never offers a level above the scope.
HttpResult<json> Breadcrumb(Context& ctx, const std::string& region) {
  json crumbs = json::array();
  const std::string& scope = ctx.principal.region;
  if (scope.empty()) crumbs.push_back({{"code", ""}, {"name", "全部 (all)"}});
  for (size_t len : {2u, 4u, 6u, 9u, 12u}) {
    if (len > region.size()) break;
    if (len < scope.size()) continue;
    const std::string code = region.substr(0, len);
    ASSIGN_OR_RETURN(std::optional<Region> r, ctx.store.FindRegion(code));
    crumbs.push_back({{"code", code}, {"name", r ? r->name : code}});
  }
  return crumbs;
}

// Per source: the last batch, the rows and link rate of the last 30 days'
// batches, rejects, and how many days since the department last sent anything.
HttpResult<json> FeedHealth(Context& ctx, Date today) {
  ASSIGN_OR_RETURN(std::vector<BatchRecord> batches, ctx.store.ListBatches());
  struct Health {
    const BatchRecord* last = nullptr;
    int64_t batches = 0, rows = 0, linked = 0, unlinked = 0, rejected = 0, dropped = 0;
  };
  std::map<std::string, Health> by_source;
  for (const BatchRecord& b : batches) {
    Health& h = by_source[b.source];
    if (h.last == nullptr || b.received_on > h.last->received_on ||
        (b.received_on == h.last->received_on && b.id > h.last->id)) {
      h.last = &b;
    }
    if (today - b.received_on > 30) continue;
    ++h.batches;
    h.rows += b.rows;
    h.linked += b.linked;
    h.unlinked += b.unlinked;
    h.rejected += b.rejected;
    h.dropped += b.dropped;
  }
  json out = json::array();
  for (const auto& [source, h] : by_source) {
    // Linked among the rows kept: linked to a recipient, or kept unlinked for
    // the linker (dropped rows are about others, duplicates were stored before).
    const int64_t relevant = h.linked + h.unlinked;
    out.push_back({{"source", source},
                   {"last_batch", {{"id", h.last->id},
                                   {"file_name", h.last->file_name},
                                   {"received_on", h.last->received_on.ToString()},
                                   {"ingested_at", h.last->ingested_at},
                                   {"rows", h.last->rows},
                                   {"rejected", h.last->rejected}}},
                   {"days_since_last", today - h.last->received_on},
                   {"batches_30d", h.batches},
                   {"rows_30d", h.rows},
                   {"linked_30d", h.linked},
                   {"rejected_30d", h.rejected},
                   {"dropped_30d", h.dropped},
                   {"link_rate_30d", relevant > 0 ? static_cast<double>(h.linked) / static_cast<double>(relevant)
                                                  : 0.0},
                   {"reject_rate_30d", h.rows > 0 ? static_cast<double>(h.rejected) / static_cast<double>(h.rows)
                                                  : 0.0}});
  }
  return out;
}

HttpResult<Reply> Dashboard(Context& ctx) {
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  const Date today = TodayOf(ctx);
  Month month = MonthOf(today);
  if (std::string text = ctx.Query("month"); !text.empty()) {
    ASSIGN_OR_RETURN(month, MonthText(text, "month"));
  }
  // A month that has ended is shown as at its last day, as its report export
  // is (the cards and the trend's last month then agree).
  ASSIGN_OR_RETURN(Date as_of, DateQuery(ctx, "as_of", ReportAsOf(month, today)));
  ASSIGN_OR_RETURN(int64_t trend_months, IntQuery(ctx, "trend", kDefaultTrendMonths, 1, 24));
  StatsOptions options{region, month, as_of, std::nullopt};
  options.trend_from = month - static_cast<int32_t>(trend_months - 1);
  // The first page answers from the statistics snapshot of the month and
  // as-of date when there is one, current or not (the page says which);
  // live=1 derives every person now.
  const std::string live = ctx.Query("live");
  if (live != "" && live != "0" && live != "1") {
    return BadField("live", "live 应为 0 或 1 (live: expected 0 or 1)");
  }
  options.snapshot = live == "1" ? StatsOptions::Snapshot::kLive : StatsOptions::Snapshot::kAny;
  auto report = ComputeStats(ctx.store, ctx.svc.policy, options);
  if (!report) return tl::unexpected(WithField(report.error(), {{"--region", "region"}}));
  json out = json::parse(StatsJson(*report));
  ASSIGN_OR_RETURN(out["breadcrumb"], Breadcrumb(ctx, region));
  // A village is the bottom: nothing below it to drill into.
  out["leaf"] = region.size() >= 12;
  if (RoleMay(ctx.principal.role, Action::kFeedRead)) {
    ASSIGN_OR_RETURN(out["feeds"], FeedHealth(ctx, today));
  } else {
    out["feeds"] = nullptr;
  }
  if (RoleMay(ctx.principal.role, Action::kCycleRead)) {
    ASSIGN_OR_RETURN(std::optional<CycleRunRecord> run, ctx.store.FindCycleRun(month));
    out["run"] = run ? json{{"month", run->month.ToString()},
                            {"as_of", run->as_of.ToString()},
                            {"finished_at", run->finished_at},
                            {"entitlements", run->entitlements},
                            {"paid", run->paid},
                            {"suspended", run->suspended},
                            {"terminated", run->terminated},
                            {"paid_amount", FormatYuan(run->paid_amount)},
                            {"overpaid_amount", FormatYuan(run->overpaid_amount)}}
                     : json(nullptr);
  } else {
    out["run"] = nullptr;
  }
  return Reply::Json(out);
}

}  // namespace

void AddDashboardRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "GET",
                    .path = "/api/v1/dashboard",
                    .tag = "stats",
                    .summary = "工作台首页 (the dashboard: coverage and payment status by the regions one level down, "
                               "by scheme and method, the monthly trend, overpayments outstanding and recovered, the "
                               "month's run and each department's feed health); scoped accounts see their own region "
                               "and below",
                    .auth = kSessionAuth,
                    .action = Action::kStatsRead,
                    .query = {"region: 2/4/6/9/12-digit region code (default: the account's own region, or all)",
                              "month: YYYY-MM (default: the current month)",
                              "trend: months of trend up to `month`, 1 to 24 (default 6)",
                              "as_of: knowledge cut-off YYYY-MM-DD (default: today; the last day of a month "
                              "that has ended)"},
                    .handler = Dashboard});
}

}  // namespace tacit::server
