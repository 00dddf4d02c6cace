// The citizen sign-in on a real SQLite store: codes, tries, limits, the decoy
// phone hint, sessions, the status and the visit request.
#include "tacit/citizen.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "store/test_registry.h"
#include "tacit/outreach.h"
#include "store/test_store_location.h"

namespace tacit {
namespace {

const Date kToday = *ParseDate("2026-11-20");
constexpr int64_t kMinute = 60'000;

class CitizenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tacit_citizen_" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    path_ = TestStoreLocation(dir_);
    store_ = std::move(*OpenStore(path_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
    RegistryRow with_phone = TestRegistryRow("14010519500101123", "140105001001", kToday);
    with_phone.person.phone = "13912345678";
    RegistryRow without = TestRegistryRow("14010519500101131", "140105001001", kToday);
    id_ = with_phone.person.id_number;
    no_phone_id_ = without.person.id_number;
    key_ = with_phone.person.key;
    ASSERT_TRUE(store_->ImportRegistry({with_phone, without}, Month::Of(2026, 11)));
    now_ = BeijingInstant(kToday, 10 * 60);
  }
  void TearDown() override {
    store_.reset();
    DropTestStore(path_);
    std::filesystem::remove_all(dir_);
  }

  Result<CitizenCodeRequest> Ask(const std::string& id, const std::string& name) {
    auto unit = store_->Begin();
    auto r = RequestCitizenCode(*store_, secrets_, id, name, now_, options_);
    EXPECT_TRUE((*unit)->Commit());
    return r;
  }
  CitizenCodeCheck Check(const std::string& challenge, const std::string& code) {
    auto unit = store_->Begin();
    auto c = CheckCitizenCode(*store_, secrets_, challenge, code, now_, options_);
    EXPECT_TRUE((*unit)->Commit());
    return *c;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  Policy policy_;
  Secrets secrets_ = Secrets::FromBytesForTest(std::string(32, 'c'));
  CitizenOptions options_;
  std::string id_, no_phone_id_;
  PersonKey key_ = 0;
  int64_t now_ = 0;
};

TEST_F(CitizenTest, TheRightCodeOpensASessionForThatPersonOnly) {
  auto r = Ask(id_, " 张 三丰 ");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->person, key_);
  EXPECT_EQ(r->masked_phone, "尾号5678");
  ASSERT_EQ(r->code.size(), 6u);
  auto row = store_->FindCitizenCode(r->challenge);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->code_hash.find(r->code), std::string::npos);
  EXPECT_EQ((*row)->subject.size(), 64u);
  EXPECT_EQ((*row)->subject.find(id_), std::string::npos);

  const CitizenCodeCheck c = Check(r->challenge, r->code);
  ASSERT_EQ(c.failure, "");
  EXPECT_EQ(c.person, key_);
  auto s = CheckCitizenSession(*store_, secrets_, c.token, now_);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->principal.kind, Principal::Kind::kCitizen);
  EXPECT_EQ(s->principal.person, key_);
  EXPECT_EQ(s->principal.Actor(), "citizen:" + secrets_.PersonHandle(key_));
  EXPECT_TRUE(CitizenCsrfMatches(*s, c.csrf_token));
  EXPECT_FALSE(Authorise(s->principal, Action::kPersonRead));
  EXPECT_FALSE(Authorise(s->principal, Action::kVisitRead));
  // Used once; a session lasts 30 minutes.
  EXPECT_EQ(Check(r->challenge, r->code).failure, "expired");
  EXPECT_FALSE(CheckCitizenSession(*store_, secrets_, c.token, now_ + 30 * kMinute));
  EXPECT_FALSE(ParseRole("citizen"));
}

TEST_F(CitizenTest, ANonMatchLooksTheSameAndNoCodeOpensIt) {
  auto wrong_name = Ask(id_, "李四");
  ASSERT_TRUE(wrong_name);
  EXPECT_EQ(wrong_name->person, 0u);
  EXPECT_TRUE(wrong_name->code.empty());
  EXPECT_TRUE(wrong_name->phone.empty());
  EXPECT_EQ(wrong_name->challenge.size(), 32u);
  // The same shape as a real hint: the last four digits, nothing before them.
  EXPECT_TRUE(std::regex_match(wrong_name->masked_phone, std::regex("尾号[0-9]{4}"))) << wrong_name->masked_phone;
  auto no_phone = Ask(no_phone_id_, "张三丰");
  ASSERT_TRUE(no_phone);
  EXPECT_EQ(no_phone->person, 0u);
  // The decoy is stable for the pair, so asking again shows nothing new.
  now_ += 2 * kMinute;
  EXPECT_EQ(Ask(id_, "李四")->masked_phone, wrong_name->masked_phone);
  for (int i = 1; i <= 5; ++i) {
    const CitizenCodeCheck c = Check(wrong_name->challenge, "000000");
    EXPECT_EQ(c.failure, i < 5 ? "wrong_code" : "dead");
    EXPECT_EQ(c.tries_left, 5 - i);
  }
  EXPECT_EQ(Check(wrong_name->challenge, "123456").failure, "dead");
  std::string bad = id_;
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_FALSE(Ask(bad, "张三丰")) << "a number whose check character fails";
}

