// POST /api/v1/attestations on the real server with a real HTTP client: the
// signature (wrong key, altered body, old or future timestamp, replayed
// nonce), who may call it, the policy's thresholds, and what an accepted
// result becomes (evidence that certifies, with an audit entry).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "server/test_server.h"
#include "tacit/attestation.h"

namespace tacit {
namespace {

constexpr char kPath[] = "/api/v1/attestations";

class AttestationTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    // The registry's baseline certification is kToday: ten days on, a face
    // certification the day before is the latest.
    now_ms_ = now_ms_ + 10 * 86'400'000LL;
    const Secrets secrets = Secrets::FromBytesForTest(std::string(32, 'k'));  // the server's key
    auto face = AddPartner(*store_, policy_, secrets,
                           {"city-face", Role::kAttestor, "certification_platform", {"face_auth"}}, 0);
    ASSERT_TRUE(face) << face.error().ToString();
    face_ = *face;
    auto bank = AddPartner(*store_, policy_, secrets,
                           {"bank-terminals", Role::kAttestor, "bank", {"bank_terminal", "biometric_auth"}}, 0);
    ASSERT_TRUE(bank) << bank.error().ToString();
    bank_ = *bank;
  }

  int64_t NowS() const { return now_ms_.load() / 1000; }

  json FaceResult(const std::string& ref = "r-1") const {
    return {{"id_number", persons_[0].id}, {"method", "face"},      {"certified_at", "2026-11-29T09:30:00+08:00"},
            {"site", "taiyuan-kiosk-07"},  {"score", 0.93},        {"liveness", 0.98},
            {"ref", ref}};
  }

  struct Signed {
    std::string key_id, timestamp, nonce, signature;
  };
  static Signed SignWith(const std::string& key_id, const std::string& secret, const std::string& body, int64_t ts,
                         std::string nonce = "") {
    if (nonce.empty()) nonce = RandomHex(16);
    std::string t = std::to_string(ts);
    return {key_id, t, nonce, Sign(secret, {"POST", kPath, t, nonce, body})};
  }
  httplib::Result Send(const Signed& s, const std::string& body) {
    auto c = Client();
    return c.Post(kPath,
                  {{"X-Tacit-Key-Id", s.key_id},
                   {"X-Tacit-Timestamp", s.timestamp},
                   {"X-Tacit-Nonce", s.nonce},
                   {"X-Tacit-Signature", s.signature}},
                  body, "application/json");
  }
  httplib::Result Attest(const PartnerKey& k, const json& result) {
    const std::string body = result.dump();
    return Send(SignWith(k.key_id, k.signing_secret, body, NowS()), body);
  }

  std::vector<EvidenceRecord> EvidenceOfPerson(size_t i) {
    auto store = OpenStore(db_);
    IdParse p = ParseIdNumber(persons_[i].id, kToday);
    auto e = (*store)->EvidenceOf(p.id.key());
    EXPECT_TRUE(e);
    return e ? *e : std::vector<EvidenceRecord>();
  }

  std::vector<AuditEntry> AttestationEntries() {
    std::vector<AuditEntry> out;
    for (AuditEntry& e : AuditEntries()) {
      if (e.action == "attestation.submit") out.push_back(std::move(e));
    }
    return out;
  }

