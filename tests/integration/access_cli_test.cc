// The command line's access commands as an administrator meets them: the key
// file `init` creates, staff accounts with the password on standard input,
// partner keys shown once, and the audit trail — appended by every command
// that changes the store, verified, exported for re-verification outside
// tacit, and found out when someone edits it behind tacit's back with sqlite3.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "run.h"
#include "tacit/access.h"
#include "tacit/id_number.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {
namespace {

using nlohmann::json;
using testing::FreshDir;
using testing::Output;
using testing::Tacit;

constexpr char kPassword[] = "correct horse battery";

std::string Id(const std::string& first17) { return first17 + IdCheckCharacter(first17); }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Has(const Output& o, std::string_view text) { return o.out.find(text) != std::string::npos; }

// The value printed after `label` on its line of `out`.
std::string After(const std::string& out, const std::string& label) {
  const size_t at = out.find(label);
  if (at == std::string::npos) return "";
  const size_t start = at + label.size();
  return out.substr(start, out.find('\n', start) - start);
}

class AccessCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(std::string("access_cli_") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    init_ = Tacit(dir_, "init");
    ASSERT_EQ(init_.status, 0) << init_.out;
    std::ofstream(dir_ / "pw.txt") << kPassword << "\n";
  }

  // The store as the library sees it, for what the command line does not show.
  std::unique_ptr<Store> OpenStore() {
    auto store = OpenSqliteStore((dir_ / "tacit.db").string());
    EXPECT_TRUE(store) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  std::vector<json> Export() {
    auto out = Tacit(dir_, "audit export --out audit.jsonl");
    EXPECT_EQ(out.status, 0) << out.out;
    std::vector<json> lines;
    std::istringstream in(Read(dir_ / "audit.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  std::filesystem::path dir_;
  Output init_;
};

TEST_F(AccessCli, InitCreatesTheKeyFileBesideTheStoreReadableOnlyByItsOwner) {
  EXPECT_TRUE(Has(init_, "密钥文件已创建")) << init_.out;
  EXPECT_TRUE(Has(init_, "tacit.db.key")) << init_.out;
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "tacit.db.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(Secrets::Load((dir_ / "tacit.db.key").string()));
  EXPECT_FALSE(Has(init_, Read(dir_ / "tacit.db.key").substr(0, 16))) << "the path only, never the key";

  // Again: the key stays as it was (a new key would orphan every sealed secret).
  const std::string key = Read(dir_ / "tacit.db.key");
  auto again = Tacit(dir_, "init");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_FALSE(Has(again, "密钥文件已创建")) << again.out;
  EXPECT_EQ(Read(dir_ / "tacit.db.key"), key);

  // --db moves the default with the store; --key-file or TACIT_KEY_FILE name another place.
  auto other = Tacit(dir_, "--db other.db init");
  ASSERT_EQ(other.status, 0) << other.out;
  EXPECT_TRUE(Has(other, "other.db.key")) << other.out;
  auto flag = Tacit(dir_, "--key-file elsewhere.key init");
  ASSERT_EQ(flag.status, 0) << flag.out;
  EXPECT_TRUE(Has(flag, "elsewhere.key")) << flag.out;
  ::setenv("TACIT_KEY_FILE", (dir_ / "env.key").c_str(), 1);
  auto env = Tacit(dir_, "init");
  ::unsetenv("TACIT_KEY_FILE");
  ASSERT_EQ(env.status, 0) << env.out;
  EXPECT_TRUE(Has(env, "env.key")) << env.out;
  for (const char* made : {"other.db.key", "elsewhere.key", "env.key"}) {
    ASSERT_EQ(::stat((dir_ / made).c_str(), &st), 0) << made;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << made;
  }

  // A key file others can read is refused, by init too.
  ASSERT_EQ(::chmod((dir_ / "tacit.db.key").c_str(), 0644), 0);
  auto loose = Tacit(dir_, "init");
  EXPECT_EQ(loose.status, 1);
  EXPECT_TRUE(Has(loose, "chmod 600")) << loose.out;
}

TEST_F(AccessCli, PartnerAddNeedsTheKeyFileAndSaysWhichItLookedFor) {
  const std::string add = "partner add rail --role partner --source railway --kinds travel";
  auto flag = Tacit(dir_, "--key-file nowhere.key " + add);
  EXPECT_EQ(flag.status, 1);
  EXPECT_TRUE(Has(flag, "nowhere.key")) << flag.out;
  ::setenv("TACIT_KEY_FILE", "absent.key", 1);
  auto env = Tacit(dir_, add);
  ::unsetenv("TACIT_KEY_FILE");
  EXPECT_EQ(env.status, 1);
  EXPECT_TRUE(Has(env, "absent.key")) << env.out;
  EXPECT_FALSE(Has(Tacit(dir_, "partner list"), "rail"));
  auto by_default = Tacit(dir_, add);  // beside the store, as init made it
  EXPECT_EQ(by_default.status, 0) << by_default.out;
}

TEST_F(AccessCli, UsersGetTheirPasswordFromStandardInputAndTheListShowsNoHash) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                      {"1401", "太原市", "14", RegionLevel::kCity},
                                      {"140105", "小店区", "1401", RegionLevel::kCounty}}));
  }
  auto add = Tacit(dir_, "user add zhang --role operator --region 140105 < pw.txt");
  ASSERT_EQ(add.status, 0) << add.out;
  EXPECT_TRUE(Has(add, "用户 zhang 已添加")) << add.out;
  ASSERT_EQ(Tacit(dir_, "user add li --role auditor < pw.txt").status, 0);

  auto list = Tacit(dir_, "user list");
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(zhang\s+operator\s+140105\s)"))) << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(li\s+auditor\s+-\s)"))) << list.out;
  EXPECT_TRUE(Has(list, "正常 (active)"));
  EXPECT_FALSE(Has(list, "argon2")) << list.out;
  EXPECT_FALSE(Has(list, kPassword));

  // Wrong input is refused with a reason, and nothing is added.
  std::ofstream(dir_ / "short.txt") << "short\n";
  const std::pair<const char*, const char*> kRefused[] = {
      {"user add wang --role boss < pw.txt", "未知角色"},
      {"user add wang --role operator --region 149999 < pw.txt", "--region 149999"},
      {"user add wang --role operator < pw.txt", "need a region"},
      {"user add wang --role auditor --region 14 < pw.txt", "not to auditor"},
      {"user add wang --role partner < pw.txt", "tacit partner add"},
      {"user add zhang --role auditor < pw.txt", "已存在"},
      {"user add wang --role admin < /dev/null", "标准输入中没有密码"},
      {"user add wang --role admin < short.txt", "至少 12 个字符"},
      {"user passwd nobody < pw.txt", "没有用户 nobody"},
      {"user disable nobody", "没有用户 nobody"},
  };
  for (const auto& [args, reason] : kRefused) {
    auto out = Tacit(dir_, args);
    EXPECT_EQ(out.status, 1) << args << "\n" << out.out;
    EXPECT_TRUE(Has(out, reason)) << args << "\n" << out.out;
  }
  auto argv_password = Tacit(dir_, "user add wang --role admin '" + std::string(kPassword) + "' < pw.txt");
  EXPECT_NE(argv_password.status, 0) << "a password is never taken from the command line";
  EXPECT_FALSE(Has(Tacit(dir_, "user list"), "wang"));

  // A session of zhang's, then disable: the session is gone; enable, passwd.
  std::string token;
  {
    auto store = OpenStore();
    auto login = Login(*store, "zhang", kPassword, std::time(nullptr), AccessOptions{});
    ASSERT_TRUE(login) << login.error().ToString();
    token = login->token;
  }
  auto disable = Tacit(dir_, "user disable zhang");
  ASSERT_EQ(disable.status, 0) << disable.out;
  EXPECT_TRUE(Has(Tacit(dir_, "user list"), "已停用 (disabled)"));
  {
    auto store = OpenStore();
    auto session = store->FindSession(Sha256Hex(token));
    ASSERT_TRUE(session);
    EXPECT_FALSE(*session) << "disabling ends the account's sessions";
  }
  ASSERT_EQ(Tacit(dir_, "user enable zhang").status, 0);
  EXPECT_FALSE(Has(Tacit(dir_, "user list"), "已停用"));
  std::ofstream(dir_ / "new.txt") << "a new long password\n";
  auto passwd = Tacit(dir_, "user passwd zhang < new.txt");
  ASSERT_EQ(passwd.status, 0) << passwd.out;
  {
    auto store = OpenStore();
    EXPECT_TRUE(Login(*store, "zhang", "a new long password", std::time(nullptr), AccessOptions{}));
    EXPECT_FALSE(Login(*store, "zhang", kPassword, std::time(nullptr), AccessOptions{}));
  }

  // Each change is in the trail, by the command line, without a password or hash.
  auto audit = Tacit(dir_, "audit list");
  ASSERT_EQ(audit.status, 0) << audit.out;
  for (const char* action : {"user.add", "user.disable", "user.enable", "user.passwd"}) {
    EXPECT_TRUE(Has(audit, action)) << action << "\n" << audit.out;
  }
  EXPECT_TRUE(Has(audit, "cli:")) << audit.out;
  EXPECT_FALSE(Has(audit, "wang")) << "refused commands leave no entry: " << audit.out;
  int user_entries = 0;
  for (const json& e : Export()) {
    if (e["action"].get<std::string>().starts_with("user.")) ++user_entries;
    EXPECT_EQ(e.dump().find("argon2"), std::string::npos);
    EXPECT_EQ(e.dump().find(kPassword), std::string::npos);
  }
  EXPECT_EQ(user_entries, 5);  // two adds, disable, enable, passwd
}

