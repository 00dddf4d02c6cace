#include "tacit/access.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_store_internal.h"
#include "tacit/secrets.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

constexpr char kPassword[] = "correct horse battery";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tacit_access_" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    path_ = TestStoreLocation(dir_);
    auto store = OpenStore(path_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    auto policy = ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(policy);
    policy_ = std::move(*policy);
    ASSERT_TRUE(store_->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                       {"1402", "大同市", "14", RegionLevel::kCity},
                                       {"140202", "新荣区", "1402", RegionLevel::kCounty}}));
  }
  void TearDown() override {
    DropTestStore(path_);
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  Policy policy_;
};

TEST_F(AccessTest, UsersNeedAValidNameRoleRegionAndPassword) {
  EXPECT_TRUE(AddUser(*store_, {"zhang", Role::kOperator, "140202", kPassword}, 100));
  auto dup = AddUser(*store_, {"zhang", Role::kAuditor, "", kPassword}, 100);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(AddUser(*store_, {"Zhang San", Role::kAdmin, "", kPassword}, 100));
  EXPECT_FALSE(AddUser(*store_, {"li", Role::kOperator, "", kPassword}, 100));        // no region
  EXPECT_FALSE(AddUser(*store_, {"li", Role::kOperator, "149999", kPassword}, 100));  // unknown region
  EXPECT_FALSE(AddUser(*store_, {"li", Role::kAuditor, "14", kPassword}, 100));       // auditors are not scoped
  EXPECT_FALSE(AddUser(*store_, {"li", Role::kAdmin, "", "short"}, 100));
  EXPECT_FALSE(AddUser(*store_, {"li", Role::kCommunity, "", kPassword}, 100));  // community staff are scoped
  EXPECT_TRUE(AddUser(*store_, {"li", Role::kCommunity, "140202", kPassword}, 100));
  auto user = store_->FindUser("zhang");
  ASSERT_TRUE(user && *user);
  EXPECT_EQ((*user)->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ((*user)->password_hash.find(kPassword), std::string::npos);
}

TEST_F(AccessTest, LoginOpensASessionThatExpiresWhenIdleAndOnLogout) {
  ASSERT_TRUE(AddUser(*store_, {"zhang", Role::kOperator, "140202", kPassword}, 0));
  AccessOptions options;
  auto login = Login(*store_, "zhang", kPassword, 1000, options);
  ASSERT_TRUE(login) << login.error().ToString();
  EXPECT_EQ(login->principal.region, "140202");
  EXPECT_EQ(login->principal.Actor(), "user:zhang");
  auto session = CheckSession(*store_, login->token, 1000 + options.session_idle_seconds - 1, options);
  ASSERT_TRUE(session);
  EXPECT_TRUE(CsrfMatches(*session, login->csrf_token));
  EXPECT_FALSE(CsrfMatches(*session, login->token));
  EXPECT_FALSE(CsrfMatches(*session, ""));
  // Used just now, so idle expiry moved on; the absolute limit still holds.
  EXPECT_TRUE(CheckSession(*store_, login->token, 1000 + 2 * options.session_idle_seconds - 120, options));
  EXPECT_FALSE(CheckSession(*store_, login->token, 1000 + options.session_absolute_seconds, options));
  auto again = Login(*store_, "zhang", kPassword, 5000, options);
  ASSERT_TRUE(again);
  EXPECT_FALSE(CheckSession(*store_, again->token, 5000 + options.session_idle_seconds + 1, options));
  auto third = Login(*store_, "zhang", kPassword, 9000, options);
  ASSERT_TRUE(third);
  ASSERT_TRUE(Logout(*store_, third->token));
  auto gone = CheckSession(*store_, third->token, 9001, options);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(AccessTest, RepeatedFailuresLockTheAccountEvenAgainstTheRightPassword) {
  ASSERT_TRUE(AddUser(*store_, {"zhang", Role::kAdmin, "", kPassword}, 0));
  AccessOptions options;
  options.lockout_failures = 3;
  auto unknown = Login(*store_, "nobody", kPassword, 10, options);
  auto wrong = Login(*store_, "zhang", "wrong password!", 10, options);
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(unknown.error().message, wrong.error().message);  // no hint which names exist
  ASSERT_FALSE(Login(*store_, "zhang", "wrong password!", 11, options));
  auto locked = Login(*store_, "zhang", "wrong password!", 12, options);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::kFailedPrecondition);
  auto still = Login(*store_, "zhang", kPassword, 13, options);
  ASSERT_FALSE(still);
  EXPECT_EQ(still.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Login(*store_, "zhang", kPassword, 12 + options.lockout_seconds, options));
}

TEST_F(AccessTest, DisablingAnAccountEndsItsSessionsAndEnablingDoesNot) {
  ASSERT_TRUE(AddUser(*store_, {"zhang", Role::kAuditor, "", kPassword}, 0));
  AccessOptions options;
  auto login = Login(*store_, "zhang", kPassword, 1000, options);
  ASSERT_TRUE(login);
  auto id = SetUserDisabled(*store_, "zhang", true, 1001);
  ASSERT_TRUE(id) << id.error().ToString();
  auto stored = store_->FindSession(Sha256Hex(login->token));
  ASSERT_TRUE(stored);
  EXPECT_FALSE(*stored) << "the session row is deleted, not only refused";
  auto refused = Login(*store_, "zhang", kPassword, 1002, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(SetUserDisabled(*store_, "zhang", false, 1003));
  EXPECT_TRUE(Login(*store_, "zhang", kPassword, 1004, options));
  auto unknown = SetUserDisabled(*store_, "nobody", true, 1005);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

// A login in progress on another connection (another instance) read the
// user before the account was disabled; its write-back must not enable the
// account again: disabling waits for it and reads the row after it.
TEST_F(AccessTest, DisablingWhileALoginOfTheUserIsInProgressElsewhereSticks) {
  ASSERT_TRUE(AddUser(*store_, {"zhang", Role::kAuditor, "", kPassword}, 0));
  auto other = OpenStore(path_);
  ASSERT_TRUE(other) << other.error().ToString();
  std::atomic<bool> read{false};
  std::thread login([&] {
    auto unit = (*other)->Begin();
    ASSERT_TRUE(unit);
    auto user = (*other)->FindUser("zhang");
    ASSERT_TRUE(user && *user);
    read = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    (*user)->failed_logins += 1;  // a wrong password, as LoginInUnit counts it
    ASSERT_TRUE((*other)->UpdateUser(**user));
    ASSERT_TRUE((*unit)->Commit());
  });
  while (!read) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto id = SetUserDisabled(*store_, "zhang", true, 1001);
  login.join();
  ASSERT_TRUE(id) << id.error().ToString();
  auto user = store_->FindUser("zhang");
  ASSERT_TRUE(user && *user);
  EXPECT_TRUE((*user)->disabled);
  EXPECT_EQ((*user)->failed_logins, 1);
}

TEST_F(AccessTest, AuthoriseAppliesTheRoleMatrixAndTheRegionScope) {
  Principal county{Principal::Kind::kStaff, 1, "zhang", Role::kOperator, "140202", "", {}};
  std::vector<std::string> inside = {"140202001001", "140202"};
  std::vector<std::string> outside = {"140203001001", "140203"};
  std::vector<std::string> paid_inside = {"140203001001", "140202"};
  EXPECT_TRUE(Authorise(county, Action::kPersonRead, inside));
  EXPECT_TRUE(Authorise(county, Action::kPersonRead, paid_inside));  // paid in the county
  auto denied = Authorise(county, Action::kPersonRead, outside);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(Authorise(county, Action::kCycleRun));
  EXPECT_FALSE(Authorise(county, Action::kAuditRead));
  EXPECT_FALSE(Authorise(county, Action::kFeedSubmit));  // a county operator cannot load a provincial file
  Principal province = county;
  province.region = "14";
  EXPECT_TRUE(Authorise(province, Action::kFeedSubmit));
  Principal auditor{Principal::Kind::kStaff, 2, "wang", Role::kAuditor, "", "", {}};
  EXPECT_TRUE(Authorise(auditor, Action::kAuditRead));
  EXPECT_TRUE(Authorise(auditor, Action::kPersonRead, outside));
  EXPECT_FALSE(Authorise(auditor, Action::kPersonReveal, inside));
  EXPECT_FALSE(Authorise(auditor, Action::kCaseDecide, inside));
  Principal partner{Principal::Kind::kPartner, 3, "railway", Role::kPartner, "", "railway", {"travel"}};
  EXPECT_TRUE(Authorise(partner, Action::kFeedSubmit));
  EXPECT_FALSE(Authorise(partner, Action::kPersonRead, inside));
  EXPECT_FALSE(Authorise(partner, Action::kAttest));
  Principal admin{Principal::Kind::kStaff, 4, "root", Role::kAdmin, "", "", {}};
  EXPECT_TRUE(Authorise(admin, Action::kCycleRun));
  EXPECT_FALSE(Authorise(admin, Action::kAttest));
}

TEST_F(AccessTest, CommunityStaffDoVisitsPointsAndDeathReturnsInTheirVillageAndNothingElse) {
  EXPECT_EQ(ParseRole("community"), Role::kCommunity);
  EXPECT_EQ(RoleName(Role::kCommunity), "community");
  Principal village{Principal::Kind::kStaff, 5, "zhao", Role::kCommunity, "140202001001", "", {}};
  const std::vector<std::string> inside = {"140202001001"};
  const std::vector<std::string> neighbour = {"140202001002"};
  for (Action a : {Action::kVisitRead, Action::kVisitComplete, Action::kPointsRead, Action::kDeathsReport}) {
    EXPECT_TRUE(Authorise(village, a, inside)) << ActionName(a);
    EXPECT_FALSE(Authorise(village, a, neighbour)) << ActionName(a);
  }
  for (Action a : {Action::kPersonRead, Action::kPersonReveal, Action::kStatsRead, Action::kCaseRead,
                   Action::kOutreachRead, Action::kVisitAssign, Action::kSpecialWrite, Action::kFeedSubmit,
                   Action::kFeedRead, Action::kFaceVerify, Action::kAuditRead, Action::kUserAdmin}) {
    EXPECT_FALSE(Authorise(village, a, inside)) << ActionName(a);
  }
  Principal county{Principal::Kind::kStaff, 1, "zhang", Role::kOperator, "140202", "", {}};
  for (Action a : {Action::kOutreachRead, Action::kVisitRead, Action::kVisitAssign, Action::kVisitComplete,
                   Action::kSpecialWrite, Action::kPointsRead, Action::kDeathsReport}) {
    EXPECT_TRUE(Authorise(county, a, inside)) << ActionName(a);
  }
  Principal auditor{Principal::Kind::kStaff, 2, "wang", Role::kAuditor, "", "", {}};
  EXPECT_TRUE(Authorise(auditor, Action::kVisitRead));
  EXPECT_FALSE(Authorise(auditor, Action::kVisitComplete));
  EXPECT_FALSE(Authorise(auditor, Action::kDeathsReport));
  Principal partner{Principal::Kind::kPartner, 3, "railway", Role::kPartner, "", "railway", {"travel"}};
  EXPECT_FALSE(Authorise(partner, Action::kDeathsReport));
  EXPECT_FALSE(Authorise(partner, Action::kPointsRead));
}

TEST_F(AccessTest, PartnerKeysAreShownOnceAndStoredOnlyAsHashesOrSealed) {
  Secrets secrets = Secrets::FromBytesForTest(std::string(32, 's'));
  auto key = AddPartner(*store_, policy_, secrets, {"railway", Role::kPartner, "railway", {"travel"}}, 0);
  ASSERT_TRUE(key) << key.error().ToString();
  auto principal = CheckApiKey(*store_, key->api_key);
  ASSERT_TRUE(principal) << principal.error().ToString();
  EXPECT_EQ(principal->source, "railway");
  EXPECT_EQ(principal->kinds, std::vector<std::string>{"travel"});
  std::string wrong = key->api_key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(CheckApiKey(*store_, wrong));
  EXPECT_FALSE(CheckApiKey(*store_, "garbage"));
  auto stored = store_->FindPartnerByKeyId(key->key_id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->key_hash.find(key->api_key.substr(18)), std::string::npos);

  EXPECT_FALSE(AddPartner(*store_, policy_, secrets, {"x1", Role::kPartner, "no_such_source", {"travel"}}, 0));
  EXPECT_FALSE(AddPartner(*store_, policy_, secrets, {"x2", Role::kPartner, "railway", {"no_such_kind"}}, 0));
  EXPECT_FALSE(AddPartner(*store_, policy_, secrets, {"x3", Role::kOperator, "railway", {"travel"}}, 0));
  EXPECT_FALSE(AddPartner(*store_, policy_, secrets, {"x4", Role::kPartner, "agency", {"death"}}, 0));

  auto att = AddPartner(*store_, policy_, secrets, {"bank-terminals", Role::kAttestor, "bank", {"bank_terminal"}}, 0);
  ASSERT_TRUE(att);
  EXPECT_TRUE(att->api_key.empty());
  auto signing = AttestorSecret(*store_, secrets, att->key_id);
  ASSERT_TRUE(signing) << signing.error().ToString();
  EXPECT_EQ(signing->second, att->signing_secret);
  EXPECT_EQ(signing->first.role, Role::kAttestor);
  EXPECT_FALSE(AttestorSecret(*store_, Secrets::FromBytesForTest(std::string(32, 'x')), att->key_id));
  EXPECT_FALSE(AttestorSecret(*store_, secrets, key->key_id));  // a partner is not an attestor
}

TEST_F(AccessTest, NoncesAreAcceptedOnce) {
  auto first = store_->RememberNonce("k1", "n1", 100, 0);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto replay = store_->RememberNonce("k1", "n1", 101, 0);
  ASSERT_TRUE(replay);
  EXPECT_FALSE(*replay);
  auto other_key = store_->RememberNonce("k2", "n1", 101, 0);
  ASSERT_TRUE(other_key && *other_key);
}

TEST_F(AccessTest, AuditChainVerifiesAndNamesTheFirstAlteredEntry) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(AppendAudit(*store_, {"user:zhang", "person.reveal", "person 140202********123X", "{}", "ok"},
                            1000 + i));
  }
  auto ok = VerifyAudit(*store_);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->entries, 5);
  EXPECT_FALSE(ok->first_broken);
  EXPECT_EQ(ok->head_hash.size(), 64u);

  // The store refuses to change the trail through SQL ...
  EXPECT_FALSE(ExecForTest(path_, "UPDATE audit SET actor = 'user:li' WHERE id = 3"));
  EXPECT_FALSE(ExecForTest(path_, "DELETE FROM audit WHERE id = 5"));
  // ... and someone who drops the guard and edits a row is found.
  ASSERT_TRUE(ExecForTest(path_, std::string(TestStoreIsPostgres() ? "DROP TRIGGER audit_no_update ON audit;"
                                                                      : "DROP TRIGGER audit_no_update;") +
                                     " UPDATE audit SET actor = 'user:li' WHERE id = 3;"));
  auto broken = VerifyAudit(*store_);
  ASSERT_TRUE(broken);
  ASSERT_TRUE(broken->first_broken);
  EXPECT_EQ(*broken->first_broken, 3);
}

TEST_F(AccessTest, AnAuditEntryRolledBackWithItsChangeLeavesNoTrace) {
  {
    auto tx = store_->Begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(AppendAudit(*store_, {"user:zhang", "user.add", "user li", "", "ok"}, 1));
    // no Commit: the unit of work is abandoned
  }
  int64_t n = 0;
  ASSERT_TRUE(store_->ForEachAudit(0, 0, [&](const AuditEntry&) -> Status {
    ++n;
    return {};
  }));
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace tacit