  static std::string ErrorCodeOf(const httplib::Result& res) {
    json j = json::parse(res->body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }

  PartnerKey face_, bank_;
};

TEST_F(AttestationTest, ASignedResultCertifiesThePersonByThatMethodAndIsAudited) {
  auto res = Attest(face_, FaceResult());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json answer = json::parse(res->body);
  EXPECT_TRUE(answer["created"].get<bool>());
  EXPECT_EQ(answer["kind"], "face_auth");
  EXPECT_EQ(answer["certified_on"], "2026-11-29");
  const int64_t evidence_id = answer["evidence_id"];
  EXPECT_EQ(res->body.find(persons_[0].id), std::string::npos);

  Login admin = SignIn("admin");
  auto profile = Get(admin, "/api/v1/persons/" + HandleOf(admin, persons_[0].id));
  ASSERT_TRUE(profile);
  ASSERT_EQ(profile->status, 200) << profile->body;
  json view = json::parse(profile->body);
  EXPECT_EQ(view["certification"]["status"], "certified");
  EXPECT_EQ(view["certification"]["method"], "face");
  EXPECT_EQ(view["certification"]["last_certified_on"], "2026-11-29");
  EXPECT_EQ(view["certification"]["evidence_id"], evidence_id);
  ASSERT_EQ(view["evidence"].size(), 1u) << view["evidence"].dump();
  EXPECT_EQ(view["evidence"][0]["source"], "certification_platform");
  EXPECT_EQ(view["evidence"][0]["ref"], "city-face/r-1");
  EXPECT_EQ(view["evidence"][0]["link_method"], "exact");

  std::vector<EvidenceRecord> stored = EvidenceOfPerson(0);
  ASSERT_EQ(stored.size(), 1u);
  json detail = json::parse(stored[0].detail);
  EXPECT_EQ(detail["attestor"], "city-face");
  EXPECT_EQ(detail["site"], "taiyuan-kiosk-07");
  EXPECT_EQ(detail["method"], "face");
  EXPECT_DOUBLE_EQ(detail["score"].get<double>(), 0.93);
  EXPECT_DOUBLE_EQ(detail["liveness"].get<double>(), 0.98);

  std::vector<AuditEntry> audit = AttestationEntries();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "attestor:city-face");
  EXPECT_EQ(audit[0].target, "person " + MaskIdNumber(persons_[0].id));
  EXPECT_EQ(audit[0].outcome, "ok");
  EXPECT_EQ(json::parse(audit[0].detail)["evidence_id"], evidence_id);
  for (const AuditEntry& e : AuditEntries()) {
    EXPECT_EQ(e.target.find(persons_[0].id), std::string::npos);
    EXPECT_EQ(e.detail.find(persons_[0].id), std::string::npos);
  }
}

TEST_F(AttestationTest, ResendingTheSameRefAnswersTheSameEvidenceWithoutASecondRecord) {
  auto first = Attest(face_, FaceResult());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  auto again = Attest(face_, FaceResult());  // a new nonce and timestamp, the same result
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(json::parse(again->body)["evidence_id"], json::parse(first->body)["evidence_id"]);
  EXPECT_FALSE(json::parse(again->body)["created"].get<bool>());
  EXPECT_EQ(EvidenceOfPerson(0).size(), 1u);
  EXPECT_EQ(AttestationEntries().back().outcome, "ok: recorded before");
  // The same ref for another person is not a resend.
  json other = FaceResult();
  other["id_number"] = persons_[1].id;
  auto reused = Attest(face_, other);
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->status, 409) << reused->body;
  EXPECT_EQ(ErrorCodeOf(reused), "ref_reused");
  EXPECT_TRUE(EvidenceOfPerson(1).empty());
}

TEST_F(AttestationTest, AReplayedNonceIsRefused) {
  const std::string body = FaceResult().dump();
  const Signed s = SignWith(face_.key_id, face_.signing_secret, body, NowS());
  auto first = Send(s, body);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  auto replay = Send(s, body);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401) << replay->body;
  EXPECT_EQ(ErrorCodeOf(replay), "unauthenticated");
  EXPECT_NE(replay->body.find("replayed"), std::string::npos) << replay->body;
  // A minute later the timestamp is still inside the window: still a replay.
  now_ms_ = now_ms_ + 60'000;
  auto later = Send(s, body);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 401);
  EXPECT_EQ(EvidenceOfPerson(0).size(), 1u);
  EXPECT_EQ(AttestationEntries().size(), 1u);
}

TEST_F(AttestationTest, TimestampsMoreThanFiveMinutesOldOrAheadAreRefused) {
  const std::string body = FaceResult().dump();
  for (int64_t offset : {-360, 360}) {
    auto res = Send(SignWith(face_.key_id, face_.signing_secret, body, NowS() + offset), body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << offset << " " << res->body;
    EXPECT_NE(res->body.find("X-Tacit-Timestamp"), std::string::npos) << res->body;
  }
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
  auto inside = Send(SignWith(face_.key_id, face_.signing_secret, body, NowS() - 290), body);
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->status, 201) << inside->body;
}

TEST_F(AttestationTest, ABodyAlteredAfterSigningIsRefused) {
  json result = FaceResult();
  const Signed s = SignWith(face_.key_id, face_.signing_secret, result.dump(), NowS());
  result["liveness"] = 0.99;
  auto res = Send(s, result.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  // One byte of white space is an alteration too: the body is verified as sent.
  const std::string body = FaceResult().dump();
  auto spaced = Send(SignWith(face_.key_id, face_.signing_secret, body, NowS()), body + " ");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->status, 401) << spaced->body;
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
}

