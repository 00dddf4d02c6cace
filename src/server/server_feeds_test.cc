// Feeds through the API, driven with a real HTTP client against the real
// server on 127.0.0.1:0: uploads, repeated uploads, partners' registrations,
// who may send, the quarantine report, single and batched record pushes.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "server/test_server.h"
#include "tacit/ingest.h"

namespace tacit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHeader[] =
    "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail\n";

std::string Stranger() {
  std::string id = "11010519900101123";
  return id + IdCheckCharacter(id);
}

class FeedsTest : public ServerTest {
 protected:
  void Adjust(ServerOptions& options) override {
    options.mapping_dir = std::string(TACIT_SOURCE_DIR) + "/examples/mappings";
  }

  // A partner's API key for `source`, registered for `kinds`.
  std::string PartnerKey(const std::string& name, const std::string& source,
                         std::vector<std::string> kinds) {
    auto key = AddPartner(
        *store_, policy_, Secrets::FromBytesForTest(std::string(32, 'k')),
        {.name = name, .role = Role::kPartner, .source = source, .kinds = std::move(kinds)}, 0);
    EXPECT_TRUE(key) << key.error().ToString();
    return key ? key->api_key : "";
  }

  static httplib::Headers Staff(const Login& l) {
    return {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}};
  }
  static httplib::Headers Partner(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  httplib::Result Send(const httplib::Headers& auth, const std::string& path,
                       const std::string& body, const std::string& type = "text/csv") {
    auto c = Client();
    return c.Post(path, auth, body, type);
  }
  httplib::Result Fetch(const httplib::Headers& auth, const std::string& path) {
    auto c = Client();
    return c.Get(path, auth);
  }

  // Two linked rows (one per registry person), one without a number
  // (unlinked), one about someone outside the registry (dropped) and one
  // with an impossible date (rejected, line 6).
  std::string RailwayCsv() const {
    std::ostringstream csv;
    csv << kHeader;
    csv << "railway,travel," << persons_[0].id << ",张三丰,M,,,2026-05-03,T1,\n";
    csv << "railway,travel," << persons_[1].id << ",张三丰,M,,,2026-05-04,T2,\n";
    csv << "railway,travel,,张三丰,M,1950-01-01,,2026-05-05,T3,\n";
    csv << "railway,travel," << Stranger() << ",王五,M,,,2026-05-06,T4,\n";
    csv << "railway,travel," << persons_[0].id << ",张三丰,M,,,2026-13-01,T5,\n";
    return csv.str();
  }

  size_t EvidenceCount() {
    size_t n = 0;
    EXPECT_TRUE(store_->ForEachEvidence([&](const EvidenceRecord&) -> Status {
      ++n;
      return {};
    }));
    return n;
  }

  std::vector<AuditEntry> AuditOf(const std::string& action) {
    std::vector<AuditEntry> out;
    for (const AuditEntry& e : AuditEntries()) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }

  // No audit entry holds a full identity number or a name.
  void ExpectAuditWithoutPersonalData() {
    for (const AuditEntry& e : AuditEntries()) {
      for (const std::string& text : {e.target, e.detail, e.outcome}) {
        EXPECT_THAT(text, Not(HasSubstr(persons_[0].id)));
        EXPECT_THAT(text, Not(HasSubstr(persons_[1].id)));
        EXPECT_THAT(text, Not(HasSubstr("张三丰")));
      }
    }
  }
};

