#include "crash/province.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <unistd.h>

#include "store/test_store_location.h"
#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/policy.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit::crash {

namespace fs = std::filesystem;

namespace {

// RFC 4180 fields of one line (quoted fields, doubled quotes; no line breaks
// inside the generated files' fields).
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

const Date kToday = Date::FromCivil(2026, 11, 27);

}  // namespace

bool Snapshot::SameAs(const Snapshot& o) const {
  return SameRunAs(o) && audit_changes == o.audit_changes && outreach_messages == o.outreach_messages &&
         outreach_by_status == o.outreach_by_status;
}

bool Snapshot::SameRunAs(const Snapshot& o) const {
  return batches == o.batches && batch_rows == o.batch_rows && evidence == o.evidence &&
         distinct_refs == o.distinct_refs && linked_refs == o.linked_refs && evidence_digest == o.evidence_digest &&
         runs == o.runs && decisions == o.decisions && payments == o.payments && paid_fen == o.paid_fen &&
         run_digest == o.run_digest;
}

std::string Snapshot::Describe() const {
  std::string statuses;
  for (const auto& [s, n] : outreach_by_status) statuses += fmt::format(" {}={}", s, n);
  return fmt::format("{{batches {} rows {}, evidence {} ({} distinct, {} linked, digest {}), audit changes {}, runs {}, "
                     "decisions {}, payments {} ({} fen, digest {}), outreach {}{}}}",
                     batches, batch_rows, evidence, distinct_refs, linked_refs, evidence_digest.substr(0, 8),
                     audit_changes, runs, decisions, payments, paid_fen, run_digest.substr(0, 8), outreach_messages,
                     statuses);
}

void Province::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  // The process id too: ctest runs the same tests twice (crash_points and
  // crash_sweep, each also on_postgres), and two at once shared a directory
  // that each SetUp emptied under the other.
  dir_ = fs::path(::testing::TempDir()) / fmt::format("crash_{}_{}_{}_{}", info->test_suite_name(), info->name(),
                                                      TestStoreIsPostgres() ? "pg" : "sqlite", getpid());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  // One key file for the store and all its copies.
  setenv("TACIT_KEY_FILE", (dir_ / "tacit.key").c_str(), 1);
}

void Province::TearDown() {
  if (!base_.empty()) DropTestStore(base_);
  if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
}

std::string Province::StoreName() const { return TestStoreIsPostgres() ? "PostgreSQL" : "SQLite"; }

void Province::WriteFile(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::vector<std::string> Province::WithDb(const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"--db", db});
  return args;
}

int Province::Tacit(const std::vector<std::string>& args, const std::string& today) {
  const Ended e = RunTacit(dir_, WithDb(base_, args), dir_ / "setup.txt", {{"TACIT_TODAY", today}});
  if (e.status != 0) ADD_FAILURE() << ReadFile(dir_ / "setup.txt");
  return e.status;
}

void Province::MakeEmpty() {
  base_ = TestStoreIsPostgres() ? TestStoreLocation(dir_) : (dir_ / "base.db").string();
}

void Province::Make(int64_t people, bool ingest) {
  MakeEmpty();
  const Ended demo = RunTacit(dir_, {"demo", "--people", std::to_string(people), "--seed", "11", "--dir", "data",
                                     "--generate-only", "--canonical"},
                              dir_ / "demo.txt");
  ASSERT_EQ(demo.status, 0) << ReadFile(dir_ / "demo.txt");
  for (const auto& e : fs::directory_iterator(dir_ / "data/feeds")) {
    if (e.path().extension() == ".csv") feeds_.push_back(e.path().lexically_relative(dir_).string());
  }
  std::sort(feeds_.begin(), feeds_.end());
  ASSERT_GT(feeds_.size(), 10u);
  ASSERT_EQ(Tacit({"init"}), 0);
  ASSERT_EQ(Tacit({"registry", "import", "data/registry.csv"}), 0);
  // The persons the registry import accepted (the generator puts bad rows in
  // it too), and a sample to compare person by person.
  {
    auto store = OpenStore(base_);
    ASSERT_TRUE(store) << store.error().message;
    int64_t n = 0;
    ASSERT_TRUE((*store)->ForEachPerson("", [&](const PersonBundle& b) -> Status {
      persons_[static_cast<int64_t>(b.person.key)] = true;
      for (const EntitlementRecord& e : b.entitlements) entitlements_started_ += e.terms.start <= Month::Of(2026, 11);
      if (n++ % std::max<int64_t>(1, people / 6) == 0) sample_ids_.push_back(b.person.id_number);
      return {};
    }));
  }
  if (ingest) {
    std::vector<std::string> args = IngestArgs();
    ASSERT_EQ(Tacit(args), 0);
  }
}

std::vector<std::string> Province::IngestArgs() const {
  std::vector<std::string> a = {"ingest", "--received-on", "2026-11-20"};
  for (const std::string& f : feeds_) a.push_back((dir_ / f).string());
  return a;
}

