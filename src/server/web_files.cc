// The web pages (docs/web.md): files built by `web/build.mjs` into a directory
// that `tacit serve --web DIR` names, served under / beside the API. Only
// known file types under that directory are served; a path that tries to
// leave it (.., dot files, links out) is not found. Built assets carry a hash
// in their names and may be cached for good; pages are revalidated.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/routes.h"

namespace tacit::server {
namespace {

std::string_view ContentType(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return {};
}

// The file a request path names under `root`, or empty when it names none.
std::filesystem::path Resolve(const std::filesystem::path& root, const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    return {};
  }
  std::filesystem::path rel;
  std::stringstream segments(path.substr(1));
  std::string seg;
  while (std::getline(segments, seg, '/')) {
    if (seg.empty()) continue;
    if (seg[0] == '.') return {};  // "..", ".", ".git", ".env"
    rel /= seg;
  }
  // A directory (/, /c/) is its index page.
  if (path.back() == '/' || rel.empty()) rel /= "index.html";
  std::error_code ec;
  std::filesystem::path file = std::filesystem::weakly_canonical(root / rel, ec);
  if (ec) return {};
  if (std::filesystem::is_directory(file, ec)) {
    file = std::filesystem::weakly_canonical(file / "index.html", ec);
    if (ec) return {};
  }
  // Links that point out of the directory are not followed out of it.
  const std::string base = root.string() + "/";
  if (!file.string().starts_with(base)) return {};
  if (!std::filesystem::is_regular_file(file, ec)) return {};
  return file;
}

}  // namespace

bool ServeWebFile(const std::string& web_dir, const httplib::Request& req, httplib::Response& res) {
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(web_dir, ec);
  if (ec) return false;
  // "/c" without its slash: the citizen page's relative links need the slash.
  if (req.path == "/c") {
    res.status = 301;
    res.set_header("Location", "/c/");
    return true;
  }
  const std::filesystem::path file = Resolve(root, req.path);
  if (file.empty()) return false;
  const std::string_view type = ContentType(file);
  if (type.empty()) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream body;
  body << in.rdbuf();
  res.status = 200;
  res.set_content(body.str(), std::string(type));
  const bool hashed = req.path.starts_with("/assets/");
  res.set_header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  return true;
}

}  // namespace tacit::server