TEST_F(FeedsTest, AnUploadIsIngestedOnceAndTheSameFileAgainChangesNothing) {
  Login admin = SignIn("admin");
  auto res = Send(Staff(admin), "/api/v1/batches?name=rail-2026-05.csv", RailwayCsv());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json first = json::parse(res->body);
  EXPECT_FALSE(first["already_ingested"].get<bool>());
  EXPECT_EQ(first["file_name"], "rail-2026-05.csv");
  EXPECT_EQ(first["source"], "railway");
  EXPECT_EQ(first["rows"], 5);
  EXPECT_EQ(first["accepted"], 4);
  EXPECT_EQ(first["linked"], 2);
  EXPECT_EQ(first["unlinked"], 1);
  EXPECT_EQ(first["dropped"], 1);
  EXPECT_EQ(first["rejected"], 1);
  EXPECT_EQ(first["duplicates"], 0);
  EXPECT_EQ(first["checksum"], Sha256Hex(RailwayCsv()));
  EXPECT_EQ(first["received_on"], kToday.ToString());
  EXPECT_EQ(first["reject_sample"][0]["line"], 6);
  EXPECT_EQ(first["reject_sample"][0]["field"], "occurred_on");
  EXPECT_THAT(res->body, Not(HasSubstr(persons_[0].id)));
  const int64_t id = first["id"];
  EXPECT_EQ(EvidenceCount(), 3u);  // two linked, one unlinked
  // The file is kept under the upload directory, named as sent.
  const std::string sha = first["checksum"];
  EXPECT_TRUE(
      std::filesystem::exists(dir_ / "uploads" / sha.substr(0, 2) / sha / "rail-2026-05.csv"));

  auto again = Send(Staff(admin), "/api/v1/batches?name=rail-2026-05.csv", RailwayCsv());
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  json second = json::parse(again->body);
  EXPECT_TRUE(second["already_ingested"].get<bool>());
  EXPECT_EQ(second["id"], id);
  EXPECT_EQ(second["linked"], 2);
  EXPECT_EQ(store_->ListBatches()->size(), 1u);
  EXPECT_EQ(EvidenceCount(), 3u);

  // One audit entry per upload, counts only.
  std::vector<AuditEntry> audit = AuditOf("feed.upload");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].actor, "user:admin");
  EXPECT_EQ(audit[0].target, fmt::format("batch {}", id));
  EXPECT_EQ(json::parse(audit[0].detail)["linked"], 2);
  EXPECT_FALSE(json::parse(audit[0].detail)["already_ingested"].get<bool>());
  EXPECT_TRUE(json::parse(audit[1].detail)["already_ingested"].get<bool>());
  ExpectAuditWithoutPersonalData();

  auto metrics = Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("tacit_feed_batches_total{source=\"railway\"} 1\n"));
  EXPECT_THAT(metrics->body,
              HasSubstr("tacit_feed_rows_total{source=\"railway\",outcome=\"linked\"} 2\n"));
  EXPECT_THAT(metrics->body,
              HasSubstr("tacit_feed_rows_total{source=\"railway\",outcome=\"rejected\"} 1\n"));
}

TEST_F(FeedsTest, APartnerMaySendOnlyItsRegisteredSource) {
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  std::ostringstream health;
  health << kHeader << ",hospital_admission," << persons_[0].id << ",张三丰,M,,,2026-05-03,H1,\n";
  auto res = Send(Partner(key), "/api/v1/batches?name=h.csv&source=health", health.str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(json::parse(res->body)["error"]["message"].get<std::string>(), HasSubstr("railway"));
  EXPECT_TRUE(store_->ListBatches()->empty());
  std::vector<AuditEntry> refused = AuditOf("feed.upload");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].actor, "partner:rail");
  EXPECT_EQ(refused[0].outcome, "denied: permission_denied");

  // Its own source, named or not, is taken.
  auto own = Send(Partner(key), "/api/v1/batches?name=rail.csv&source=railway", RailwayCsv());
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 201) << own->body;
  // Nor may it say when the agency learned the data.
  auto dated =
      Send(Partner(key), "/api/v1/batches?name=rail2.csv&received_on=2026-01-01", RailwayCsv());
  ASSERT_TRUE(dated);
  EXPECT_EQ(dated->status, 403) << dated->body;
}

// The decision documented in docs/api.md: a partner's rows of kinds (or
// sources) it is not registered for are rejected into the quarantine one by
// one; the rest of its file is taken.
TEST_F(FeedsTest, APartnersRowsOfKindsItIsNotRegisteredForAreQuarantined) {
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  std::ostringstream csv;
  csv << kHeader;
  csv << ",travel," << persons_[0].id << ",张三丰,M,,,2026-05-03,T1,\n";
  csv << ",cremation," << persons_[1].id << ",张三丰,M,,,2026-05-04,C1,\n";
  csv << "health,travel," << persons_[1].id << ",张三丰,M,,,2026-05-05,T2,\n";
  auto res = Send(Partner(key), "/api/v1/batches?name=mixed.csv", csv.str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["source"], "railway");
  EXPECT_EQ(j["rejected"], 2);
  // A partner is told what was taken, not whom it linked to (see PartnersCannotProbeTheRegistry).
  EXPECT_FALSE(j.contains("linked"));
  EXPECT_EQ(j["reject_sample"][0]["line"], 3);
  EXPECT_EQ(j["reject_sample"][0]["field"], "kind");
  EXPECT_THAT(j["reject_sample"][0]["reason"].get<std::string>(), HasSubstr("registered: travel"));
  EXPECT_EQ(j["reject_sample"][1]["field"], "source");
  // Nothing of the refused rows is stored: Datong's person has no evidence.
  IdParse datong = ParseIdNumber(persons_[1].id, kToday);
  EXPECT_TRUE(store_->EvidenceOf(datong.id.key())->empty());
}

