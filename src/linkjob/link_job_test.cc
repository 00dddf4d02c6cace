// The linkage job over a real SQLite store: records without a usable number
// are linked, proposed for review or left alone by the policy's thresholds and
// classes, the models are kept, nothing is tried twice, and reviewers' decisions
// link the record (and mark the person for the next monthly run).
#include "tacit/link_job.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "tacit/id_number.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高"};
constexpr const char* kGiven[] = {"秀英", "桂英", "建国", "志强", "玉兰", "淑珍", "德明", "国华", "春梅", "丽华",
                                  "振国", "文斌", "海燕", "金凤", "长青", "永红", "宝山", "翠花", "明亮", "凤兰"};

class LinkJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("linkjob_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenTestStore(dir_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
  }

  // A registry of `n` persons with common names in three counties.
  void AddRegistry(int n) {
    std::mt19937 rng(7);
    std::vector<RegistryRow> rows;
    for (int i = 0; i < n; ++i) {
      const Date birth = Date::FromCivil(1940 + static_cast<int>(rng() % 25), 1 + static_cast<int>(rng() % 12),
                                         1 + static_cast<int>(rng() % 28));
      const std::string county = i % 3 == 0 ? "140105" : i % 3 == 1 ? "140106" : "140202";
      const std::string id17 = fmt::format("{}{:04d}{:02d}{:02d}{:03d}", county, birth.year(), birth.month(),
                                           birth.day(), 100 + i % 800);
      IdParse p = ParseIdNumber(id17 + IdCheckCharacter(id17), kToday);
      if (!p.ok() || seen_.contains(p.id.key())) continue;
      seen_.insert(p.id.key());
      RegistryRow r;
      r.person.key = p.id.key();
      r.person.id_number = p.id.text();
      r.person.name = std::string(kSurnames[rng() % std::size(kSurnames)]) + kGiven[rng() % std::size(kGiven)];
      r.person.sex = p.id.sex();
      r.person.birth_date = birth;
      r.person.region_code = county + "001001";
      r.scheme = Scheme::kEnterprise;
      r.paying_region = county;
      r.start = Month::Of(2015, 1);
      r.monthly = 300000;
      r.default_baseline = kToday;
      rows.push_back(r);
    }
    ASSERT_TRUE(store_->ImportRegistry(rows, Month::Of(2026, 1)));
    registry_ = rows;
  }

  // A partner record about `p` as the partner wrote it: the number mistyped
  // in one digit of the sequence (the check then fails).
  EvidenceRecord Record(const RegistryRow& p, std::string ref, std::string kind, std::string source) {
    EvidenceRecord e;
    e.source = std::move(source);
    e.ref = std::move(ref);
    e.kind = std::move(kind);
    e.occurred_on = Date::FromCivil(2026, 10, 3);
    e.received_on = Date::FromCivil(2026, 10, 10);
    std::string id = p.person.id_number;
    id[15] = id[15] == '9' ? '0' : static_cast<char>(id[15] + 1);
    e.id_text = id;
    e.id_problem = "bad_checksum";
    e.name = p.person.name;
    e.sex = p.person.sex == Sex::kMale ? "M" : "F";
    e.birth_date = p.person.birth_date;
    e.region_code = p.person.region_code;
    return e;
  }

  void Store(std::vector<EvidenceRecord>& ev, const std::string& source) {
    BatchRecord b;
    b.sha256 = "sha-" + ev.front().ref;
    b.source = source;
    b.received_on = ev.front().received_on;
    ASSERT_TRUE(store_->ApplyBatch(b, ev));
  }

  std::filesystem::path dir_;
  std::unique_ptr<tacit::Store> store_;
  Policy policy_;
  std::vector<RegistryRow> registry_;
  std::set<PersonKey> seen_;
};

