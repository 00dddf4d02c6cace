#include "tacit/schedule.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tacit {
namespace {

Policy DefaultPolicy() {
  auto p = ParsePolicy(DefaultPolicyText(), "default");
  EXPECT_TRUE(p);
  return *p;
}

Date D(std::string_view s) { return *ParseDate(s); }
Month M(std::string_view s) { return *ParseMonth(s); }

EntitlementTerms Terms(Fen amount, Month start) {
  EntitlementTerms t;
  t.id = 1;
  t.paying_region = "140105";
  t.start = start;
  t.amounts.push_back({start, amount, 0});
  return t;
}

TEST(Schedule, DeathStopsPaymentFromTheFollowingMonth) {
  const Policy p = DefaultPolicy();
  PersonFacts facts;
  facts.baseline_certified = D("2026-01-05");
  facts.facts.push_back({9, "cremation", "civil_affairs", D("2026-03-31"), D("2026-04-02")});
  auto months = DeriveSchedule(p, Terms(300000, M("2020-01")), facts, M("2026-03"), M("2026-04"), D("2026-05-01"));
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].status, MonthStatus::kPayable);
  EXPECT_EQ(months[0].due, 300000);
  EXPECT_EQ(months[1].status, MonthStatus::kTerminated);
  EXPECT_EQ(months[1].due, 0);
  EXPECT_EQ(months[1].evidence_id, 9);
  EXPECT_NE(months[1].explanation.find("次月起停发"), std::string::npos);
}

TEST(Schedule, CertificationCoversTwelveMonthsAfterItsMonth) {
  const Policy p = DefaultPolicy();
  PersonFacts facts;
  facts.facts.push_back({1, "travel", "railway", D("2025-05-31"), D("2025-06-03")});
  auto months = DeriveSchedule(p, Terms(100, M("2025-05")), facts, M("2026-05"), M("2026-06"), D("2026-07-01"));
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].status, MonthStatus::kPayable);    // 12th month after 2025-05
  EXPECT_EQ(months[1].status, MonthStatus::kSuspended);  // the 13th
}

TEST(Schedule, UntrustedSourceNeverCertifies) {
  std::string text(DefaultPolicyText());
  text += "\n[sources.social_media]\nlabel = \"x\"\ntrusted = false\n";
  Policy p = *ParsePolicy(text, "p");
  PersonFacts facts;
  facts.facts.push_back({1, "travel", "social_media", D("2026-01-10"), D("2026-01-11")});
  facts.facts.push_back({2, "travel", "undeclared_source", D("2026-01-12"), D("2026-01-13")});
  facts.facts.push_back({3, "death", "social_media", D("2026-01-14"), D("2026-01-15")});
  EXPECT_EQ(DeriveCertification(p, facts, D("2026-02-01")).status, CertStatus::kNone);
}

TEST(Schedule, WeakSignalsOfDifferentKindsAddUp) {
  std::string text(DefaultPolicyText());
  text += "\n[kinds.pharmacy]\nlabel = \"药店实名购药\"\nclass = \"alive\"\nweight = 50\nreference = \"test\"\n";
  Policy p = *ParsePolicy(text, "p");
  PersonFacts facts;
  facts.facts.push_back({1, "medical_settlement", "medical_insurance", D("2026-01-10"), D("2026-01-11")});
  EXPECT_EQ(DeriveCertification(p, facts, D("2026-02-01")).status, CertStatus::kNone);
  facts.facts.push_back({2, "pharmacy", "health", D("2026-01-20"), D("2026-01-21")});
  CertificationState c = DeriveCertification(p, facts, D("2026-02-01"));
  EXPECT_EQ(c.status, CertStatus::kCertified);
  EXPECT_EQ(c.last->on, D("2026-01-20"));
}

TEST(Schedule, ANonPositiveWindowIsRefusedByThePolicy) {
  std::string text(DefaultPolicyText());
  const std::string old = "values = [ { since = \"2018-01-01\", value = 31 } ]";
  text.replace(text.find(old), old.size(), "values = [ { since = \"2018-01-01\", value = 0 } ]");
  auto p = ParsePolicy(text, "p");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("alive_window_days"), std::string::npos);
}

