#include "tacit/ingest.h"
#include "store/test_store_location.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

std::string Id(const std::string& first17) { return first17 + IdCheckCharacter(first17); }

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ingest_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenTestStore(dir_, &location_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    RegistryRow row;
    IdParse p = ParseIdNumber(Id("14010519500101123"), kToday);
    row.person.key = p.id.key();
    row.person.id_number = p.id.text();
    row.person.name = "张三";
    row.person.sex = p.id.sex();
    row.person.birth_date = p.id.birth_date();
    row.person.region_code = "140105001001";
    row.paying_region = "140105";
    row.start = Month::Of(2010, 1);
    row.monthly = 300000;
    ASSERT_TRUE(store_->ImportRegistry({row}, Month::Of(2026, 11)));
    person_ = p.id.key();
  }
  void TearDown() override {
    store_.reset();
    DropTestStore(location_);
    std::filesystem::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  Result<std::vector<IngestFileReport>> Ingest(const std::vector<std::string>& files) {
    std::vector<IngestInput> in;
    for (const auto& f : files) in.push_back({f, "", "", Date::FromCivil(2026, 6, 3)});
    return IngestFiles(*store_, policy_, in, IngestOptions{.today = kToday});
  }

  std::string location_;  // TestStoreLocation
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Policy policy_;
  PersonKey person_ = 0;
};

constexpr const char* kHeader = "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";

TEST_F(IngestTest, LinksKeepsUnlinkedDropsStrangersAndQuarantinesBadRows) {
  std::ostringstream csv;
  csv << kHeader;
  csv << "railway,travel," << Id("14010519500101123") << ",张三,M,1950-01-01,,2026-05-03,T1,\n";     // linked
  csv << "railway,travel,140105500101123,张三,M,,,2026-05-04,T2,\n";                                   // legacy 15 -> linked
  csv << "railway,travel," << Id("11010519900101123") << ",赵六,M,,,2026-05-04,T3,\n";                // stranger: dropped
  csv << "railway,travel,140105195001011230,张三,M,1950-01-01,,2026-05-05,T4,\n";                       // bad check: unlinked
  csv << "railway,travel,,张三,M,1950-01-01,,2026-05-06,T5,\n";                                        // missing: unlinked
  csv << "railway,travel," << Id("14010519500101123") << ",张三,M,,,2026-13-01,T6,\n";                // bad date: rejected
  csv << "railway,teleport," << Id("14010519500101123") << ",张三,M,,,2026-05-01,T7,\n";              // unknown kind
  const std::string path = Write("rail.csv", csv.str());
  auto r = Ingest({path});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  const IngestFileReport& rep = (*r)[0];
  EXPECT_FALSE(rep.already_ingested);
  EXPECT_EQ(rep.batch.rows, 7);
  EXPECT_EQ(rep.batch.linked, 2);
  EXPECT_EQ(rep.batch.unlinked, 2);
  EXPECT_EQ(rep.batch.dropped, 1);
  EXPECT_EQ(rep.batch.rejected, 2);
  EXPECT_EQ(rep.persons_alive, 1);
  EXPECT_EQ(rep.unlinked_reasons.at("bad_checksum"), 1);
  EXPECT_EQ(rep.unlinked_reasons.at("missing"), 1);
  ASSERT_TRUE(std::filesystem::exists(QuarantinePathFor(path)));
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), 2u);
  int stored = 0;
  ASSERT_TRUE(store_->ForEachEvidence([&](const EvidenceRecord& e) -> Status {
    ++stored;
    EXPECT_NE(e.ref, "T3") << "a stranger's record must not be kept";
    return {};
  }));
  EXPECT_EQ(stored, 4);
}

TEST_F(IngestTest, TheSameFileTwiceChangesNothing) {
  std::ostringstream csv;
  csv << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,B1,\n";
  const std::string path = Write("bank.csv", csv.str());
  ASSERT_TRUE(Ingest({path}));
  auto again = Ingest({path, path});
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].already_ingested);
  EXPECT_TRUE((*again)[1].already_ingested);
  EXPECT_EQ(store_->ListBatches()->size(), 1u);
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), 1u);

  // Another file repeating a (source, ref) already stored: the row is a duplicate.
  std::ostringstream more;
  more << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,B1,\n"
       << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-09,B2,\n";
  auto third = Ingest({Write("bank2.csv", more.str())});
  ASSERT_TRUE(third);
  EXPECT_EQ((*third)[0].batch.duplicates, 1);
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), 2u);
}