TEST_F(AccessCli, APartnerKeyIsShownOnceAndNeverListed) {
  auto add = Tacit(dir_, "partner add railway --role partner --source railway --kinds travel");
  ASSERT_EQ(add.status, 0) << add.out;
  const std::string api_key = After(add.out, "API 密钥 (API key): ");
  ASSERT_TRUE(std::regex_match(api_key, std::regex("k[0-9a-f]{16}\\.[0-9a-f]{64}"))) << add.out;
  EXPECT_TRUE(Has(add, "仅显示这一次")) << add.out;
  const std::string key_id = api_key.substr(0, 17);
  const std::string secret = api_key.substr(18);
  {
    auto store = OpenStore();
    auto partner = CheckApiKey(*store, api_key);
    ASSERT_TRUE(partner) << "the key printed is the key stored";
    EXPECT_EQ(partner->name, "railway");
    EXPECT_EQ(partner->kinds, std::vector<std::string>{"travel"});
  }

  auto attestor = Tacit(dir_, "partner add banks --role attestor --source bank --kinds face_auth,bank_terminal");
  ASSERT_EQ(attestor.status, 0) << attestor.out;
  const std::string signer = After(attestor.out, "密钥编号 (key id): ");
  const std::string signing = After(attestor.out, "签名密钥 (signing secret, HMAC-SHA256): ");
  ASSERT_TRUE(std::regex_match(signing, std::regex("[0-9a-f]{64}"))) << attestor.out;
  {
    auto store = OpenStore();
    auto secrets = Secrets::Load((dir_ / "tacit.db.key").string());
    ASSERT_TRUE(secrets);
    auto unsealed = AttestorSecret(*store, *secrets, signer);
    ASSERT_TRUE(unsealed) << unsealed.error().ToString();
    EXPECT_EQ(unsealed->second, signing);
    EXPECT_EQ(unsealed->first.kinds, (std::vector<std::string>{"face_auth", "bank_terminal"}));
  }

  auto list = Tacit(dir_, "partner list");
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("railway\\s+partner\\s+railway\\s+" + key_id))) << list.out;
  EXPECT_TRUE(Has(list, "face_auth,bank_terminal")) << list.out;
  const std::vector<json> trail = Export();
  EXPECT_EQ(trail.size(), 3u);  // policy.load, two partner.add
  for (const std::string& hidden : {secret, signing, Sha256Hex(secret), Sha256Hex(signing)}) {
    EXPECT_FALSE(Has(list, hidden)) << list.out;
    for (const json& e : trail) EXPECT_EQ(e.dump().find(hidden), std::string::npos) << e.dump();
  }

  // Refused: a role that is not a partner's, a source or kind the policy does not declare, a name taken.
  EXPECT_EQ(Tacit(dir_, "partner add x1 --role operator --source railway --kinds travel").status, 1);
  auto source = Tacit(dir_, "partner add x2 --role partner --source nowhere --kinds travel");
  EXPECT_EQ(source.status, 1);
  EXPECT_TRUE(Has(source, "nowhere")) << source.out;
  auto kind = Tacit(dir_, "partner add x3 --role partner --source railway --kinds travel,teleport");
  EXPECT_EQ(kind.status, 1);
  EXPECT_TRUE(Has(kind, "teleport")) << kind.out;
  auto taken = Tacit(dir_, "partner add railway --role partner --source railway --kinds travel");
  EXPECT_EQ(taken.status, 1);
  EXPECT_FALSE(Has(taken, "API 密钥")) << "no key is shown for a registration that failed";
  EXPECT_EQ(Tacit(dir_, "partner list").out.find("x1"), std::string::npos);
}