TEST_F(FeedsTest, OnlyAdminsAndProvinceLevelOperatorsUploadAndAuditorsOnlyRead) {
  for (const char* user : {"op-datong", "op-taiyuan", "rev-datong", "auditor"}) {
    auto res = Send(Staff(SignIn(user)), "/api/v1/batches?name=rail.csv", RailwayCsv());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << user << ": " << res->body;
    auto push = Send(
        Staff(SignIn(user)), "/api/v1/records",
        json{
            {"source", "railway"}, {"kind", "travel"}, {"occurred_on", "2026-05-03"}, {"ref", "R1"}}
            .dump(),
        "application/json");
    ASSERT_TRUE(push);
    EXPECT_EQ(push->status, 403) << user << ": " << push->body;
  }
  EXPECT_TRUE(store_->ListBatches()->empty());
  ASSERT_EQ(Send(Staff(SignIn("admin")), "/api/v1/batches?name=rail.csv", RailwayCsv())->status,
            201);
  Login auditor = SignIn("auditor");
  auto list = Fetch(Staff(auditor), "/api/v1/batches");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json batches = json::parse(list->body)["batches"];
  ASSERT_EQ(batches.size(), 1u);
  auto one =
      Fetch(Staff(auditor), fmt::format("/api/v1/batches/{}", batches[0]["id"].get<int64_t>()));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  // Without credentials, nothing.
  auto anonymous = Client().Get("/api/v1/batches");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

TEST_F(FeedsTest, AFileWithoutTheRequiredColumnsIsRefusedWithAClearMessage) {
  Login admin = SignIn("admin");
  std::ostringstream csv;
  csv << "source,kind,id_number,name\nrailway,travel," << persons_[0].id << ",张三丰\n";
  auto res = Send(Staff(admin), "/api/v1/batches?name=short.csv", csv.str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 400) << res->body;
  json err = json::parse(res->body)["error"];
  EXPECT_EQ(err["code"], "invalid_argument");
  const std::string message = err["message"];
  EXPECT_THAT(message, HasSubstr("short.csv"));
  EXPECT_THAT(message, HasSubstr("occurred_on"));
  EXPECT_THAT(message, Not(HasSubstr(dir_.string())));  // the server's paths stay on the server
  EXPECT_THAT(message, Not(HasSubstr(persons_[0].id)));
  EXPECT_TRUE(store_->ListBatches()->empty());
  // The refused file is not kept.
  const std::string sha = Sha256Hex(csv.str());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "uploads" / sha.substr(0, 2) / sha / "short.csv"));
}