TEST_F(AttestationTest, AWrongSecretOrAnUnknownKeyIsRefused) {
  const std::string body = FaceResult().dump();
  auto wrong = Send(SignWith(face_.key_id, RandomHex(32), body, NowS()), body);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401) << wrong->body;
  // Another attestor's secret under this key id.
  auto crossed = Send(SignWith(face_.key_id, bank_.signing_secret, body, NowS()), body);
  ASSERT_TRUE(crossed);
  EXPECT_EQ(crossed->status, 401) << crossed->body;
  auto unknown = Send(SignWith("k0123456789abcdef", face_.signing_secret, body, NowS()), body);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401) << unknown->body;
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
  EXPECT_TRUE(AttestationEntries().empty());
}

TEST_F(AttestationTest, APartnerKeyOrAStaffSessionCannotAttest) {
  auto partner = AddPartner(*store_, policy_, Secrets::FromBytesForTest(std::string(32, 'k')),
                            {"railway", Role::kPartner, "railway", {"travel"}}, 0);
  ASSERT_TRUE(partner);
  auto c = Client();
  auto by_partner = c.Post(kPath, {{"Authorization", "Bearer " + partner->api_key}}, FaceResult().dump(),
                           "application/json");
  ASSERT_TRUE(by_partner);
  EXPECT_EQ(by_partner->status, 401) << by_partner->body;
  for (const char* user : {"admin", "op-taiyuan"}) {
    auto by_staff = Post(SignIn(user), kPath, FaceResult());
    ASSERT_TRUE(by_staff);
    EXPECT_EQ(by_staff->status, 401) << user << " " << by_staff->body;
  }
  auto anonymous = c.Post(kPath, FaceResult().dump(), "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  // An attestor's signature opens this endpoint only: it is no session.
  const Signed s = SignWith(face_.key_id, face_.signing_secret, "", NowS());
  auto elsewhere = c.Get("/api/v1/audit", {{"X-Tacit-Key-Id", s.key_id},
                                            {"X-Tacit-Timestamp", s.timestamp},
                                            {"X-Tacit-Nonce", s.nonce},
                                            {"X-Tacit-Signature", s.signature}});
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 401);
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
}

TEST_F(AttestationTest, AMethodTheAttestorIsNotRegisteredForIsForbidden) {
  json fingerprint = FaceResult();
  fingerprint["method"] = "fingerprint";
  auto res = Attest(face_, fingerprint);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(ErrorCodeOf(res), "method_not_registered");
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
  ASSERT_EQ(AttestationEntries().size(), 1u);
  EXPECT_EQ(AttestationEntries()[0].outcome, "refused: method_not_registered");
  // The bank's terminals are registered for biometrics: the same result is theirs to send.
  auto bank = Attest(bank_, fingerprint);
  ASSERT_TRUE(bank);
  ASSERT_EQ(bank->status, 201) << bank->body;
  std::vector<EvidenceRecord> stored = EvidenceOfPerson(0);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].kind, "biometric_auth");
  EXPECT_EQ(stored[0].source, "bank");
  EXPECT_EQ(json::parse(stored[0].detail)["modality"], "fingerprint");
}

TEST_F(AttestationTest, AResultBelowThePolicysThresholdsIsRefusedAndNothingIsStored) {
  json low_score = FaceResult("r-low");
  low_score["score"] = 0.5;
  auto res = Attest(face_, low_score);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_EQ(ErrorCodeOf(res), "below_threshold");
  EXPECT_EQ(json::parse(res->body)["error"]["field"], "score");

  json low_liveness = FaceResult("r-spoof");
  low_liveness["liveness"] = 0.2;
  res = Attest(face_, low_liveness);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["field"], "liveness");

  json no_liveness = FaceResult("r-photo");
  no_liveness.erase("liveness");
  res = Attest(face_, no_liveness);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["field"], "liveness");

  EXPECT_TRUE(EvidenceOfPerson(0).empty());
  std::vector<AuditEntry> audit = AttestationEntries();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].outcome, "refused: below_threshold");
  EXPECT_EQ(audit[0].target, "person " + MaskIdNumber(persons_[0].id));
  EXPECT_EQ(audit[1].outcome, "refused: below_threshold");
  EXPECT_EQ(audit[2].outcome, "refused: invalid_field");
}