TEST_F(LinkJobTest, LinksProofOfLifeProposesAdverseRecordsAndKeepsTheModel) {
  AddRegistry(3000);
  ASSERT_GT(registry_.size(), 2500u);
  std::vector<EvidenceRecord> alive, deaths;
  for (size_t i = 0; i < 300; ++i) alive.push_back(Record(registry_[i * 7], fmt::format("BK{}", i), "bank_counter", "bank"));
  for (size_t i = 0; i < 40; ++i) {
    deaths.push_back(Record(registry_[i * 11 + 3], fmt::format("CR{}", i), "cremation", "civil_affairs"));
  }
  // Half of the bank's records write the surname in traditional characters.
  const std::pair<std::string, std::string> kTraditional[] = {{"陈", "陳"}, {"刘", "劉"}, {"张", "張"}, {"赵", "趙"}, {"黄", "黃"}};
  int traditional = 0;
  for (size_t i = 0; i < alive.size(); i += 2) {
    for (const auto& [simplified, trad] : kTraditional) {
      if (alive[i].name.rfind(simplified, 0) == 0) {
        alive[i].name = trad + alive[i].name.substr(simplified.size());
        ++traditional;
      }
    }
  }
  ASSERT_GT(traditional, 20);
  Store(alive, "bank");
  Store(deaths, "civil_affairs");

  auto r = RunLinkJob(*store_, policy_, {.today = kToday});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->records, 340);
  EXPECT_EQ(r->registry_persons, static_cast<int64_t>(registry_.size()));
  EXPECT_GE(r->linked, 290) << "proof of life one keystroke off, all else agreeing";
  EXPECT_EQ(r->sources.size(), 2u);
  for (const LinkSourceReport& s : r->sources) {
    if (s.source == "civil_affairs") {
      EXPECT_EQ(s.linked, 0) << "cremations are never linked by a machine alone";
      EXPECT_GE(s.review, 38);
    }
    auto model = store_->FindLinkModel(s.model_id);
    ASSERT_TRUE(model && *model);
    EXPECT_NE((*model)->model_json.find("\"lambda\""), std::string::npos) << "the fitted model is kept";
  }
  // Every automatic link is right, and is marked as probabilistic with its score.
  int64_t right = 0;
  for (size_t i = 0; i < alive.size(); ++i) {
    auto e = store_->FindEvidence(alive[i].id);
    ASSERT_TRUE(e && *e);
    if ((*e)->person == 0) continue;
    EXPECT_EQ((*e)->person, registry_[i * 7].person.key);
    EXPECT_EQ((*e)->link_method, kLinkProbabilistic);
    EXPECT_GE((*e)->link_score, policy_.link_upper_probability.At(kToday));
    ++right;
  }
  EXPECT_EQ(right, r->linked);

  // Nothing is tried twice.
  auto again = RunLinkJob(*store_, policy_, {.today = kToday});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->records, 0);

  // A reviewer accepts one cremation and rejects another.
  auto open = ListReview(*store_, "open", "");
  ASSERT_TRUE(open);
  ASSERT_GE(open->size(), 38u);
  const ReviewItem& first = open->front();
  EXPECT_FALSE(first.lines.empty());
  EXPECT_EQ(first.lines.front().comparison, "name");
  const ChangeMarks marks = *store_->CurrentChangeMarks();
  ASSERT_TRUE(DecideReview(*store_, policy_, first.attempt.evidence_id, true, "reviewer1", "殡葬记录与本人一致"));
  auto linked = store_->FindEvidence(first.attempt.evidence_id);
  EXPECT_EQ((*linked)->person, first.attempt.candidate);
  EXPECT_EQ((*linked)->link_method, kLinkReviewed);
  const std::vector<PersonKey> changed = *store_->PersonsChangedSince(marks.evidence);
  EXPECT_NE(std::find(changed.begin(), changed.end(), first.attempt.candidate), changed.end())
      << "the next monthly run derives the person again";
  auto summary = store_->PersonSummary(first.attempt.candidate);
  ASSERT_TRUE(summary && *summary);
  EXPECT_TRUE((*summary)->death.has_value());

  const int64_t second_id = (*open)[1].attempt.evidence_id;
  ASSERT_TRUE(DecideReview(*store_, policy_, second_id, false, "reviewer1", "出生日期不符"));
  EXPECT_EQ((*store_->FindEvidence(second_id))->person, 0u);
  auto decided = DecideReview(*store_, policy_, second_id, true, "reviewer2", "再次处理");
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code, ErrorCode::kFailedPrecondition) << "a decision is final";
  auto no_note = DecideReview(*store_, policy_, (*open)[2].attempt.evidence_id, true, "reviewer1", "");
  ASSERT_FALSE(no_note);
  EXPECT_EQ(no_note.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LinkJobTest, PersonsTheFieldsCannotTellApartAreNeverLinkedAutomatically) {
  AddRegistry(1500);
  // A second registry person with the same name, sex, birth date and county as
  // the first: a record without a number cannot tell them apart.
  RegistryRow twin = registry_[0];
  std::string id17 = twin.person.id_number.substr(0, 14) + "9";
  id17 += twin.person.id_number.substr(15, 2);
  IdParse p = ParseIdNumber(id17 + IdCheckCharacter(id17), kToday);
  ASSERT_TRUE(p.ok());
  twin.person.key = p.id.key();
  twin.person.id_number = p.id.text();
  ASSERT_TRUE(store_->ImportRegistry({twin}, Month::Of(2026, 1)));
  std::vector<EvidenceRecord> ev;
  for (size_t i = 1; i < 200; ++i) ev.push_back(Record(registry_[i * 5], fmt::format("BK{}", i), "bank_counter", "bank"));
  EvidenceRecord no_number = Record(registry_[0], "BK-twin", "bank_counter", "bank");
  no_number.id_text.clear();
  no_number.id_problem = "empty";
  ev.push_back(no_number);
  Store(ev, "bank");
  auto r = RunLinkJob(*store_, policy_, {.today = kToday});
  ASSERT_TRUE(r) << r.error().ToString();
  auto attempt = store_->FindLinkAttempt(ev.back().id);
  ASSERT_TRUE(attempt && *attempt);
  EXPECT_NE((*attempt)->status, "linked");
  EXPECT_EQ((*store_->FindEvidence(ev.back().id))->person, 0u);
}

