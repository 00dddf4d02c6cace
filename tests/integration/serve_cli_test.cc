// `tacit serve` as an operator runs it: the real binary on a demo province,
// driven by curl. Signing in, a search by identity number (in the body), a
// profile by handle, the CSRF refusal, SIGTERM ending it cleanly with its stop
// in the audit trail, and no identity number in anything it printed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "run.h"

namespace tacit {
namespace {

using nlohmann::json;
using testing::FreshDir;
using testing::Output;
using testing::Tacit;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Output Shell(const std::filesystem::path& dir, const std::string& cmd) {
  Output o;
  FILE* p = popen(("cd '" + dir.string() + "' && " + cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

TEST(ServeCli, CurlSignsInSearchesAndSigtermStopsTheServerCleanly) {
  const auto dir = FreshDir("serve_cli");
  ASSERT_EQ(Tacit(dir, "demo --people 300 --dir . --quiet").status, 0);
  std::ofstream(dir / "pw.txt") << "correct horse battery\n";
  ASSERT_EQ(Tacit(dir, "user add op --role admin < pw.txt").status, 0);
  std::string registry = Read(dir / "registry.csv");
  size_t line = registry.find('\n') + 1;
  const std::string id = registry.substr(line, registry.find(',', line) - line);
  ASSERT_EQ(id.size(), 18u);

  Output started = Shell(dir, std::string("TACIT_TODAY=2026-11-27 '") + TACIT_BINARY +
                                  "' serve --listen 127.0.0.1:0 > serve.out 2>&1 & echo $!");
  const pid_t pid = std::stoi(started.out);
  int port = 0;
  for (int i = 0; i < 100 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string out = Read(dir / "serve.out");
    size_t at = out.find("http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(out.c_str() + at + 17);
  }
  ASSERT_GT(port, 0) << Read(dir / "serve.out");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  EXPECT_NE(Shell(dir, "curl -sf " + base + "/healthz").out.find("\"ok\""), std::string::npos);
  Output login = Shell(dir, "curl -sf -c jar -H 'Content-Type: application/json' -d "
                            "'{\"name\":\"op\",\"password\":\"correct horse battery\"}' " + base + "/api/v1/session");
  ASSERT_EQ(login.status, 0) << login.out;
  const std::string csrf = json::parse(login.out)["csrf_token"];
  const std::string search_body = "'{\"id_number\":\"" + id + "\"}'";
  Output no_csrf = Shell(dir, "curl -s -o /dev/null -w '%{http_code}' -b jar -H 'Content-Type: application/json' -d " +
                                  search_body + " " + base + "/api/v1/persons/search");
  EXPECT_EQ(no_csrf.out, "403");
  Output found = Shell(dir, "curl -sf -b jar -H 'X-CSRF-Token: " + csrf + "' -H 'Content-Type: application/json' -d " +
                                search_body + " " + base + "/api/v1/persons/search");
  ASSERT_EQ(found.status, 0) << found.out;
  EXPECT_EQ(found.out.find(id), std::string::npos);  // masked
  json persons = json::parse(found.out)["persons"];
  ASSERT_EQ(persons.size(), 1u);
  const std::string handle = persons[0]["handle"];
  Output profile = Shell(dir, "curl -sf -b jar " + base + "/api/v1/persons/" + handle);
  ASSERT_EQ(profile.status, 0) << profile.out;
  EXPECT_TRUE(json::parse(profile.out)["certification"].contains("status"));

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = ::kill(pid, 0) != 0;
  }
  EXPECT_TRUE(gone);
  const std::string log = Read(dir / "serve.out");
  EXPECT_NE(log.find("已停止"), std::string::npos) << log;
  EXPECT_EQ(log.find(id), std::string::npos);
  Output trail = Tacit(dir, "audit list --limit 0");
  EXPECT_NE(trail.out.find("server.start"), std::string::npos);
  EXPECT_NE(trail.out.find("session.login"), std::string::npos);
  EXPECT_NE(trail.out.find("server.stop"), std::string::npos);
  EXPECT_EQ(trail.out.find(id), std::string::npos);
  EXPECT_EQ(Tacit(dir, "audit verify").status, 0);
}

}  // namespace
}  // namespace tacit