TEST_F(AccessCli, VerifyPassesUntilAnEntryIsEditedWithSqlite3ThenNamesIt) {
  ASSERT_EQ(Tacit(dir_, "user add li --role auditor < pw.txt").status, 0);
  ASSERT_EQ(Tacit(dir_, "partner add railway --role partner --source railway --kinds travel").status, 0);
  ASSERT_EQ(Tacit(dir_, "user disable li").status, 0);
  auto verify = Tacit(dir_, "audit verify");
  ASSERT_EQ(verify.status, 0) << verify.out;
  EXPECT_TRUE(Has(verify, "审计日志完整")) << verify.out;
  EXPECT_TRUE(Has(verify, ": 4 条")) << "policy.load, user.add, partner.add, user.disable: " << verify.out;
  auto head = Tacit(dir_, "audit head");
  ASSERT_EQ(head.status, 0) << head.out;
  const std::string head_hash = head.out.substr(0, head.out.find('\n'));
  ASSERT_TRUE(std::regex_match(head_hash, std::regex("[0-9a-f]{64}"))) << head.out;
  EXPECT_TRUE(Has(verify, head_hash));

  // The export has what it takes to check the chain without tacit: each
  // field length-prefixed ("<bytes>:<field>\n"), prev_hash first, SHA-256.
  const std::vector<json> entries = Export();
  ASSERT_EQ(entries.size(), 4u);
  std::string prev(64, '0');
  for (const json& e : entries) {
    std::string text;
    for (const char* field : {"prev_hash", "id", "at_ms", "actor", "action", "target", "detail", "outcome"}) {
      const std::string v = e[field].is_string() ? e[field].get<std::string>() : e[field].dump();
      text += std::to_string(v.size()) + ":" + v + "\n";
    }
    EXPECT_EQ(e["prev_hash"], prev);
    EXPECT_EQ(Sha256Hex(text), e["hash"]) << e.dump();
    prev = e["hash"];
  }
  EXPECT_EQ(prev, head_hash);

  auto page = Tacit(dir_, "audit list --after 1 --limit 2");
  ASSERT_EQ(page.status, 0) << page.out;
  EXPECT_TRUE(Has(page, "user.add"));
  EXPECT_TRUE(Has(page, "partner.add"));
  EXPECT_FALSE(Has(page, "policy.load"));
  EXPECT_FALSE(Has(page, "user.disable"));
  EXPECT_TRUE(Has(page, "--after 3")) << page.out;

  // Someone with the file drops the guard and rewrites entry 2.
  const std::string sql = "cd '" + dir_.string() +
                          "' && sqlite3 tacit.db \"DROP TRIGGER audit_no_update; UPDATE audit SET actor='x' WHERE "
                          "id=2;\"";
  ASSERT_EQ(std::system(sql.c_str()), 0);
  auto broken = Tacit(dir_, "audit verify");
  EXPECT_NE(broken.status, 0);
  EXPECT_TRUE(Has(broken, "条目 2")) << broken.out;
  EXPECT_TRUE(Has(broken, "entry 2")) << broken.out;
  EXPECT_TRUE(Has(broken, "altered")) << broken.out;
  auto no_head = Tacit(dir_, "audit head");
  EXPECT_NE(no_head.status, 0) << "a broken trail is not anchored";
}