TEST_F(LinkJobTest, ARecordWithNoCandidateIsTriedAgainOnlyWhenAsked) {
  AddRegistry(1500);
  std::vector<EvidenceRecord> ev;
  for (size_t i = 0; i < 120; ++i) ev.push_back(Record(registry_[i * 5 + 1], fmt::format("BK{}", i), "bank_counter", "bank"));
  // A pensioner registered later: the bank's record about them finds nobody yet.
  RegistryRow later = registry_.back();
  later.person.name = "欧阳振华";
  std::string id17 = "14010519380716" + std::string("777");
  IdParse p = ParseIdNumber(id17 + IdCheckCharacter(id17), kToday);
  ASSERT_TRUE(p.ok());
  later.person.key = p.id.key();
  later.person.id_number = p.id.text();
  later.person.birth_date = Date::FromCivil(1938, 7, 16);
  later.person.sex = p.id.sex();
  ev.push_back(Record(later, "BK-later", "bank_counter", "bank"));
  Store(ev, "bank");
  ASSERT_TRUE(RunLinkJob(*store_, policy_, {.today = kToday}));
  EXPECT_EQ((*store_->FindLinkAttempt(ev.back().id))->status, "none");
  ASSERT_TRUE(store_->ImportRegistry({later}, Month::Of(2026, 1)));
  auto plain = RunLinkJob(*store_, policy_, {.today = kToday});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->records, 0) << "nothing is tried twice unless asked";
  auto retry = RunLinkJob(*store_, policy_, {.today = kToday, .retry = true});
  ASSERT_TRUE(retry) << retry.error().ToString();
  EXPECT_GE(retry->records, 1);
  EXPECT_EQ((*store_->FindEvidence(ev.back().id))->person, later.person.key);
  EXPECT_EQ((*store_->FindLinkAttempt(ev.back().id))->status, "linked");
}

}  // namespace
}  // namespace tacit
