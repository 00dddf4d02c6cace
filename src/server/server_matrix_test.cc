// Who may call what, for every operation the server describes: each staff
// role, a partner's API key, an attestor's signature, and no credentials.
//
// The expected roles per action are written out here from the matrix in
// docs/security.md, not taken from RoleMay(): the test holds the code to the
// documented matrix. An operation passes the credential and role checks when
// it answers anything but 401 or 403 (its harmless body then fails
// validation, or names nothing: 400, 404, 415). Region scope (404 outside the
// caller's region) and a partner's sources and kinds have their own tests in
// server_test, server_ops_test and server_feeds_test.
//
// A citizen signed in on the citizen page is one more caller: refused every
// staff operation, while the citizen operations (tag "citizen", no action)
// refuse every staff, partner and attestor credential.
#include <set>

#include "server/test_server.h"
#include "tacit/attestation.h"

namespace tacit {
namespace {

const std::vector<std::string> kCallers = {"admin",     "op-taiyuan", "op-datong", "rev-datong", "auditor",
                                           "cm-datong", "partner",    "attestor",  "citizen"};

// From docs/security.md, "The authorisation matrix". op-taiyuan and
// op-datong are city- and county-level operators: neither may submit feeds.
// cm-datong is a community account of the village the test's person lives in.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"person.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"}},
    {"person.reveal", {"admin", "op-taiyuan", "op-datong", "rev-datong"}},
    {"feed.submit", {"admin", "partner"}},
    {"feed.read", {"admin", "op-taiyuan", "op-datong", "auditor", "partner"}},
    {"cycle.run", {"admin"}},
    {"cycle.read", {"admin", "op-taiyuan", "op-datong", "auditor"}},
    {"payroll.read", {"admin"}},
    {"stats.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"}},
    {"case.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"}},
    {"case.decide", {"admin", "rev-datong"}},
    {"review.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"}},
    {"review.decide", {"admin", "rev-datong"}},
    {"recovery.read", {"admin", "op-taiyuan", "op-datong", "auditor"}},
    {"recovery.record", {"admin", "op-taiyuan", "op-datong"}},
    {"user.admin", {"admin"}},
    {"audit.read", {"admin", "auditor"}},
    {"attest", {"attestor"}},
    {"face.enrol", {"admin", "op-taiyuan", "op-datong"}},
    {"face.verify", {"admin", "op-taiyuan", "op-datong"}},
    {"outreach.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor"}},
    {"visit.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor", "cm-datong"}},
    {"visit.assign", {"admin", "op-taiyuan", "op-datong"}},
    {"visit.complete", {"admin", "op-taiyuan", "op-datong", "cm-datong"}},
    {"special.write", {"admin", "op-taiyuan", "op-datong"}},
    {"points.read", {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor", "cm-datong"}},
    {"deaths.report", {"admin", "op-taiyuan", "op-datong", "cm-datong"}},
};

class MatrixTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    const Secrets secrets = Secrets::FromBytesForTest(std::string(32, 'k'));
    auto partner = AddPartner(*store_, policy_, secrets, {"railway", Role::kPartner, "railway", {"travel"}}, 0);
    ASSERT_TRUE(partner);
    partner_key_ = partner->api_key;
    auto attestor = AddPartner(*store_, policy_, secrets,
                               {"city-face", Role::kAttestor, "certification_platform", {"face_auth"}}, 0);
    ASSERT_TRUE(attestor);
    attestor_ = *attestor;
    ASSERT_TRUE(store_->UpsertRegions({{"140202001", "新荣镇", "140202", RegionLevel::kTownship},
                                       {"140202001001", "新荣村委会", "140202001", RegionLevel::kVillage}}));
    ASSERT_TRUE(AddUser(*store_, {"cm-datong", Role::kCommunity, "140202001001", kPassword}, 0));
    for (const char* user : {"admin", "op-taiyuan", "op-datong", "rev-datong", "auditor", "cm-datong"}) {
      logins_[user] = SignIn(user);
    }
    handle_ = HandleOf(logins_["admin"], persons_[1].id);
    ASSERT_FALSE(handle_.empty());
    logins_["citizen"] = CitizenSignIn(1);
    ASSERT_FALSE(logins_["citizen"].cookie.empty());
  }

  httplib::Result Call(const std::string& caller, const std::string& method, const std::string& path) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.body = "{}";
    req.set_header("Content-Type", "application/json");
    if (caller == "partner") {
      req.set_header("Authorization", "Bearer " + partner_key_);
    } else if (caller == "attestor") {
      const std::string t = std::to_string(now_ms_.load() / 1000);
      const std::string nonce = RandomHex(16);
      const std::string bare = path.substr(0, path.find('?'));
      req.set_header("X-Tacit-Key-Id", attestor_.key_id);
      req.set_header("X-Tacit-Timestamp", t);
      req.set_header("X-Tacit-Nonce", nonce);
      req.set_header("X-Tacit-Signature", Sign(attestor_.signing_secret, {method, bare, t, nonce, req.body}));
    } else if (!caller.empty()) {
      req.set_header("Cookie", logins_[caller].cookie);
      req.set_header("X-CSRF-Token", logins_[caller].csrf);
    }
    return Client().send(req);
  }

  std::string Concrete(std::string path) const {
    const std::map<std::string, std::string> values = {
        {"{handle}", handle_}, {"{id}", "999999"}, {"{month}", "2026-11"}, {"{name}", "nobody"},
        {"{evidence_id}", "999999"}};
    for (const auto& [name, value] : values) {
      for (size_t at; (at = path.find(name)) != std::string::npos;) path.replace(at, name.size(), value);
    }
    return path;
  }

  std::string partner_key_;
  PartnerKey attestor_;
  std::map<std::string, Login> logins_;
  std::string handle_;
};