TEST_F(IngestTest, AFailingFileLeavesNothingOfTheCallApplied) {
  std::ostringstream csv;
  csv << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,B1,\n";
  const std::string good = Write("good.csv", csv.str());
  const std::string bad = Write("bad.csv", "no,header,here\n1,2,3\n");
  auto r = Ingest({good, bad});
  ASSERT_FALSE(r);
  EXPECT_TRUE(store_->ListBatches()->empty());
  EXPECT_TRUE(store_->EvidenceOf(person_)->empty());
}

TEST_F(IngestTest, AKeyCacheIsReloadedWhenTheRegistryGainsAPerson) {
  RegistryKeyCache cache;
  IngestOptions options{.today = kToday, .key_cache = &cache};
  // A row about someone not (yet) in the registry is dropped...
  const std::string later = Id("14010519600101123");
  std::vector<IngestInput> first = {{Write("a.csv", std::string(kHeader) + "bank,bank_counter," + later +
                                                        ",李四,M,,,2026-05-03,A1,\n"),
                                     "", "", kToday}};
  auto r1 = IngestFiles(*store_, policy_, first, options);
  ASSERT_TRUE(r1) << r1.error().ToString();
  EXPECT_EQ(r1->front().batch.dropped, 1);
  // ... and once the registry has them, the cached keys are reloaded: kept.
  RegistryRow row;
  IdParse p = ParseIdNumber(later, kToday);
  row.person.key = p.id.key();
  row.person.id_number = p.id.text();
  row.person.name = "李四";
  row.person.sex = p.id.sex();
  row.person.birth_date = p.id.birth_date();
  row.person.region_code = "140105001001";
  row.paying_region = "140105";
  row.start = Month::Of(2020, 1);
  row.monthly = 200000;
  ASSERT_TRUE(store_->ImportRegistry({row}, Month::Of(2026, 11)));
  std::vector<IngestInput> second = {{Write("b.csv", std::string(kHeader) + "bank,bank_counter," + later +
                                                         ",李四,M,,,2026-05-04,A2,\n"),
                                      "", "", kToday}};
  auto r2 = IngestFiles(*store_, policy_, second, options);
  ASSERT_TRUE(r2) << r2.error().ToString();
  EXPECT_EQ(r2->front().batch.linked, 1);
  EXPECT_EQ(store_->EvidenceOf(p.id.key())->size(), 1u);
}

TEST_F(IngestTest, RefusesToDropEverythingWhenTheRegistryIsEmpty) {
  std::filesystem::create_directories(dir_ / "empty");
  auto empty = std::move(*OpenTestStore(dir_ / "empty"));
  ASSERT_TRUE(empty->Migrate());
  std::vector<IngestInput> in = {{Write("x.csv", kHeader), "", "", kToday}};
  auto r = IngestFiles(*empty, policy_, in, IngestOptions{.today = kToday});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(IngestTest, ARejectedRowAboutSomeoneOutsideTheRegistryIsNotKeptInQuarantine) {
  std::ostringstream csv;
  csv << kHeader;
  csv << "railway,travel," << Id("11010519900101123") << ",赵六,M,,,2026-13-01,T1,\n";  // stranger, bad date
  csv << "railway,travel," << Id("14010519500101123") << ",张三,M,,,2026-13-01,T2,\n";  // recipient, bad date
  const std::string path = Write("rail.csv", csv.str());
  auto r = Ingest({path});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].batch.rejected, 2);
  std::ifstream q(QuarantinePathFor(path));
  std::stringstream text;
  text << q.rdbuf();
  EXPECT_EQ(text.str().find("赵六"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find(Id("11010519900101123")), std::string::npos);
  EXPECT_NE(text.str().find("张三"), std::string::npos) << "a recipient's row is kept for correction";
  EXPECT_NE(text.str().find("非领取人员"), std::string::npos);
}