Copy Province::Fresh(const std::string& name) {
  Copy run;
  run.dir = dir_ / fmt::format("{}-{}", name, ++fresh_);
  fs::remove_all(run.dir);
  fs::create_directories(run.dir);
  if (TestStoreIsPostgres()) {
    run.db = CopyTestStore(base_, run.dir);
  } else {
    run.db = (run.dir / "t.db").string();
    fs::copy_file(base_, run.db);
    for (const char* suffix : {"-wal", "-journal"}) {
      if (fs::exists(base_ + suffix)) fs::copy_file(base_ + suffix, run.db + suffix);
    }
  }
  return run;
}

void Province::Drop(Copy& run) {
  DropTestStore(run.db);
  if (!::testing::Test::HasFailure()) fs::remove_all(run.dir);
}

Snapshot Province::Snap(const std::string& location) {
  Snapshot s;
  auto opened = OpenStore(location);
  EXPECT_TRUE(opened) << opened.error().message;
  if (!opened) return s;
  Store& store = **opened;
  auto batches = store.ListBatches();
  EXPECT_TRUE(batches);
  if (batches) {
    for (const BatchRecord& b : *batches) {
      ++s.batches;
      s.batch_rows += b.rows;
    }
  }
  std::vector<std::string> records;
  std::set<std::pair<std::string, std::string>> refs, linked;
  EXPECT_TRUE(store.ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    ++s.evidence;
    refs.emplace(e.source, e.ref);
    if (e.person != 0) linked.emplace(e.source, e.ref);
    records.push_back(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", e.source, e.ref, e.kind, e.person, e.occurred_on.days(),
                                  e.received_on.days(), e.link_method, e.detail));
    return {};
  }));
  s.distinct_refs = static_cast<int64_t>(refs.size());
  s.linked_refs = static_cast<int64_t>(linked.size());
  std::sort(records.begin(), records.end());
  std::string all;
  for (const std::string& r : records) all += r + "\n";
  s.evidence_digest = Sha256Hex(all);
  EXPECT_TRUE(store.ForEachAudit(0, INT64_MAX, [&](const AuditEntry& a) -> Status {
    const bool no_change = a.target == "no new batch" || a.detail.find("\"already_run\":true") != std::string::npos;
    s.audit_changes += !no_change;
    return {};
  }));
  auto runs = store.ListCycleRuns();
  EXPECT_TRUE(runs);
  if (runs) s.runs = static_cast<int64_t>(runs->size());
  std::vector<std::string> run_lines;
  const Month m = Month::Of(2026, 11);
  if (auto d = store.DecisionsOf(m); d) {
    for (const DecisionRecord& r : *d) {
      ++s.decisions;
      run_lines.push_back(fmt::format("d|{}|{}|{}|{}|{}", r.entitlement_id, static_cast<int>(r.status), r.due, r.rule,
                                      r.evidence_id));
    }
  }
  if (auto p = store.PaymentsOfRun(m); p) {
    for (const PaymentRecord& r : *p) {
      ++s.payments;
      if (r.kind == "regular") s.paid_fen += r.amount;
      run_lines.push_back(fmt::format("p|{}|{}|{}|{}", r.entitlement_id, r.month.ToString(), r.amount, r.kind));
    }
  }
  std::sort(run_lines.begin(), run_lines.end());
  std::string run_all;
  for (const std::string& r : run_lines) run_all += r + "\n";
  s.run_digest = Sha256Hex(run_all);
  if (auto counts = store.outreach().CountByStatus(); counts) {
    s.outreach_by_status = *counts;
    for (const auto& [status, n] : *counts) s.outreach_messages += n;
  }
  return s;
}

Expected Province::ExpectedFromFiles() {
  Expected x;
  x.entitlements_started = entitlements_started_;
  auto policy = ParsePolicy(DefaultPolicyText(), "default policy");
  EXPECT_TRUE(policy);
  std::set<std::string> kinds;
  for (const EvidenceKindSpec& k : policy->kinds) kinds.insert(k.kind);
  std::set<std::pair<std::string, std::string>> linked;
  for (const std::string& f : feeds_) {
    const std::vector<std::string> lines = Lines(ReadFile(dir_ / f));
    if (lines.empty()) continue;
    // Columns by the header (the canonical layout).
    std::map<std::string, size_t> col;
    const std::vector<std::string> header = SplitCsv(lines[0]);
    for (size_t i = 0; i < header.size(); ++i) {
      std::string h = header[i];
      if (h.starts_with("\xEF\xBB\xBF")) h = h.substr(3);
      col[h] = i;
    }
    for (size_t l = 1; l < lines.size(); ++l) {
      if (lines[l].empty()) continue;
      ++x.rows;
      const std::vector<std::string> f2 = SplitCsv(lines[l]);
      auto field = [&](const char* name) -> std::string {
        auto it = col.find(name);
        return it != col.end() && it->second < f2.size() ? f2[it->second] : std::string();
      };
      const IdParse id = ParseIdNumber(field("id_number"), kToday);
      if (!id.ok() || !persons_.contains(static_cast<int64_t>(id.id.key()))) continue;
      const std::string occurred = field("occurred_on");
      if (occurred.empty() || !ParseDate(occurred)) continue;
      if (!kinds.contains(field("kind"))) continue;
      linked.emplace(field("source"), field("ref"));
    }
  }
  x.linked_refs = static_cast<int64_t>(linked.size());
  return x;
}