TEST_F(MatrixTest, EveryOperationAnswersEveryCallerAsTheDocumentedMatrixSays) {
  json doc = json::parse(Client().Get("/api/v1/openapi.json")->body);
  int operations = 0, citizen_operations = 0, calls = 0;
  for (const auto& [templ, ops] : doc["paths"].items()) {
    for (const auto& [lower, op] : ops.items()) {
      if (!op.contains("x-tacit-action")) {
        EXPECT_TRUE(op["tags"][0] == "session" || op["tags"][0] == "citizen")
            << templ << ": every operation but the sign-ins and the citizen page's names its action";
        if (op["tags"][0] == "citizen" && !op["security"].empty()) {
          EXPECT_EQ(op["security"], json::array({{{"citizen", json::array()}}})) << templ;
          std::string method = lower;
          for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          const std::string path = Concrete(templ);
          ++citizen_operations;
          for (const std::string& caller : kCallers) {
            // The citizen's own reads answer; its changes are the citizen tests'.
            if (caller == "citizen" && method != "GET") continue;
            auto res = Call(caller, method, path);
            ASSERT_TRUE(res) << caller << " " << method << " " << templ;
            ++calls;
            const bool refused = res->status == 401 || res->status == 403;
            EXPECT_EQ(refused, caller != "citizen") << caller << " " << method << " " << templ << ": " << res->status;
          }
          EXPECT_EQ(Call("", method, path)->status, 401) << method << " " << templ;
        }
        continue;
      }
      const std::string action = op["x-tacit-action"];
      ASSERT_TRUE(kAllowed.contains(action)) << action << " is not in the documented matrix";
      std::string method = lower;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string path = Concrete(templ);
      ++operations;
      for (const std::string& caller : kCallers) {
        auto res = Call(caller, method, path);
        ASSERT_TRUE(res) << caller << " " << method << " " << templ;
        ++calls;
        const bool refused = res->status == 401 || res->status == 403;
        EXPECT_EQ(refused, !kAllowed.at(action).contains(caller))
            << caller << " " << method << " " << templ << " (" << action << "): " << res->status << " " << res->body;
      }
      auto anonymous = Call("", method, path);
      ASSERT_TRUE(anonymous);
      EXPECT_EQ(anonymous->status, 401) << method << " " << templ;
    }
  }
  EXPECT_GE(operations, 47);
  EXPECT_EQ(citizen_operations, 6);
  // Nothing the matrix sent changed anyone: the person is as before and every
  // session still works (no call signed anyone out or disabled them).
  for (const auto& [user, login] : logins_) {
    EXPECT_EQ(Get(login, user == "citizen" ? "/api/v1/citizen/me" : "/api/v1/session")->status, 200) << user;
  }
  RecordProperty("calls", calls);
}

}  // namespace
}  // namespace tacit