TEST_F(FeedsTest, UploadParametersAreChecked) {
  Login admin = SignIn("admin");
  const auto status_and_field = [&](const std::string& path, const std::string& type) {
    auto res = Send(Staff(admin), path, RailwayCsv(), type);
    EXPECT_TRUE(res);
    if (!res) return std::pair<int, std::string>{0, ""};
    json body = json::parse(res->body);
    return std::pair<int, std::string>{res->status, body["error"].value("field", "")};
  };
  EXPECT_EQ(status_and_field("/api/v1/batches", "text/csv"),
            (std::pair<int, std::string>{400, "name"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=../etc.csv", "text/csv"),
            (std::pair<int, std::string>{400, "name"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=.hidden.csv", "text/csv"),
            (std::pair<int, std::string>{400, "name"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv", "application/pdf"),
            (std::pair<int, std::string>{415, "Content-Type"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv", "application/x-ndjson"),
            (std::pair<int, std::string>{400, "name"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv&mapping=../../etc/passwd", "text/csv"),
            (std::pair<int, std::string>{400, "mapping"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv&mapping=health_hospital", "text/csv"),
            (std::pair<int, std::string>{400, "mapping"}));  // a JSON Lines mapping
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv&source=agency", "text/csv"),
            (std::pair<int, std::string>{400, "source"}));
  EXPECT_EQ(status_and_field("/api/v1/batches?name=a.csv&received_on=2026-11-21", "text/csv"),
            (std::pair<int, std::string>{400, "received_on"}));
  EXPECT_TRUE(store_->ListBatches()->empty());
  // The file name may also come in a header.
  auto c = Client();
  httplib::Headers h = Staff(admin);
  h.emplace("X-File-Name", "rail-header.csv");
  auto res = c.Post("/api/v1/batches?received_on=2026-11-01", h, RailwayCsv(), "text/csv");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(json::parse(res->body)["file_name"], "rail-header.csv");
  EXPECT_EQ(json::parse(res->body)["received_on"], "2026-11-01");
}

TEST_F(FeedsTest, ADepartmentsLayoutIsReadWithAMappingNamedByTheClient) {
  std::ifstream in(std::string(TACIT_SOURCE_DIR) + "/examples/feeds/railway_travel_sample.csv",
                   std::ios::binary);
  std::string sample((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(sample.empty());
  std::ostringstream own;  // plus a row about a registry person
  own << sample << "E900000001,张三丰,1," << persons_[0].id << ",20260502,太原,大同\n";
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  auto res =
      Send(Partner(key), "/api/v1/batches?name=rail-sample.csv&mapping=railway_travel", own.str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["mapping"], "railway_travel");
  EXPECT_EQ(j["rejected"], 0);
  EXPECT_EQ(EvidenceCount(), 1u);  // the registry person's row; the sample's strangers are dropped
  EXPECT_GT(j["rows"].get<int64_t>(), 1);
}

TEST_F(FeedsTest, TheQuarantineReportListsBadLinesWithoutTheRowText) {
  Login admin = SignIn("admin");
  std::ostringstream csv;
  csv << kHeader;
  csv << "railway,travel," << persons_[0].id << ",张三丰,M,,,2026-05-03,T1,\n";
  csv << "railway,travel," << persons_[0].id << ",张三丰,X,,,2026-05-03,T2,\n";
  csv << "railway,travel," << persons_[1].id << ",张三丰,M,,,2026-13-01,T3,\n";
  csv << "railway,travel," << persons_[1].id << ",张三丰,M,,,2026-05-03,,\n";
  auto res = Send(Staff(admin), "/api/v1/batches?name=bad-rows.csv", csv.str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const int64_t id = json::parse(res->body)["id"];
  EXPECT_EQ(json::parse(res->body)["quarantine"], fmt::format("/api/v1/batches/{}/quarantine", id));
  auto q = Fetch(Staff(SignIn("auditor")), fmt::format("/api/v1/batches/{}/quarantine", id));
  ASSERT_TRUE(q);
  ASSERT_EQ(q->status, 200) << q->body;
  EXPECT_THAT(q->body, Not(HasSubstr(persons_[0].id)));
  EXPECT_THAT(q->body, Not(HasSubstr(persons_[1].id)));
  EXPECT_THAT(q->body, Not(HasSubstr("张三丰")));
  json j = json::parse(q->body);
  EXPECT_EQ(j["rejected"], 3);
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][0]["line"], 3);
  EXPECT_EQ(j["rows"][0]["field"], "sex");
  EXPECT_EQ(j["rows"][1]["line"], 4);
  EXPECT_EQ(j["rows"][1]["field"], "occurred_on");
  EXPECT_EQ(j["rows"][2]["line"], 5);
  EXPECT_EQ(j["rows"][2]["field"], "ref");
  EXPECT_THAT(j["rows"][2]["reason"].get<std::string>(), HasSubstr("required"));
  // Paged by line.
  auto page = Fetch(Staff(admin), fmt::format("/api/v1/batches/{}/quarantine?after=3&limit=1", id));
  ASSERT_TRUE(page);
  json p = json::parse(page->body);
  ASSERT_EQ(p["rows"].size(), 1u);
  EXPECT_EQ(p["rows"][0]["line"], 4);
  EXPECT_EQ(p["next_after"], 4);
  // A batch that does not exist.
  auto none = Fetch(Staff(admin), "/api/v1/batches/999/quarantine");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

TEST_F(FeedsTest, ASingleRecordPushedTwiceIsADuplicate) {
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  json record = {{"kind", "travel"},
                 {"id_number", persons_[0].id},
                 {"occurred_on", "2026-05-03"},
                 {"ref", "E1"},
                 {"detail", {{"from", "太原"}}}};
  auto first = Send(Partner(key), "/api/v1/records", record.dump(), "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  json a = json::parse(first->body);
  EXPECT_EQ(a["outcome"], "accepted");  // linked, but a partner is not told so
  EXPECT_FALSE(a["already_ingested"].get<bool>());
  auto second = Send(Partner(key), "/api/v1/records", record.dump(), "application/json");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 200) << second->body;
  json b = json::parse(second->body);
  EXPECT_EQ(b["outcome"], "duplicate");
  EXPECT_EQ(b["batch_id"], a["batch_id"]);
  // The same (source, ref) with other content is the same record too.
  record["occurred_on"] = "2026-05-04";
  auto changed = Send(Partner(key), "/api/v1/records", record.dump(), "application/json");
  ASSERT_TRUE(changed);
  EXPECT_EQ(json::parse(changed->body)["outcome"], "duplicate") << changed->body;
  EXPECT_EQ(EvidenceCount(), 1u);
  EXPECT_EQ(AuditOf("feed.push").size(), 3u);
  ExpectAuditWithoutPersonalData();

  // Without a usable number the record is kept unlinked, with the reason.
  json unlinked = {
      {"kind", "travel"}, {"name", "张三丰"}, {"occurred_on", "2026-05-03"}, {"ref", "E2"}};
  auto u = Send(Partner(key), "/api/v1/records", unlinked.dump(), "application/json");
  ASSERT_TRUE(u);
  EXPECT_EQ(json::parse(u->body)["outcome"], "accepted") << u->body;  // kept unlinked
  EXPECT_FALSE(json::parse(u->body).contains("unlinked_reason")) << u->body;
  json stranger = {
      {"kind", "travel"}, {"id_number", Stranger()}, {"occurred_on", "2026-05-03"}, {"ref", "E3"}};
  auto d = Send(Partner(key), "/api/v1/records", stranger.dump(), "application/json");
  ASSERT_TRUE(d);
  EXPECT_EQ(json::parse(d->body)["outcome"], "accepted") << d->body;  // dropped: told the same as linked
  EXPECT_EQ(EvidenceCount(), 2u);
}

// A department must not learn from tacit's answers which of the numbers it
// sends belong to pensioners: linked and dropped rows, and rejects about
// registry persons and about strangers, answer alike.
TEST_F(FeedsTest, PartnersCannotProbeTheRegistry) {
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  json probe = json::array();
  probe.push_back({{"kind", "travel"}, {"id_number", persons_[0].id}, {"occurred_on", "x"}, {"ref", "P1"}});
  probe.push_back({{"kind", "travel"}, {"id_number", Stranger()}, {"occurred_on", "x"}, {"ref", "P2"}});
  auto res = Send(Partner(key), "/api/v1/records", probe.dump(), "application/json");
  ASSERT_TRUE(res);
  json j = json::parse(res->body);
  ASSERT_EQ(j["rejects"].size(), 2u) << res->body;
  EXPECT_EQ(j["rejects"][0]["reason"], j["rejects"][1]["reason"]) << res->body;
  EXPECT_THAT(res->body, Not(HasSubstr("非领取人员")));
  for (const char* key_name : {"linked", "unlinked", "dropped", "unlinked_reasons"}) {
    EXPECT_FALSE(j.contains(key_name)) << key_name;
  }
  const std::string batch_path = "/api/v1/batches/" + std::to_string(j["batch_id"].get<int64_t>());
  const json batch = json::parse(Fetch(Partner(key), batch_path)->body);
  EXPECT_FALSE(batch.contains("dropped")) << batch.dump();
  auto report = Fetch(Partner(key), batch_path + "/quarantine");
  ASSERT_TRUE(report);
  EXPECT_THAT(report->body, Not(HasSubstr("非领取人员")));
}

TEST_F(FeedsTest, ARecordWithABadDateIsRefusedNamingTheField) {
  Login admin = SignIn("admin");
  json record = {{"source", "railway"},
                 {"kind", "travel"},
                 {"id_number", persons_[0].id},
                 {"occurred_on", "2026-02-30"},
                 {"ref", "E1"}};
  auto res = Send(Staff(admin), "/api/v1/records", record.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 400) << res->body;
  json err = json::parse(res->body)["error"];
  EXPECT_EQ(err["field"], "occurred_on");
  EXPECT_THAT(err["message"].get<std::string>(), HasSubstr("expected a date"));
  EXPECT_THAT(res->body, Not(HasSubstr(persons_[0].id)));
  EXPECT_THAT(res->body, Not(HasSubstr("2026-02-30")));
  EXPECT_EQ(EvidenceCount(), 0u);
  // The same again is answered the same way.
  auto again = Send(Staff(admin), "/api/v1/records", record.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
  EXPECT_EQ(json::parse(again->body)["error"]["field"], "occurred_on");
  // A body that is not a record at all.
  auto junk = Send(Staff(admin), "/api/v1/records", "[1,", "application/json");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
  auto empty = Send(Staff(admin), "/api/v1/records", "[]", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto text = Send(Staff(admin), "/api/v1/records", record.dump(), "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
}

TEST_F(FeedsTest, ABatchedPushReportsCountsAndRejectsByIndex) {
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  json records = json::array();
  records.push_back({{"kind", "travel"},
                     {"id_number", persons_[0].id},
                     {"occurred_on", "2026-05-03"},
                     {"ref", "A1"}});
  records.push_back({{"kind", "cremation"},
                     {"id_number", persons_[1].id},
                     {"occurred_on", "2026-05-03"},
                     {"ref", "A2"}});
  records.push_back({{"kind", "travel"}, {"occurred_on", "2026-05-03"}, {"ref", "A3"}});
  records.push_back({{"kind", "travel"},
                     {"id_number", persons_[1].id},
                     {"occurred_on", "05/03/2026"},
                     {"ref", "A4"}});
  records.push_back({{"kind", "travel"},
                     {"id_number", persons_[1].id},
                     {"occurred_on", "2026-05-04"},
                     {"ref", "A1"}});
  auto res = Send(Partner(key), "/api/v1/records", records.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["records"], 5);
  EXPECT_EQ(j["accepted"], 3);  // linked, unlinked and the duplicate: told alike to a partner
  EXPECT_FALSE(j.contains("linked"));
  EXPECT_EQ(j["rejected"], 2);
  EXPECT_EQ(j["duplicates"], 1);
  ASSERT_EQ(j["rejects"].size(), 2u);
  EXPECT_EQ(j["rejects"][0]["index"], 1);
  EXPECT_EQ(j["rejects"][0]["field"], "kind");
  EXPECT_EQ(j["rejects"][1]["index"], 3);
  EXPECT_EQ(j["rejects"][1]["field"], "occurred_on");
  EXPECT_THAT(res->body, Not(HasSubstr(persons_[1].id)));
  auto again = Send(Partner(key), "/api/v1/records", records.dump(), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_TRUE(json::parse(again->body)["already_ingested"].get<bool>());
  EXPECT_EQ(EvidenceCount(), 2u);
  // Too many records in one push.
  json many = json::array();
  for (int i = 0; i < 10001; ++i) many.push_back({{"kind", "travel"}, {"ref", std::to_string(i)}});
  auto too_many = Send(Partner(key), "/api/v1/records", many.dump(), "application/json");
  ASSERT_TRUE(too_many);
  EXPECT_EQ(too_many->status, 400);
}

TEST_F(FeedsTest, APartnerSeesOnlyItsOwnSourcesBatches) {
  Login admin = SignIn("admin");
  std::ostringstream health;
  health << kHeader << "health,hospital_admission," << persons_[0].id
         << ",张三丰,M,,,2026-05-03,H1,\n";
  auto h = Send(Staff(admin), "/api/v1/batches?name=health.csv", health.str());
  ASSERT_EQ(h->status, 201) << h->body;
  const int64_t health_id = json::parse(h->body)["id"];
  const std::string key = PartnerKey("rail", "railway", {"travel"});
  for (int i = 0; i < 3; ++i) {
    std::ostringstream csv;
    csv << kHeader << ",travel," << persons_[0].id << ",张三丰,M,,,2026-05-0" << i + 1 << ",R" << i
        << ",\n";
    ASSERT_EQ(Send(Partner(key), fmt::format("/api/v1/batches?name=r{}.csv", i), csv.str())->status,
              201);
  }
  auto list = Fetch(Partner(key), "/api/v1/batches?limit=2");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json page = json::parse(list->body);
  ASSERT_EQ(page["batches"].size(), 2u);
  EXPECT_EQ(page["batches"][0]["file_name"], "r2.csv");  // newest first
  EXPECT_EQ(page["batches"][1]["file_name"], "r1.csv");
  auto rest = Fetch(Partner(key), fmt::format("/api/v1/batches?limit=2&before={}",
                                              page["next_before"].get<int64_t>()));
  json next = json::parse(rest->body);
  ASSERT_EQ(next["batches"].size(), 1u);
  EXPECT_EQ(next["batches"][0]["file_name"], "r0.csv");
  EXPECT_FALSE(next.contains("next_before"));
  auto other = Fetch(Partner(key), fmt::format("/api/v1/batches/{}", health_id));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  auto other_q = Fetch(Partner(key), fmt::format("/api/v1/batches/{}/quarantine", health_id));
  ASSERT_TRUE(other_q);
  EXPECT_EQ(other_q->status, 404);
  // Staff see all of them, and may filter by source.
  auto all = Fetch(Staff(admin), "/api/v1/batches");
  EXPECT_EQ(json::parse(all->body)["batches"].size(), 4u);
  auto health_only = Fetch(Staff(admin), "/api/v1/batches?source=health");
  EXPECT_EQ(json::parse(health_only->body)["batches"].size(), 1u);
}

// Pushes arriving together share a unit of work (IngestGroups); each is still
// its own batch, with its own audit entry naming its own sender.
TEST_F(FeedsTest, ConcurrentPushesAreEachTheirOwnBatchAndAuditedForTheirSender) {
  const std::vector<std::pair<std::string, std::string>> partners = {
      {"rail", "railway"}, {"bank", "bank"}, {"health", "health"}};
  const std::map<std::string, std::string> kind_of = {
      {"railway", "travel"}, {"bank", "bank_counter"}, {"health", "health_checkup"}};
  std::map<std::string, std::string> keys;
  for (const auto& [name, source] : partners)
    keys[name] = PartnerKey(name, source, {kind_of.at(source)});
  constexpr int kPushes = 6;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (const auto& [name, source] : partners) {
    threads.emplace_back([&, name = name, source = source] {
      for (int i = 0; i < kPushes; ++i) {
        json records = json::array();
        for (int r = 0; r < 50; ++r) {
          records.push_back({{"kind", kind_of.at(source)},
                             {"id_number", persons_[r % 2].id},
                             {"occurred_on", "2026-05-03"},
                             {"ref", fmt::format("{}-{}-{}", source, i, r)}});
        }
        auto res = Send(Partner(keys[name]), "/api/v1/records", records.dump(), "application/json");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        if (res->status == 201) ++created;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created, 3 * kPushes);
  EXPECT_EQ(EvidenceCount(), static_cast<size_t>(3 * kPushes * 50));
  std::vector<AuditEntry> pushes = AuditOf("feed.push");
  ASSERT_EQ(pushes.size(), static_cast<size_t>(3 * kPushes));
  std::map<std::string, std::string> actor_of = {
      {"railway", "partner:rail"}, {"bank", "partner:bank"}, {"health", "partner:health"}};
  for (const AuditEntry& e : pushes) {
    const int64_t id = std::stoll(e.target.substr(std::string("batch ").size()));
    auto batch = store_->FindBatchById(id);
    ASSERT_TRUE(batch && batch->has_value()) << e.target;
    EXPECT_EQ(e.actor, actor_of.at((*batch)->source)) << e.target;
    EXPECT_EQ(json::parse(e.detail)["linked"], 50);
  }
  auto verify = VerifyAudit(*store_);
  ASSERT_TRUE(verify);
  EXPECT_FALSE(verify->first_broken.has_value()) << verify->reason;
}

TEST_F(FeedsTest, TheOpenApiDescriptionShowsTheUploadsMediaTypes) {
  json doc = json::parse(Client().Get("/api/v1/openapi.json")->body);
  const json& upload = doc["paths"]["/api/v1/batches"]["post"];
  EXPECT_TRUE(upload["requestBody"]["content"].contains("text/csv"));
  EXPECT_TRUE(upload["requestBody"]["content"].contains("application/x-ndjson"));
  EXPECT_EQ(upload["x-tacit-action"], "feed.submit");
  EXPECT_TRUE(doc["paths"]["/api/v1/records"]["post"]["requestBody"]["content"].contains(
      "application/json"));
}

}  // namespace
}  // namespace tacit
