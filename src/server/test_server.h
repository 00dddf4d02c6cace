// A test fixture for the server: a store with two counties, two persons and
// one staff account per role, and the real server on 127.0.0.1:0 with an
// injected clock. Included by the server's test files only.
#ifndef TACIT_SRC_SERVER_TEST_SERVER_H_
#define TACIT_SRC_SERVER_TEST_SERVER_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "store/test_registry.h"
#include "tacit/access.h"
#include "tacit/citizen.h"
#include "tacit/secrets.h"
#include "tacit/server.h"
#include "store/test_store_location.h"

namespace tacit {

using nlohmann::json;

inline constexpr char kPassword[] = "correct horse battery";
inline const Date kToday = *ParseDate("2026-11-20");

struct Person {
  std::string id;
  std::string region;
};

class ServerTest : public ::testing::Test {
 protected:
  // Tests may change the options before SetUp() starts the server.
  virtual void Adjust(ServerOptions&) {}
  // The face pipeline the server gets (none by default).
  virtual const FaceAnalyser* Face() { return nullptr; }
  // The channel adapters for citizens' SMS codes (none by default).
  virtual ChannelFactory* Channels() { return nullptr; }

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tacit_server_" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    db_ = TestStoreLocation(dir_);
    auto store = OpenStore(db_);
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
    ASSERT_TRUE(store_->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                       {"1401", "太原市", "14", RegionLevel::kCity},
                                       {"140105", "小店区", "1401", RegionLevel::kCounty},
                                       {"1402", "大同市", "14", RegionLevel::kCity},
                                       {"140202", "新荣区", "1402", RegionLevel::kCounty}}));
    std::vector<RegistryRow> rows;
    for (const auto& [id17, region] : {std::pair{"14010519500101123", "140105001001"},
                                       std::pair{"14020219520202223", "140202001001"}}) {
      RegistryRow r = TestRegistryRow(id17, region, kToday);
      r.person.phone = "13912345678";
      persons_.push_back({r.person.id_number, region});
      rows.push_back(std::move(r));
    }
    ASSERT_TRUE(store_->ImportRegistry(rows, Month::Of(2026, 11)));
    for (const auto& [name, role, region] :
         {std::tuple{"admin", Role::kAdmin, ""}, std::tuple{"op-taiyuan", Role::kOperator, "1401"},
          std::tuple{"op-datong", Role::kOperator, "140202"}, std::tuple{"rev-datong", Role::kReviewer, "140202"},
          std::tuple{"auditor", Role::kAuditor, ""}}) {
      ASSERT_TRUE(AddUser(*store_, {name, role, region, kPassword}, 0));
    }
    now_ms_ = static_cast<int64_t>(kToday.days()) * 86'400'000 + 8 * 3'600'000;
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 4;
    options.upload_dir = (dir_ / "uploads").string();
    options.now_ms = [this] { return now_ms_.load(); };
    options.access.lockout_failures = 3;
    options.login_rate_per_address = 0;  // tests sign in often at one instant; RateLimitedServerTest checks it
    Adjust(options);
    std::string path = db_;
    auto server = Server::Create({.open_store = [path] { return OpenStore(path); },
                                  .policy = policy_,
                                  .secrets = Secrets::FromBytesForTest(std::string(32, 'k')),
                                  .face = Face(),
                                  .channels = Channels()},
                                 options);
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
    auto port = server_->Bind();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    store_.reset();
    DropTestStore(db_);
    std::filesystem::remove_all(dir_);
  }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }

  struct Login {
    std::string cookie;
    std::string csrf;
  };

  Login SignIn(const std::string& name) {
    auto c = Client();
    auto res = c.Post("/api/v1/session", json{{"name", name}, {"password", kPassword}}.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    std::string set_cookie = res->get_header_value("Set-Cookie");
    Login l;
    l.cookie = set_cookie.substr(0, set_cookie.find(';'));
    l.csrf = json::parse(res->body).value("csrf_token", "");
    return l;
  }

  httplib::Result Get(const Login& l, const std::string& path) {
    auto c = Client();
    return c.Get(path, {{"Cookie", l.cookie}});
  }
  httplib::Result Post(const Login& l, const std::string& path, const json& body, bool with_csrf = true) {
    auto c = Client();
    httplib::Headers h = {{"Cookie", l.cookie}};
    if (with_csrf) h.emplace("X-CSRF-Token", l.csrf);
    return c.Post(path, h, body.dump(), "application/json");
  }

  // A citizen session for persons_[i] (named 张三丰), opened through the
  // library on the test's own connection, as the SMS code would open it:
  // for tests of what a signed-in citizen may reach (the sign-in itself is
  // server_citizen_test's).
  Login CitizenSignIn(size_t i) {
    const Secrets secrets = Secrets::FromBytesForTest(std::string(32, 'k'));
    auto unit = store_->Begin();
    auto r = RequestCitizenCode(*store_, secrets, persons_[i].id, "张三丰", now_ms_.load(), CitizenOptions{});
    EXPECT_TRUE(r && !r->code.empty());
    if (!r || r->code.empty()) return {};
    auto c = CheckCitizenCode(*store_, secrets, r->challenge, r->code, now_ms_.load(), CitizenOptions{});
    EXPECT_TRUE(c && c->failure.empty());
    EXPECT_TRUE((*unit)->Commit());
    if (!c) return {};
    return {"tacit_citizen=" + c->token, c->csrf_token};
  }

  std::string HandleOf(const Login& l, const std::string& id) {
    auto res = Post(l, "/api/v1/persons/search", {{"id_number", id}});
    if (!res || res->status != 200) return "";
    json j = json::parse(res->body);
    return j["persons"].empty() ? "" : j["persons"][0].value("handle", "");
  }

  // Sends `request` as raw bytes on a fresh connection and returns what comes
  // back until the server closes it (or 5 s pass).
  std::string RawRequest(const std::string& request) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return "";
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string reply;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return reply;
  }

  std::vector<AuditEntry> AuditEntries() {
    auto store = OpenStore(db_);
    std::vector<AuditEntry> out;
    EXPECT_TRUE((*store)->ForEachAudit(0, 0, [&](const AuditEntry& e) -> Status {
      out.push_back(e);
      return {};
    }));
    return out;
  }

  std::filesystem::path dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
  Policy policy_;
  std::vector<Person> persons_;
  std::atomic<int64_t> now_ms_{0};
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tacit

#endif  // TACIT_SRC_SERVER_TEST_SERVER_H_