TEST_F(IngestTest, RowsFromASourceThePolicyDoesNotDeclareAreRefused) {
  std::ostringstream csv;
  csv << kHeader;
  csv << "my_friends_spreadsheet,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,X1,\n";
  csv << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-04,X2,\n";
  auto r = Ingest({Write("mixed.csv", csv.str())});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].batch.rejected, 1);
  EXPECT_EQ((*r)[0].batch.linked, 1);
  ASSERT_EQ((*r)[0].reject_sample.size(), 1u);
  EXPECT_EQ((*r)[0].reject_sample[0].field, "source");
}

TEST_F(IngestTest, NoFileMaySpeakForTheAgencysOwnDecisions) {
  // The policy declares `agency` for staff decisions on cases; a feed claiming
  // it (a forged fraud finding, say) is refused like an undeclared source.
  ASSERT_NE(policy_.FindSource("agency"), nullptr);
  std::ostringstream csv;
  csv << kHeader;
  csv << "agency,evidence_voided," << Id("14010519500101123") << ",张三,M,,,2026-05-03,case-1,\n";
  auto r = Ingest({Write("forged.csv", csv.str())});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].batch.rejected, 1);
  EXPECT_EQ((*r)[0].batch.linked, 0);
  EXPECT_TRUE(store_->EvidenceOf(person_)->empty());
}

TEST_F(IngestTest, EmptyReportsOfDifferentMonthsAreDifferentBatches) {
  const std::string may = Write("household-2026-05.csv", kHeader);
  const std::string june = Write("household-2026-06.csv", kHeader);
  auto r = Ingest({may, june});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE((*r)[0].already_ingested);
  EXPECT_FALSE((*r)[1].already_ingested);
  EXPECT_EQ(store_->ListBatches()->size(), 2u);
  auto again = Ingest({june});
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].already_ingested);
}

TEST_F(IngestTest, APartnersRowsOutsideItsRegistrationGoToTheQuarantine) {
  std::ostringstream csv;
  csv << kHeader;
  csv << "railway,travel," << Id("14010519500101123") << ",张三,M,,,2026-05-03,T1,\n";
  csv << "railway,cremation," << Id("14010519500101123") << ",张三,M,,,2026-05-04,T2,\n";
  csv << "health,travel," << Id("14010519500101123") << ",张三,M,,,2026-05-05,T3,\n";
  IngestInput in{Write("rail.csv", csv.str()), "", "railway", Date::FromCivil(2026, 6, 3)};
  in.registration = FeedRegistration{"railway", {"travel"}};
  auto r = IngestFiles(*store_, policy_, {in}, IngestOptions{.today = kToday});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].batch.rows, 3);
  EXPECT_EQ((*r)[0].batch.linked, 1);
  EXPECT_EQ((*r)[0].batch.rejected, 2);
  ASSERT_EQ((*r)[0].reject_sample.size(), 2u);
  EXPECT_EQ((*r)[0].reject_sample[0].field, "kind");
  EXPECT_EQ((*r)[0].reject_sample[1].field, "source");
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), 1u);
}

TEST_F(IngestTest, TheCallersRecordJoinsTheUnitOfWork) {
  std::ostringstream csv;
  csv << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,B1,\n";
  const std::string path = Write("bank.csv", csv.str());
  std::vector<IngestInput> in = {{path, "", "", Date::FromCivil(2026, 6, 3)}};
  IngestOptions options{.today = kToday};
  int calls = 0;
  // A failing hook rolls the whole call back.
  options.before_commit = [&](const std::vector<IngestFileReport>& reports) -> Status {
    ++calls;
    EXPECT_EQ(reports.size(), 1u);
    EXPECT_GT(reports[0].batch.id, 0);
    return Internal("the audit trail is unavailable");
  };
  auto failed = IngestFiles(*store_, policy_, in, options);
  ASSERT_FALSE(failed);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(store_->ListBatches()->empty());
  EXPECT_TRUE(store_->EvidenceOf(person_)->empty());
  options.before_commit = [&](const std::vector<IngestFileReport>&) -> Status {
    ++calls;
    return {};
  };
  ASSERT_TRUE(IngestFiles(*store_, policy_, in, options));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(store_->ListBatches()->size(), 1u);
  // Nothing applied (the file is known): no unit, no call.
  auto again = IngestFiles(*store_, policy_, in, options);
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].already_ingested);
  EXPECT_EQ(calls, 2);
}