PayrollCheck Province::CheckPayrollAgainstRegistry(const std::string& payroll) {
  // (id_number, scheme) -> monthly and basic amounts, from the registry file.
  std::map<std::pair<std::string, std::string>, std::pair<Fen, Fen>> amounts;
  const std::vector<std::string> reg = Lines(ReadFile(dir_ / "data/registry.csv"));
  std::map<std::string, size_t> col;
  const std::vector<std::string> header = SplitCsv(reg.at(0));
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (size_t l = 1; l < reg.size(); ++l) {
    const std::vector<std::string> f = SplitCsv(reg[l]);
    if (f.size() < header.size()) continue;
    const IdParse id = ParseIdNumber(f[col["id_number"]], kToday);
    if (!id.ok()) continue;
    auto monthly = ParseYuan(f[col["monthly_amount"]]);
    auto basic = col.contains("basic_amount") ? ParseYuan(f[col["basic_amount"]]) : Result<Fen>(Fen{0});
    if (!monthly) continue;
    // A second row for the same entitlement is refused by the import (the
    // generator writes some): the first one counts.
    amounts.emplace(std::make_pair(id.id.text(), f[col["scheme"]]), std::make_pair(*monthly, basic ? *basic : 0));
  }
  PayrollCheck pc;
  std::set<std::pair<std::string, std::string>> seen;
  const std::vector<std::string> lines = Lines(payroll);
  for (size_t l = 1; l < lines.size(); ++l) {
    // id_number,name,scheme,paying_region,month,amount,decision,reason
    const std::vector<std::string> f = SplitCsv(lines[l]);
    if (f.size() < 8 || f[4] != "2026-11") continue;
    const std::string& decision = f[6];
    if (decision != "pay" && decision != "hold" && decision != "stop") continue;
    ++pc.regular_lines;
    if (!seen.emplace(f[0], f[2]).second) ++pc.duplicate_lines;
    if (decision != "pay") continue;
    auto amount = ParseYuan(f[5]);
    if (!amount) {
      ++pc.amount_mismatches;
      continue;
    }
    pc.paid_total_fen += *amount;
    auto it = amounts.find({f[0], f[2]});
    if (it == amounts.end()) {
      ++pc.amount_mismatches;
      continue;
    }
    // Two basic pensions (重复领取): the resident scheme's basic part is not paid.
    const Fen expected = f[7] == "recover.duplicate_basic" ? it->second.first - it->second.second : it->second.first;
    pc.amount_mismatches += *amount != expected;
  }
  return pc;
}

void Province::ExpectAuditChainIntact(Copy& run, const std::string& what) {
  const Ended v = RunTacit(run.dir, WithDb(run.db, {"audit", "verify"}), run.dir / "verify.txt");
  EXPECT_EQ(v.status, 0) << what << ": " << ReadFile(run.dir / "verify.txt");
}

void Province::ExpectSameDump(Copy& a, Copy& b, const std::vector<std::string>& months) {
  auto dump = [&](Copy& r, const std::vector<std::string>& args, const std::string& name) {
    const Ended e = RunTacit(r.dir, WithDb(r.db, args), r.dir / name);
    EXPECT_EQ(e.status, 0) << ReadFile(r.dir / name);
    return ReadFile(r.dir / name);
  };
  auto same = [&](const std::vector<std::string>& args, const std::string& name) {
    const std::string x = dump(a, args, name), y = dump(b, args, name);
    EXPECT_FALSE(x.empty()) << name;
    // Counts only in the message: the dumps hold identity numbers.
    EXPECT_TRUE(x == y) << name << " differs: " << x.size() << " vs " << y.size() << " bytes";
  };
  same({"evidence", "export"}, "evidence.csv");
  same({"stats", "--json"}, "stats.json");
  for (size_t i = 0; i < sample_ids_.size(); ++i) {
    same({"person", "show", sample_ids_[i], "--json"}, fmt::format("person-{}.json", i));
  }
  for (const std::string& m : months) {
    const std::string name = "payroll-" + m + ".csv";
    EXPECT_TRUE(ReadFile(a.dir / name) == ReadFile(b.dir / name)) << name;
  }
}

}  // namespace tacit::crash