TEST_F(AttestationTest, AnUnknownPersonIsNotFoundAndTheNumberIsNotEchoed) {
  std::string id = "14010519491231002";
  id += IdCheckCharacter(id);
  json stranger = FaceResult();
  stranger["id_number"] = id;
  auto res = Attest(face_, stranger);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404) << res->body;
  EXPECT_EQ(res->body.find(id), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find(id.substr(0, 17)), std::string::npos);
  std::vector<AuditEntry> audit = AttestationEntries();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].target, "person (not in the registry)");
  EXPECT_EQ(audit[0].outcome, "refused: unknown_person");
  for (const AuditEntry& e : AuditEntries()) {
    EXPECT_EQ(e.detail.find(id.substr(0, 17)), std::string::npos);
  }
  // A malformed number: 400, and not echoed either.
  stranger["id_number"] = id.substr(0, 17) + (id.back() == '0' ? "1" : "0");
  res = Attest(face_, stranger);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"]["field"], "id_number");
  EXPECT_EQ(res->body.find(id.substr(0, 17)), std::string::npos);
}

TEST_F(AttestationTest, MalformedFieldsAreRefusedWithTheirPath) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"method", "iris"},         {"certified_at", "2026-11-29"},       {"certified_at", "2026-12-29T09:30:00Z"},
      {"score", 1.5},             {"score", "high"},                    {"ref", "has space"},
      {"site", ""},               {"ref", "x" + persons_[0].id}};
  for (const auto& [field, value] : cases) {
    json result = FaceResult();
    result[field] = value;
    auto res = Attest(face_, result);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << field << " " << value.dump() << " " << res->body;
    EXPECT_EQ(json::parse(res->body)["error"]["field"], field) << res->body;
  }
  const std::string not_json = "{\"id_number\": ";
  auto res = Send(SignWith(face_.key_id, face_.signing_secret, not_json, NowS()), not_json);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_TRUE(EvidenceOfPerson(0).empty());
  for (const AuditEntry& e : AuditEntries()) EXPECT_EQ(e.detail.find(persons_[0].id), std::string::npos);
}

// The client example in docs/api.md, run as written (sh, openssl, curl)
// against this server with the real clock.
TEST_F(AttestationTest, TheShellExampleInTheApiDocumentationWorks) {
  std::ifstream doc(std::string(TACIT_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(doc) << "docs/api.md";
  std::stringstream text;
  text << doc.rdbuf();
  const std::string md = text.str();
  const size_t marker = md.find("<!-- attest-example");
  ASSERT_NE(marker, std::string::npos);
  const size_t open = md.find("```sh\n", marker);
  ASSERT_NE(open, std::string::npos);
  const size_t close = md.find("\n```", open + 6);
  ASSERT_NE(close, std::string::npos);
  const std::filesystem::path script = dir_ / "attest.sh";
  std::ofstream(script) << md.substr(open + 6, close - open - 6 + 1);

  const auto real_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  now_ms_ = real_now;
  const std::time_t at = static_cast<std::time_t>(real_now / 1000 - 60);
  std::tm tm{};
  gmtime_r(&at, &tm);
  char certified_at[32];
  std::strftime(certified_at, sizeof certified_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::string command = fmt::format(
      "TACIT_URL=http://127.0.0.1:{} TACIT_KEY_ID={} TACIT_SECRET={} ID_NUMBER={} CERTIFIED_AT={} "
      "SITE=taiyuan-kiosk-07 SCORE=0.93 LIVENESS=0.98 REF=doc-example-1 sh {} 2>&1",
      port_, face_.key_id, face_.signing_secret, persons_[0].id, certified_at, script.string());
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << output;
  json answer = json::parse(output, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << output;
  EXPECT_TRUE(answer.value("created", false)) << output;
  EXPECT_EQ(answer.value("kind", ""), "face_auth") << output;
  ASSERT_EQ(EvidenceOfPerson(0).size(), 1u);
  EXPECT_EQ(EvidenceOfPerson(0)[0].ref, "city-face/doc-example-1");
}

}  // namespace
}  // namespace tacit
