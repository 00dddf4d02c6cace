// WriteQuarantine: the rejected rows of a batch as a CSV a person can open,
// fix and send back.

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <charconv>
#include <string>
#include <string_view>

#include "feed/csv.h"
#include "feed/file_bytes.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

// Appends `value` as one CSV field, quoted when it holds a comma, a quote, a
// line break or leading/trailing spaces (which readers would otherwise trim).
void AppendCsvField(std::string* out, std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' ' ||
                                         value.front() == '\t' || value.back() == '\t'));
  if (!quote) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

std::string CsvField(std::string_view value) {
  std::string out;
  AppendCsvField(&out, value);
  return out;
}

std::string QuarantinePathFor(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / "quarantine" / (p.filename().string() + ".quarantine.csv")).string();
}

Status WriteQuarantine(const std::string& path, const std::vector<FeedReject>& rejects) {
  // The quarantine/ directory itself may be new; its parent (the batch's
  // directory) must exist.
  std::error_code dir_error;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directory(dir, dir_error);
  // A UTF-8 byte-order mark first: staff open quarantine files in Excel, which
  // shows Chinese text without one as mojibake. tacit's own reader skips it.
  std::string out = "\xEF\xBB\xBF" "file,line,field,reason,raw\n";
  for (const FeedReject& r : rejects) {
    AppendCsvField(&out, r.file);
    out.push_back(',');
    out += std::to_string(r.line);
    out.push_back(',');
    AppendCsvField(&out, r.field);
    out.push_back(',');
    AppendCsvField(&out, r.reason);
    out.push_back(',');
    AppendCsvField(&out, r.raw);
    out.push_back('\n');
  }
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return Unavailable(
        fmt::format("cannot write quarantine file {}: {}", tmp, std::strerror(errno)));
  }
  const bool written = std::fwrite(out.data(), 1, out.size(), f) == out.size() &&
                       std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    return Unavailable(fmt::format("cannot write quarantine file {}: {}", tmp,
                                   std::strerror(written ? errno : write_errno)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Unavailable(
        fmt::format("cannot move quarantine file into place at {}: {}", path, std::strerror(err)));
  }
  return {};
}

Result<std::vector<FeedReject>> ReadQuarantine(const std::string& path) {
  ASSIGN_OR_RETURN(feed_internal::FileBytes file, feed_internal::FileBytes::Open(path));
  std::string_view text = file.bytes();
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  feed_internal::CsvScanner scanner(text, ',');
  scanner.set_expected_fields(5);
  feed_internal::CsvRecord rec;
  const auto not_quarantine = [&path](int64_t line, std::string_view what) {
    return DataLoss(fmt::format("{}:{}: not a quarantine file: {}", path, line, what));
  };
  if (!scanner.Next(&rec) || !rec.error.empty() || rec.fields.size() != 5 || rec.fields[0] != "file" ||
      rec.fields[1] != "line" || rec.fields[2] != "field" || rec.fields[3] != "reason" || rec.fields[4] != "raw") {
    return not_quarantine(1, "expected the header file,line,field,reason,raw");
  }
  std::vector<FeedReject> out;
  while (scanner.Next(&rec)) {
    if (!rec.error.empty() || rec.fields.size() != 5) {
      return not_quarantine(rec.line, "expected 5 fields");
    }
    FeedReject r;
    const std::string_view line = rec.fields[1];
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), r.line);
    if (ec != std::errc() || end != line.data() + line.size()) {
      return not_quarantine(rec.line, "the line column is not a number");
    }
    r.file = std::string(rec.fields[0]);
    r.field = std::string(rec.fields[2]);
    r.reason = std::string(rec.fields[3]);
    r.raw = std::string(rec.fields[4]);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tacit