TEST_F(CitizenTest, ANumberMayAskOnceAMinuteAndFiveTimesADay) {
  ASSERT_TRUE(Ask(id_, "张三丰"));
  auto soon = Ask(id_, "张三丰");
  ASSERT_TRUE(soon);
  EXPECT_GT(soon->retry_after_ms, 0);
  EXPECT_LE(soon->retry_after_ms, kMinute);
  EXPECT_TRUE(soon->challenge.empty());
  for (int i = 0; i < 4; ++i) {
    now_ += 2 * kMinute;
    auto r = Ask(id_, i % 2 == 0 ? "张三丰" : "别人");  // a wrong name counts too
    ASSERT_TRUE(r);
    EXPECT_EQ(r->retry_after_ms, 0) << i;
  }
  now_ += 2 * kMinute;
  auto sixth = Ask(id_, "张三丰");
  EXPECT_GT(sixth->retry_after_ms, 20 * 3600'000LL);
  now_ += sixth->retry_after_ms;
  EXPECT_EQ(Ask(id_, "张三丰")->retry_after_ms, 0);
}

TEST_F(CitizenTest, AnExpiredCodeIsRefused) {
  auto r = Ask(id_, "张三丰");
  now_ += 5 * kMinute;
  EXPECT_EQ(Check(r->challenge, r->code).failure, "expired");
}

// Tries from two connections at once, while the SMS outcome is written on a
// third, are each counted once: five wrong codes kill the code whatever the
// interleaving, and a right code typed meanwhile opens at most one session.
TEST_F(CitizenTest, ConcurrentTriesAreAllCountedAndTheSmsOutcomeUndoesNone) {
  auto r = Ask(id_, "张三丰");
  ASSERT_TRUE(r && !r->code.empty());
  const std::string wrong = r->code == "000000" ? "111111" : "000000";
  std::atomic<int> wrong_code{0}, dead{0}, other{0};
  auto guesser = [&] {
    auto store = OpenStore(path_);
    ASSERT_TRUE(store) << store.error().ToString();
    for (int i = 0; i < 3; ++i) {
      auto unit = (*store)->Begin();
      ASSERT_TRUE(unit) << unit.error().ToString();
      auto c = CheckCitizenCode(**store, secrets_, r->challenge, wrong, now_, options_);
      ASSERT_TRUE(c) << c.error().ToString();
      ASSERT_TRUE((*unit)->Commit());
      (c->failure == "wrong_code" ? wrong_code : c->failure == "dead" ? dead : other) += 1;
    }
  };
  auto reporter = [&] {
    auto store = OpenStore(path_);
    ASSERT_TRUE(store) << store.error().ToString();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*store)->SetCitizenCodeSms(r->challenge, "accepted"));
  };
  std::thread a(guesser), b(guesser), c(reporter);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(wrong_code.load(), 4);
  EXPECT_EQ(dead.load(), 2);
  EXPECT_EQ(other.load(), 0);
  auto row = store_->FindCitizenCode(r->challenge);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->tries, 5);
  EXPECT_EQ((*row)->status, "dead");
  EXPECT_EQ((*row)->sms, "accepted");
  EXPECT_EQ(Check(r->challenge, r->code).failure, "dead");

  // One code, two right answers: one session.
  now_ += 2 * kMinute;
  auto again = Ask(id_, "张三丰");
  ASSERT_TRUE(again && !again->code.empty());
  EXPECT_EQ(Check(again->challenge, again->code).failure, "");
  EXPECT_EQ(Check(again->challenge, again->code).failure, "expired");
  EXPECT_TRUE(store_->UseCitizenCode(again->challenge).value_or(true) == false);
}

TEST_F(CitizenTest, StatusAndVisitRequest) {
  ASSERT_TRUE(store_->outreach().PutCertPoint({.code = "P1", .kind = "service_hall", .name = "小店区社保大厅",
                                               .short_name = "小店社保", .region = "140105000000",
                                               .address = "小店区1号", .hours = "9-17", .active = true}));
  ASSERT_TRUE(store_->outreach().PutCertPoint({.code = "P2", .kind = "community", .name = "本村服务站",
                                               .short_name = "服务站", .region = "140105001001",
                                               .address = "村委会", .hours = "9-12", .active = true}));
  auto s = CitizenStatusOf(*store_, policy_, key_, kToday);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->status, "certified");
  ASSERT_TRUE(s->deadline);
  EXPECT_EQ(*s->deadline, CertificationDeadline(*s->certification.valid_through));
  EXPECT_FALSE(s->face_enrolled);
  ASSERT_EQ(s->points.size(), 2u);
  EXPECT_EQ(s->points[0].code, "P2") << "the village's own point first";
  EXPECT_NE(s->advice.find("认证有效"), std::string::npos);

  auto v = RequestHomeVisit(*store_, policy_, key_, "腿脚不便", "0351-1234567", kToday, now_);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_TRUE(v->created);
  EXPECT_EQ(v->task.reason, "requested");
  EXPECT_EQ(v->task.region, "140105001001");
  auto again = RequestHomeVisit(*store_, policy_, key_, "", "", kToday, now_);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->task.id, v->task.id);
  EXPECT_EQ(store_->outreach().VisitTasksOf(key_)->size(), 1u);
  EXPECT_FALSE(RequestHomeVisit(*store_, policy_, key_, "", "call me", kToday, now_));
}

}  // namespace
}  // namespace tacit
