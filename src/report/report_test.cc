#include "tacit/report.h"
#include "store/test_store_location.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace tacit {
namespace {

Date D(std::string_view s) { return *ParseDate(s); }

TEST(PersonView, JsonHasTheDocumentedShapeWithAmountsAsStrings) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "report_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(*OpenTestStore(dir));
  ASSERT_TRUE(store->Migrate());
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  std::string id = "14010519500101123";
  id += IdCheckCharacter(id);
  IdParse p = ParseIdNumber(id, D("2026-11-27"));
  RegistryRow row;
  row.person.key = p.id.key();
  row.person.id_number = p.id.text();
  row.person.name = "张三丰";
  row.person.sex = p.id.sex();
  row.person.birth_date = p.id.birth_date();
  row.person.phone = "13812345678";
  row.person.region_code = "140105001001";
  row.person.baseline_certified = D("2026-02-01");
  row.paying_region = "140105";
  row.start = Month::Of(2010, 1);
  row.monthly = 312050;
  ASSERT_TRUE(store->ImportRegistry({row}, Month::Of(2026, 11)));
  auto view = BuildPersonView(*store, policy, p.id.key(), D("2026-11-27"), 3);
  ASSERT_TRUE(view) << view.error().ToString();
  const auto j = nlohmann::json::parse(PersonViewJson(*view, policy));
  EXPECT_EQ(j["id_number"], id);
  EXPECT_EQ(j["name"], "张**");
  EXPECT_EQ(j["certification"]["status"], "certified");
  EXPECT_EQ(j["certification"]["last_certified_on"], "2026-02-01");
  EXPECT_EQ(j["certification"]["method"], "legacy");
  EXPECT_EQ(j["certification"]["valid_through"], "2027-02");
  ASSERT_EQ(j["entitlements"].size(), 1u);
  const auto& e = j["entitlements"][0];
  EXPECT_EQ(e["scheme"], "enterprise");
  EXPECT_EQ(e["paying_region"], "140105");
  EXPECT_EQ(e["status"], "payable");
  ASSERT_EQ(e["months"].size(), 3u);
  EXPECT_EQ(e["months"][2]["month"], "2026-11");
  EXPECT_EQ(e["months"][2]["due"], "3120.50");
  EXPECT_EQ(e["months"][2]["paid"], "0.00");
  EXPECT_EQ(e["months"][2]["rule"], "pay.certified");
  EXPECT_EQ(e["overpaid"], "0.00");
  EXPECT_EQ(e["arrears"], "0.00");
  const std::string text = PersonViewText(*view, policy);
  EXPECT_NE(text.find("138****5678"), std::string::npos);
  EXPECT_EQ(text.find("13812345678"), std::string::npos);
  EXPECT_EQ(text.find("张三丰"), std::string::npos);

  std::string other = "14010519600101123";
  other += IdCheckCharacter(other);
  auto missing = BuildPersonView(*store, policy, ParseIdNumber(other, D("2026-11-27")).id.key(), D("2026-11-27"), 3);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message.find(other), std::string::npos);
}