TEST_F(IngestTest, FilesHandedInAtOnceAreGroupedAndEachGetsItsOwnReport) {
  IngestGroups groups(policy_);
  constexpr int kThreads = 6;
  std::vector<std::string> files;
  for (int t = 0; t < kThreads; ++t) {
    std::ostringstream csv;
    csv << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-0" << t + 1
        << ",G" << t << ",\n"
        << "bank,bank_counter,,张三,M,,,2026-05-0" << t + 1 << ",U" << t << ",\n";
    files.push_back(Write("bank-" + std::to_string(t) + ".csv", csv.str()));
  }
  std::vector<Result<IngestFileReport>> results(kThreads, tl::unexpected(Internal("not run")));
  std::vector<int64_t> recorded(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = OpenStore(location_);
      ASSERT_TRUE(store);
      IngestInput in{files[t], "", "", Date::FromCivil(2026, 6, 3)};
      results[t] = groups.Ingest(**store, in, IngestOptions{.today = kToday},
                                 [&, t](Store&, const IngestFileReport& r) -> Status {
                                   recorded[t] = r.batch.id;
                                   return {};
                                 });
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<int64_t> ids;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(results[t]) << results[t].error().ToString();
    EXPECT_EQ(results[t]->file, files[t]);
    EXPECT_EQ(results[t]->batch.linked, 1);
    EXPECT_EQ(results[t]->batch.unlinked, 1);
    EXPECT_EQ(recorded[t], results[t]->batch.id);
    ids.insert(results[t]->batch.id);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(store_->ListBatches()->size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), static_cast<size_t>(kThreads));
  // Again: nothing new, and no record of a change.
  recorded.assign(kThreads, 0);
  auto again = groups.Ingest(*store_, IngestInput{files[0], "", "", Date::FromCivil(2026, 6, 3)},
                             IngestOptions{.today = kToday},
                             [&](Store&, const IngestFileReport&) -> Status { return Internal("called"); });
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->already_ingested);
}

TEST_F(IngestTest, AFileThatFailsItsGroupFailsOnlyItsCaller) {
  IngestGroups groups(policy_);
  std::ostringstream good;
  good << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-03,B1,\n";
  const std::string first = Write("first.csv", good.str());
  std::ostringstream other;
  other << kHeader << "bank,bank_counter," << Id("14010519500101123") << ",张三,M,,,2026-05-04,B2,\n";
  const std::string good_file = Write("good.csv", other.str());
  const std::string bad_file = Write("bad.csv", "no,header,here\n1,2,3\n");
  const std::string db = location_;
  // The first caller leads and holds its unit open until two more wait
  // behind it; they then run as one group, which the bad file fails.
  std::thread leader([&] {
    auto store = OpenStore(db);
    auto r = groups.Ingest(**store, IngestInput{first, "", "", Date::FromCivil(2026, 6, 3)},
                           IngestOptions{.today = kToday}, [&](Store&, const IngestFileReport&) -> Status {
                             while (groups.QueuedForTest() < 3) std::this_thread::yield();
                             return {};
                           });
    EXPECT_TRUE(r) << r.error().ToString();
  });
  while (groups.QueuedForTest() < 1) std::this_thread::yield();
  Result<IngestFileReport> good_result = tl::unexpected(Internal("not run"));
  Result<IngestFileReport> bad_result = tl::unexpected(Internal("not run"));
  std::thread good_thread([&] {
    auto store = OpenStore(db);
    good_result = groups.Ingest(**store, IngestInput{good_file, "", "", Date::FromCivil(2026, 6, 3)},
                                IngestOptions{.today = kToday});
  });
  while (groups.QueuedForTest() < 2) std::this_thread::yield();
  std::thread bad_thread([&] {
    auto store = OpenStore(db);
    bad_result = groups.Ingest(**store, IngestInput{bad_file, "", "", Date::FromCivil(2026, 6, 3)},
                               IngestOptions{.today = kToday});
  });
  leader.join();
  good_thread.join();
  bad_thread.join();
  ASSERT_TRUE(good_result) << good_result.error().ToString();
  EXPECT_EQ(good_result->batch.linked, 1);
  ASSERT_FALSE(bad_result);
  EXPECT_EQ(bad_result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->ListBatches()->size(), 2u);
  EXPECT_EQ(store_->EvidenceOf(person_)->size(), 2u);
}

}  // namespace
}  // namespace tacit