TEST_F(AccessCli, TheDataCommandsAuditTheirChangesWithCountsAndMaskedNumbersOnly) {
  const std::string zhang = Id("14010519500101123");
  std::ofstream(dir_ / "registry.csv")
      << "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,start_month,"
         "special_care,last_certified_on,paid_through\n"
      << zhang << ",张三,M,1950-01-01,13812345678,140105001001,enterprise,140105,3120.50,2010-02,0,2026-02-10,\n";
  ASSERT_EQ(Tacit(dir_, "registry import registry.csv", "2026-05-01").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-05 --as-of 2026-05-05", "2026-05-05").status, 0);
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-06 --as-of 2026-06-05", "2026-06-05").status, 0);
  // Cremated on 2026-05-20, learned in July; a train trip of 2026-06-10 after it.
  std::ofstream(dir_ / "feed.csv") << "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n"
                                   << "civil_affairs,cremation," << zhang << ",张三,M,1950-01-01,,2026-05-20,HZ-1,\n"
                                   << "railway,travel," << zhang << ",张三,M,1950-01-01,,2026-06-10,RW-1,\n";
  ASSERT_EQ(Tacit(dir_, "ingest feed.csv --received-on 2026-07-02", "2026-07-02").status, 0);
  ASSERT_EQ(Tacit(dir_, "ingest feed.csv --received-on 2026-07-02", "2026-07-02").status, 0);  // known already
  ASSERT_EQ(Tacit(dir_, "cycle run --month 2026-07 --as-of 2026-07-05", "2026-07-05").status, 0);
  auto cases = Tacit(dir_, "case list", "2026-07-06");
  const std::smatch m = [&] {
    std::smatch r;
    std::regex_search(cases.out, r, std::regex("#(\\d+)"));
    return r;
  }();
  ASSERT_FALSE(m.empty()) << cases.out;
  ASSERT_EQ(Tacit(dir_, "case resolve " + m[1].str() + " --decision dismiss --note 张三家属已核实 --by 王经办",
                  "2026-07-06").status, 0);
  ASSERT_EQ(Tacit(dir_, "recovery record " + zhang + " --amount 100 --method lump", "2026-07-10").status, 0);
  EXPECT_EQ(Tacit(dir_, "registry import missing.csv").status, 1);  // nothing changed: no entry

  std::map<std::string, std::vector<json>> by_action;
  for (const json& e : Export()) {
    by_action[e["action"]].push_back(e);
    const std::string text = e.dump();
    EXPECT_EQ(text.find(zhang), std::string::npos) << "identity numbers masked only: " << text;
    EXPECT_EQ(text.find("张三"), std::string::npos) << "no names, not even in notes: " << text;
    EXPECT_EQ(text.find("13812345678"), std::string::npos) << text;
    EXPECT_TRUE(e["actor"].get<std::string>().starts_with("cli:")) << text;
  }
  ASSERT_EQ(by_action["registry.import"].size(), 1u);
  const json reg = json::parse(by_action["registry.import"][0]["detail"].get<std::string>());
  EXPECT_EQ(reg["persons_added"], 1);
  EXPECT_EQ(reg["entitlements_added"], 1);
  EXPECT_EQ(by_action["registry.import"][0]["target"], "registry registry.csv");

  ASSERT_EQ(by_action["cycle.run"].size(), 3u);
  EXPECT_EQ(by_action["cycle.run"][2]["target"], "month 2026-07");
  const json july = json::parse(by_action["cycle.run"][2]["detail"].get<std::string>());
  EXPECT_EQ(july["terminated"], 1);
  EXPECT_EQ(july["overpaid_fen"], 312050);

  ASSERT_EQ(by_action["feed.ingest"].size(), 2u);
  const json first = json::parse(by_action["feed.ingest"][0]["detail"].get<std::string>());
  EXPECT_EQ(first["rows"], 2);
  EXPECT_EQ(first["linked"], 2);
  const json second = json::parse(by_action["feed.ingest"][1]["detail"].get<std::string>());
  EXPECT_EQ(second["already_ingested"], 1);
  EXPECT_EQ(by_action["feed.ingest"][1]["target"], "no new batch");

  ASSERT_EQ(by_action["case.resolve"].size(), 1u);
  EXPECT_EQ(by_action["case.resolve"][0]["target"], "case " + m[1].str());
  const json decision = json::parse(by_action["case.resolve"][0]["detail"].get<std::string>());
  EXPECT_EQ(decision["decision"], "dismiss");
  EXPECT_EQ(decision["by"], "王经办");

  ASSERT_EQ(by_action["recovery.record"].size(), 1u);
  EXPECT_EQ(by_action["recovery.record"][0]["target"], "person " + MaskIdNumber(zhang));
  const json recovery = json::parse(by_action["recovery.record"][0]["detail"].get<std::string>());
  EXPECT_EQ(recovery["amount_fen"], 10000);
  EXPECT_EQ(recovery["method"], "lump");

  auto verify = Tacit(dir_, "audit verify", "2026-07-10");
  EXPECT_EQ(verify.status, 0) << verify.out;
}

}  // namespace
}  // namespace tacit