TEST(PersonView, ShowsCasesRecoveriesAndWhatIsStillOutstanding) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "report_cases_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(*OpenTestStore(dir));
  ASSERT_TRUE(store->Migrate());
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  std::string id = "14010519500101123";
  id += IdCheckCharacter(id);
  IdParse p = ParseIdNumber(id, D("2026-11-27"));
  RegistryRow row;
  row.person.key = p.id.key();
  row.person.id_number = p.id.text();
  row.person.name = "张三丰";
  row.person.sex = p.id.sex();
  row.person.birth_date = p.id.birth_date();
  row.person.region_code = "140105001001";
  row.person.baseline_certified = D("2026-02-01");
  row.paying_region = "140105";
  row.start = Month::Of(2010, 1);
  row.monthly = 312050;
  ASSERT_TRUE(store->ImportRegistry({row}, Month::Of(2026, 11)));
  const int64_t ent = (*store->EntitlementsOf(p.id.key()))[0].terms.id;
  BatchRecord batch;
  batch.sha256 = "x";
  batch.source = "civil_affairs";
  EvidenceRecord death;
  death.source = "civil_affairs";
  death.ref = "HZ-1";
  death.kind = "cremation";
  death.person = p.id.key();
  death.link_method = "exact";
  death.occurred_on = D("2026-09-20");
  death.received_on = D("2026-10-02");
  std::vector<EvidenceRecord> ev = {death};
  ASSERT_TRUE(store->ApplyBatch(batch, ev));
  CycleRunRecord run;
  run.month = Month::Of(2026, 11);
  run.as_of = D("2026-11-05");
  ASSERT_TRUE(store->SaveCycleRun(run, {}, {},
                                  {{0, ent, Month::Of(2026, 10), 312050, run.month, "terminate.death", ev[0].id, 0,
                                    p.id.key()}},
                                  {}));
  ASSERT_TRUE(store->RecordRecovery(p.id.key(), 12050, "lump", D("2026-11-20"), "家属退回"));
  CaseRecord c;
  c.person = p.id.key();
  c.type = "alive_after_death";
  c.key = "alive_after_death:1";
  c.summary = "死亡之后出现生存信息";
  c.suggestion = "void_evidence";
  c.evidence_ids = {ev[0].id};
  c.at_stake = 312050;
  c.opened_in = run.month;
  std::vector<CaseRecord> cases = {c};
  ASSERT_TRUE(store->OpenCases(cases));

  auto view = BuildPersonView(*store, policy, p.id.key(), D("2026-11-27"), 3);
  ASSERT_TRUE(view) << view.error().ToString();
  const auto j = nlohmann::json::parse(PersonViewJson(*view, policy));
  const auto& e = j["entitlements"][0];
  EXPECT_EQ(e["overpaid"], "3120.50");
  EXPECT_EQ(e["recovered"], "120.50");
  EXPECT_EQ(e["outstanding"], "3000.00");
  ASSERT_EQ(j["recoveries"].size(), 1u);
  EXPECT_EQ(j["recoveries"][0]["amount"], "120.50");
  EXPECT_EQ(j["recoveries"][0]["method"], "lump");
  EXPECT_EQ(j["recoveries"][0]["month"], "2026-10");
  EXPECT_EQ(j["recoveries"][0]["on"], "2026-11-20");
  ASSERT_EQ(j["cases"].size(), 1u);
  EXPECT_EQ(j["cases"][0]["id"], cases[0].id);
  EXPECT_EQ(j["cases"][0]["status"], "open");
  EXPECT_EQ(j["cases"][0]["at_stake"], "3120.50");
  EXPECT_TRUE(j["cases"][0]["decision"].is_null());
  const std::string text = PersonViewText(*view, policy);
  EXPECT_NE(text.find("待追回 3000.00 元"), std::string::npos) << text;
  EXPECT_NE(text.find("一次性退回"), std::string::npos) << text;
  EXPECT_NE(text.find("死亡之后出现生存信息"), std::string::npos) << text;

  auto cv = BuildCaseView(*store, cases[0].id);
  ASSERT_TRUE(cv) << cv.error().ToString();
  const auto cj = nlohmann::json::parse(CaseViewJson(*cv, policy));
  EXPECT_EQ(cj["person"]["id_number"], id);
  EXPECT_EQ(cj["person"]["name"], "张**");
  ASSERT_EQ(cj["evidence"].size(), 1u);
  EXPECT_EQ(cj["evidence"][0]["ref"], "HZ-1");
  EXPECT_TRUE(cj["decision_fact"].is_null());
  const std::string masked = CaseViewJson(*cv, policy, {.mask_id_number = true, .handle = "pabc"});
  EXPECT_EQ(masked.find(id), std::string::npos) << "the API's view holds no identity number";
  EXPECT_EQ(nlohmann::json::parse(masked)["person"]["id_number"], MaskIdNumber(id));
  EXPECT_EQ(nlohmann::json::parse(masked)["person"]["handle"], "pabc");
  const std::string list = CaseListText(cases);
  EXPECT_EQ(list.find(id), std::string::npos) << "lists mask identity numbers";
  EXPECT_NE(list.find(MaskIdNumber(id)), std::string::npos) << list;
  EXPECT_EQ(BuildCaseView(*store, 999).error().code, ErrorCode::kNotFound);
  const std::string rec = RecoveriesText(p.id.key(), *store->RecoveriesOf(p.id.key()), 300000);
  EXPECT_EQ(rec.find(id), std::string::npos);
  EXPECT_NE(rec.find("待追回余额 (outstanding) 3000.00 元"), std::string::npos) << rec;
}

}  // namespace
}  // namespace tacit