// Golden scenarios: tests/golden/schedule/*.scenario, one per file, each saying
// in its header what it checks. Lines:
//   entitlement SCHEME REGION start=YYYY-MM amount=YUAN [basic=YUAN] [step=YYYY-MM:YUAN[:BASIC] ...]
//               [registered=DATE] [contribution_months=N] [account=BALANCE:SUBSIDY]
//   baseline YYYY-MM-DD
//   fact ID KIND SOURCE occurred=DATE received=DATE [detail={...json to the end of the line}]
//   months FROM THROUGH
//   as_of DATE
//   expect [SCHEME] MONTH STATUS DUE RULE     (without SCHEME: the first entitlement)
//   oneoff SCHEME KIND DUE                    (a one-off amount is due; DUE 0.00: none)
//   finding TYPE | no_finding TYPE
//   certification STATUS LAST_DATE METHOD VALID_THROUGH
//   count N   (number of months derived for the first entitlement)
void RunScenario(const std::filesystem::path& path) {
  SCOPED_TRACE(path.filename().string());
  const Policy policy = DefaultPolicy();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::vector<EntitlementTerms> terms;
  PersonFacts facts;
  Month from, through;
  Date as_of;
  PersonSchedule derived;
  auto derive = [&] { derived = DerivePersonSchedule(policy, terms, facts, from, through, as_of); };
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    SCOPED_TRACE("line " + std::to_string(line_no));
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string op;
    words >> op;
    if (op == "entitlement") {
      EntitlementTerms t;
      t.id = static_cast<int64_t>(terms.size()) + 1;
      std::string scheme, kv;
      words >> scheme >> t.paying_region;
      t.scheme = *ParseScheme(scheme);
      while (words >> kv) {
        const auto eq = kv.find('=');
        const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (key == "start") t.start = M(value);
        if (key == "amount") t.amounts.insert(t.amounts.begin(), {t.start, *ParseYuan(value), 0});
        if (key == "basic") t.amounts.front().basic = *ParseYuan(value);
        if (key == "registered") t.registered_on = D(value);
        if (key == "contribution_months") t.contribution_months = std::stoi(value);
        if (key == "account") {
          const auto colon = value.find(':');
          t.account_balance = *ParseYuan(value.substr(0, colon));
          t.account_subsidy = *ParseYuan(value.substr(colon + 1));
        }
        if (key == "step") {
          const auto c1 = value.find(':');
          const auto c2 = value.find(':', c1 + 1);
          const Fen basic = c2 == std::string::npos ? t.amounts.back().basic : *ParseYuan(value.substr(c2 + 1));
          t.amounts.push_back({M(value.substr(0, c1)), *ParseYuan(value.substr(c1 + 1, c2 - c1 - 1)), basic});
        }
      }
      terms.push_back(t);
    } else if (op == "baseline") {
      std::string d;
      words >> d;
      facts.baseline_certified = D(d);
    } else if (op == "fact") {
      Fact f;
      std::string occurred, received;
      words >> f.evidence_id >> f.kind >> f.source >> occurred >> received;
      f.occurred_on = D(occurred.substr(occurred.find('=') + 1));
      f.received_on = D(received.substr(received.find('=') + 1));
      if (const auto at = line.find("detail="); at != std::string::npos) f.detail = line.substr(at + 7);
      ASSERT_NE(policy.FindKind(f.kind), nullptr) << f.kind;
      facts.facts.push_back(f);
      derive();
    } else if (op == "months") {
      std::string a, b;
      words >> a >> b;
      from = M(a);
      through = M(b);
    } else if (op == "as_of") {
      std::string d;
      words >> d;
      as_of = D(d);
      derive();
    } else if (op == "expect") {
      std::string first, month, status, due, rule;
      words >> first;
      size_t index = 0;
      if (ParseScheme(first)) {
        for (size_t i = 0; i < terms.size(); ++i) {
          if (terms[i].scheme == *ParseScheme(first)) index = i;
        }
        words >> month;
      } else {
        month = first;
      }
      words >> status >> due >> rule;
      ASSERT_LT(index, derived.months.size());
      bool found = false;
      for (const MonthDecision& d : derived.months[index]) {
        if (d.month != M(month)) continue;
        found = true;
        EXPECT_EQ(MonthStatusName(d.status), status) << month << ": " << d.explanation;
        EXPECT_EQ(FormatYuan(d.due), due) << month << ": " << d.explanation;
        EXPECT_EQ(d.rule, rule) << month << ": " << d.explanation;
        EXPECT_FALSE(d.explanation.empty());
        EXPECT_NE(policy.FindRule(d.rule), nullptr) << d.rule;
      }
      EXPECT_TRUE(found) << "month " << month << " not derived";
    } else if (op == "oneoff") {
      std::string scheme, kind, due;
      words >> scheme >> kind >> due;
      Fen total = 0;
      for (const OneOffDue& o : derived.oneoffs) {
        for (const EntitlementTerms& t : terms) {
          if (t.id == o.entitlement_id && SchemeName(t.scheme) == scheme && o.kind == kind) total += o.due;
        }
      }
      EXPECT_EQ(FormatYuan(total), due) << kind;
    } else if (op == "finding" || op == "no_finding") {
      std::string type;
      words >> type;
      bool found = false;
      for (const Finding& f : FindContradictions(policy, terms, facts, as_of)) found = found || f.type == type;
      EXPECT_EQ(found, op == "finding") << type;
    } else if (op == "certification") {
      std::string status, last, method, valid;
      words >> status >> last >> method >> valid;
      CertificationState c = DeriveCertification(policy, facts, as_of);
      EXPECT_EQ(CertStatusName(c.status), status);
      ASSERT_TRUE(c.last);
      EXPECT_EQ(c.last->on.ToString(), last);
      EXPECT_EQ(c.last->method, method);
      EXPECT_EQ(c.valid_through->ToString(), valid);
    } else if (op == "count") {
      size_t n = 0;
      words >> n;
      ASSERT_FALSE(derived.months.empty());
      EXPECT_EQ(derived.months.front().size(), n);
    } else {
      ADD_FAILURE() << "unknown scenario line: " << op;
    }
  }
}

TEST(Schedule, GoldenScenarios) {
  const std::filesystem::path dir = std::filesystem::path(TACIT_SOURCE_DIR) / "tests/golden/schedule";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".scenario") continue;
    RunScenario(entry.path());
    ++count;
  }
  EXPECT_GE(count, 5);
}

}  // namespace
}  // namespace tacit
