// Feeds through the API: a department's file uploaded whole (CSV or JSON
// Lines), records pushed one at a time or as a JSON array, batch status and
// the quarantine report.
//
// Every upload and every push is a batch ingested by IngestFiles, the code
// path of `tacit ingest`: the bytes are kept under ServerOptions::upload_dir
// and ingested from there, so parsing, validation, linking, idempotence (a
// file by checksum and name, a record by source and ref) and the quarantine
// are the library's. A partner's file is read against its registration
// (FeedRegistration): rows of another source or kind are rejected into the
// quarantine one by one, the rest of the file is taken.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "server/routes.h"
#include "tacit/ingest.h"
#include "tacit/secrets.h"
#include "tacit/stream.h"

namespace tacit::server {
namespace {

namespace fs = std::filesystem;

// A batched push: at most this many records, in at most this many bytes.
constexpr size_t kMaxRecords = 10'000;
constexpr size_t kMaxRecordsBody = 16u << 20;
// An upload's answer shows this many rejects; the quarantine report has all.
constexpr size_t kUploadRejectSample = 20;

bool IsPartner(const Principal& p) { return p.kind == Principal::Kind::kPartner; }

// A refused attempt to send data: kept in the trail (a partner probing for
// sources it is not registered for is what an auditor looks for).
tl::unexpected<HttpError> Refuse(Context& ctx, const std::string& action, std::string message) {
  (void)ctx.Audit(action, ctx.req.method + " " + ctx.req.path, "", "denied: permission_denied");
  return tl::unexpected(HttpError(ErrorCode::kPermissionDenied, std::move(message)));
}

// The body's format from its Content-Type.
HttpResult<FeedFormat> BodyFormat(const Context& ctx) {
  std::string type = ctx.req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (type == "text/csv") return FeedFormat::kCsv;
  if (type == "application/x-ndjson" || type == "application/jsonl") return FeedFormat::kJsonLines;
  HttpError e(ErrorCode::kInvalidArgument,
              "不支持的内容类型 (Content-Type must be text/csv or application/x-ndjson)",
              "Content-Type");
  e.status = 415;
  e.code_name = "unsupported_media_type";
  return tl::unexpected(e);
}

bool IsUtf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

// The upload's file name: a plain name, never a path. It is half of the
// batch's identity (with the checksum), as for `tacit ingest`.
HttpResult<std::string> FileName(const Context& ctx) {
  std::string name = ctx.Query("name");
  if (name.empty()) name = ctx.req.get_header_value("X-File-Name");
  if (name.empty()) {
    return BadField("name", "缺少文件名 (give the file name as ?name= or the X-File-Name header)");
  }
  const bool plain = name.size() <= 200 && name.front() != '.' && name != "quarantine" &&
                     IsUtf8(name) && std::none_of(name.begin(), name.end(), [](char c) {
                       const auto u = static_cast<unsigned char>(c);
                       return c == '/' || c == '\\' || u < 0x20 || u == 0x7F;
                     });
  if (!plain) {
    return BadField("name",
                    "文件名须为不含路径的普通文件名 (a plain file name of at most 200 bytes: "
                    "no path separators, no control characters, not starting with a dot)");
  }
  return name;
}

// The default source of the rows. A partner's is its registered source; it
// may repeat it, not name another.
HttpResult<std::string> DefaultSource(Context& ctx, const std::string& action) {
  const std::string given = ctx.Query("source");
  if (IsPartner(ctx.principal)) {
    if (!given.empty() && given != ctx.principal.source) {
      return Refuse(
          ctx, action,
          fmt::format(
              "该接入方只能报送 {} 的数据 (this partner is registered for source '{}' only)",
              ctx.principal.source, ctx.principal.source));
    }
    return ctx.principal.source;
  }
  if (!given.empty() && (given == kAgencySource || ctx.svc.policy.FindSource(given) == nullptr)) {
    return BadField("source",
                    "source 不是政策声明的数据来源 (not a partner source the policy declares)");
  }
  return given;
}

// ?mapping=NAME: a mapping of the server's mapping directory, by name.
// Returns its path, or "" for the canonical layout.
HttpResult<std::string> MappingPath(const Context& ctx, const std::string& name,
                                    FeedFormat body_format) {
  const std::string mapping = ctx.Query("mapping");
  std::optional<FeedFormat> declared;
  std::string path;
  if (!mapping.empty()) {
    const bool plain =
        mapping.size() <= 64 && std::all_of(mapping.begin(), mapping.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
    std::error_code ec;
    path = (fs::path(ctx.svc.options.mapping_dir) / (mapping + ".toml")).string();
    if (!plain || !fs::is_regular_file(path, ec)) {
      std::vector<std::string> known;
      for (const auto& entry : fs::directory_iterator(ctx.svc.options.mapping_dir, ec)) {
        if (entry.path().extension() == ".toml") known.push_back(entry.path().stem().string());
      }
      std::sort(known.begin(), known.end());
      return BadField("mapping", fmt::format("没有这个映射 (no such mapping; known: {})",
                                             fmt::join(known, ", ")));
    }
    auto loaded = LoadMapping(path);
    if (!loaded) {
      spdlog::error("mapping {}: {}", mapping, loaded.error().message);
      return tl::unexpected(HttpError(ErrorCode::kInternal, "mapping cannot be loaded"));
    }
    declared = loaded->format;
  }
  if (declared.value_or(FeedFormatForPath(name)) != body_format) {
    return BadField(
        declared ? "mapping" : "name",
        declared
            ? "Content-Type 与映射声明的格式不符 (Content-Type does not match the mapping's format)"
            : "Content-Type 与文件扩展名不符 (Content-Type does not match the file name: name JSON "
              "Lines files *.jsonl or *.ndjson, CSV files anything else)");
  }
  return path;
}

// ?received_on=: when the agency learned the data; today by default. Only
// staff may date it otherwise: a partner's data is learned when it arrives.
HttpResult<Date> ReceivedOn(Context& ctx, const std::string& action) {
  const std::string text = ctx.Query("received_on");
  const Date today = TodayOf(ctx);
  if (text.empty()) return today;
  if (IsPartner(ctx.principal)) {
    return Refuse(
        ctx, action,
        "接入方不能指定获知日期 (a partner cannot set received_on: it is the day of receipt)");
  }
  auto date = ParseDate(text);
  if (!date) return BadField("received_on", "received_on 应为 YYYY-MM-DD (expected YYYY-MM-DD)");
  if (*date > today)
    return BadField("received_on", "获知日期不能晚于今天 (received_on cannot be after today)");
  return *date;
}

struct KeptFile {
  std::string path;
  bool fresh = false;  // this request created it (so a failure removes it)
};

// Keeps the bytes at upload_dir/<sha256[0:2]>/<sha256>/<name>, so that the
// same name with other bytes never replaces an earlier batch's file; written
// to a temporary file beside it, flushed to disk, then renamed into place.
HttpResult<KeptFile> Keep(const ServerOptions& options, std::string_view bytes,
                          const std::string& sha256, const std::string& name) {
  const fs::path dir = fs::path(options.upload_dir) / sha256.substr(0, 2) / sha256;
  const auto unavailable = [&](const std::string& what) {
    // The directory is the checksum: the client's file name (which may name a
    // person) stays out of the log.
    spdlog::error("upload {}: {}", dir.string(), what);
    return tl::unexpected(
        HttpError(ErrorCode::kUnavailable, "上传的文件无法保存 (the upload cannot be stored)"));
  };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return unavailable(ec.message());
  KeptFile kept{(dir / name).string(), !fs::exists(dir / name, ec)};
  const std::string tmp = (dir / (".upload-" + RandomHex(8))).string();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return unavailable(std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool written = done == bytes.size() && ::fsync(fd) == 0;
  const int err = errno;
  if (::close(fd) != 0 || !written || std::rename(tmp.c_str(), kept.path.c_str()) != 0) {
    const std::string why = std::strerror(written ? errno : err);
    fs::remove(tmp, ec);
    return unavailable(why);
  }
  return kept;
}

// The counts of a batch as the audit trail keeps them (no names, no numbers).
std::string AuditDetail(const BatchRecord& b, bool already_ingested) {
  return json{{"source", b.source},
              {"mapping", b.mapping},
              {"rows", b.rows},
              {"linked", b.linked},
              {"unlinked", b.unlinked},
              {"dropped", b.dropped},
              {"rejected", b.rejected},
              {"duplicates", b.duplicates},
              {"already_ingested", already_ingested}}
      .dump();
}

void CountBatch(Metrics& metrics, const BatchRecord& b) {
  const std::string source = fmt::format("source=\"{}\"", b.source);
  metrics.Add("tacit_feed_batches_total",
              "Feed batches ingested through the API (a repeated file not counted).", source, 1);
  for (const auto& [outcome, n] :
       {std::pair{"linked", b.linked}, std::pair{"unlinked", b.unlinked},
        std::pair{"dropped", b.dropped}, std::pair{"rejected", b.rejected},
        std::pair{"duplicate", b.duplicates}}) {
    metrics.Add("tacit_feed_rows_total", "Feed rows ingested through the API, by outcome.",
                fmt::format("{},outcome=\"{}\"", source, outcome), static_cast<double>(n));
  }
}

// Ingests one kept file with its audit entry: in the unit of work of the
// batch when one is recorded, on its own when the file had been ingested
// before (nothing changed, but the attempt is on record).
HttpResult<IngestFileReport> IngestKept(Context& ctx, const IngestInput& in, const KeptFile& kept,
                                        const std::string& shown_name, const std::string& action) {
  // The same options for every request: a group runs with its leader's. All
  // rejects are kept, for a batched push's answer (at most kMaxRecords).
  const IngestOptions options{.today = TodayOf(ctx), .reject_sample = kMaxRecords};
  // Runs on the thread that leads this request's group, on the store
  // connection the group's unit of work runs on.
  const auto audit = [&](Store& unit, const IngestFileReport& r) -> Status {
    return AppendAudit(unit,
                       {ctx.principal.Actor(), action, fmt::format("batch {}", r.batch.id),
                        AuditDetail(r.batch, false), "ok"},
                       ctx.svc.NowMs());
  };
  auto reports = ctx.svc.ingest_groups.Ingest(ctx.store, in, options, audit);
  if (!reports) {
    std::error_code ec;
    if (kept.fresh) fs::remove(kept.path, ec);
    // The library names the file by its path on this server: the client knows it by its name.
    std::string message = reports.error().message;
    for (size_t at = message.find(kept.path); at != std::string::npos;
         at = message.find(kept.path, at)) {
      message.replace(at, kept.path.size(), shown_name);
      at += shown_name.size();
    }
    switch (reports.error().code) {
      case ErrorCode::kInvalidArgument:
        return tl::unexpected(HttpError(ErrorCode::kInvalidArgument,
                                        "文件无法导入 (the file cannot be ingested): " + message,
                                        "body"));
      case ErrorCode::kFailedPrecondition:
        return tl::unexpected(HttpError(ErrorCode::kFailedPrecondition,
                                        "暂不能导入 (cannot ingest now): " + message));
      default:
        // Storage failures name server paths (the quarantine directory, the
        // store): logged, and the client told what it can act on.
        spdlog::error("ingest of an upload: {}", reports.error().ToString());
        return tl::unexpected(HttpError(reports.error().code, "暂不能导入，请稍后重试 (cannot ingest now; try again later)"));
    }
  }
  IngestFileReport report = std::move(*reports);
  if (report.already_ingested) {
    // A partner learns nothing about another source's batch from a file that
    // happens to be identical to it.
    if (IsPartner(ctx.principal) && report.batch.source != ctx.principal.source) {
      return tl::unexpected(HttpError(
          ErrorCode::kAlreadyExists,
          "相同的文件已由其他来源报送 (an identical file was sent under another source)"));
    }
    RETURN_IF_ERROR(ctx.Audit(action, fmt::format("batch {}", report.batch.id),
                              AuditDetail(report.batch, true)));
  } else {
    CountBatch(ctx.svc.metrics, report.batch);
  }
  return report;
}

// What a batch's counts tell depends on who asks. Staff see how rows were
// linked; a partner sees only accepted, rejected and duplicate rows: linked
// against dropped (or a reject's note that the row is about someone who draws
// nothing) would tell a department which of the numbers it sends belong to
// pensioners — the registry itself, one probe at a time.
json BatchJson(const BatchRecord& b, const Principal& caller) {
  json out = {{"id", b.id},
              {"file_name", b.file_name},
              {"source", b.source},
              {"mapping", b.mapping},
              {"received_on", b.received_on.ToString()},
              {"ingested_at", b.ingested_at},
              {"checksum", b.sha256},
              {"rows", b.rows},
              {"accepted", b.accepted},
              {"linked", b.linked},
              {"unlinked", b.unlinked},
              {"dropped", b.dropped},
              {"rejected", b.rejected},
              {"duplicates", b.duplicates},
              {"quarantine",
               b.rejected > 0 ? json(fmt::format("/api/v1/batches/{}/quarantine", b.id)) : json()}};
  if (IsPartner(caller)) {
    for (const char* key : {"linked", "unlinked", "dropped"}) out.erase(key);
  }
  return out;
}

std::string ReasonFor(const FeedReject& r, const Principal& caller) {
  std::string reason = r.reason;
  if (IsPartner(caller)) {
    if (size_t at = reason.find(kStrangerRejectNote); at != std::string::npos) {
      reason.erase(at, kStrangerRejectNote.size());
    }
  }
  return reason;
}

json RejectJson(const FeedReject& r, const Principal& caller) {
  return {{"line", r.line}, {"field", r.field}, {"reason", ReasonFor(r, caller)}};
}

HttpResult<Reply> Upload(Context& ctx) {
  static const std::string kAction = "feed.upload";
  ASSIGN_OR_RETURN(FeedFormat format, BodyFormat(ctx));
  ASSIGN_OR_RETURN(std::string name, FileName(ctx));
  ASSIGN_OR_RETURN(std::string source, DefaultSource(ctx, kAction));
  ASSIGN_OR_RETURN(std::string mapping, MappingPath(ctx, name, format));
  ASSIGN_OR_RETURN(Date received_on, ReceivedOn(ctx, kAction));
  ASSIGN_OR_RETURN(KeptFile kept,
                   Keep(ctx.svc.options, ctx.req.body, Sha256Hex(ctx.req.body), name));
  IngestInput in{kept.path, mapping, source, received_on};
  if (IsPartner(ctx.principal))
    in.registration = FeedRegistration{ctx.principal.source, ctx.principal.kinds};
  ASSIGN_OR_RETURN(IngestFileReport report, IngestKept(ctx, in, kept, name, kAction));
  json out = BatchJson(report.batch, ctx.principal);
  out["already_ingested"] = report.already_ingested;
  if (!report.already_ingested && IsPartner(ctx.principal)) {
    json sample = json::array();
    for (size_t i = 0; i < report.reject_sample.size() && i < kUploadRejectSample; ++i) {
      sample.push_back(RejectJson(report.reject_sample[i], ctx.principal));
    }
    out["reject_sample"] = sample;
  } else if (!report.already_ingested) {
    out["persons_alive"] = report.persons_alive;
    out["persons_dead"] = report.persons_dead;
    out["unlinked_reasons"] = report.unlinked_reasons;
    json sample = json::array();
    for (size_t i = 0; i < report.reject_sample.size() && i < kUploadRejectSample; ++i) {
      sample.push_back(RejectJson(report.reject_sample[i], ctx.principal));
    }
    out["reject_sample"] = sample;
  }
  return Reply::Json(out, report.already_ingested ? 200 : 201);
}

// What became of the one record of a single push.
std::string Outcome(const IngestFileReport& report) {
  const BatchRecord& b = report.batch;
  // A rejected record is rejected again when sent again: it never got as far
  // as the (source, ref) check.
  if (b.rejected > 0) return "rejected";
  if (report.already_ingested || b.duplicates > 0) return "duplicate";
  if (b.linked > 0) return "linked";
  if (b.unlinked > 0) return "unlinked";
  return "dropped";
}

// A push when the server runs with --stream: the records go to the feed
// stream, each to its person's partition, and the consumers apply them (tacit
// stream consume); the answer says what the stream took, not what linked.
HttpResult<Reply> PublishPushed(Context& ctx, const KeptFile& kept, const std::string& source, bool single) {
  PublishInput in{kept.path, "", source, TodayOf(ctx)};
  if (IsPartner(ctx.principal)) in.registration = FeedRegistration{ctx.principal.source, ctx.principal.kinds};
  PublishOptions options;
  options.stream = StreamOptions{.url = ctx.svc.options.stream_url, .partitions = ctx.svc.options.stream_partitions};
  options.policy = &ctx.svc.policy;
  options.today = TodayOf(ctx);
  options.reject_sample = kMaxRecords;
  auto totals = PublishFeedFiles({in}, options);
  if (!totals) {
    // The message names the file by its path on this server and the stream
    // without credentials; the client is told only that it may send again.
    spdlog::warn("feed.publish: {}", totals.error().message);
    return tl::unexpected(HttpError(ErrorCode::kUnavailable,
                                    "数据流暂不可用，请稍后重新报送 (the feed stream is unavailable: send again later; "
                                    "a record sent twice is stored once)"));
  }
  const PublishFileReport& r = totals->files.front();
  RETURN_IF_ERROR(ctx.Audit("feed.publish", "records",
                            json{{"source", source},
                                 {"rows", r.rows},
                                 {"published", r.published},
                                 {"duplicates", r.duplicates},
                                 {"rejected", r.rejected}}
                                .dump()));
  if (single) {
    if (r.rejected > 0) {
      const FeedReject reject = r.reject_sample.empty() ? FeedReject{} : r.reject_sample.front();
      return tl::unexpected(HttpError(ErrorCode::kInvalidArgument,
                                      "记录被拒收 (the record is rejected): " + ReasonFor(reject, ctx.principal),
                                      reject.field));
    }
    return Reply::Json({{"outcome", r.duplicates > 0 ? "duplicate" : "queued"}}, r.duplicates > 0 ? 200 : 202);
  }
  json rejects = json::array();
  for (const FeedReject& reject : r.reject_sample) {
    rejects.push_back({{"index", reject.line - 1}, {"field", reject.field}, {"reason", ReasonFor(reject, ctx.principal)}});
  }
  return Reply::Json({{"queued", true},
                      {"records", r.rows},
                      {"published", r.published},
                      {"duplicates", r.duplicates},
                      {"rejected", r.rejected},
                      {"rejects", rejects}},
                     202);
}

HttpResult<Reply> Push(Context& ctx) {
  static const std::string kAction = "feed.push";
  // As for every JSON body: a form of another site can post text/plain with
  // the browser's cookies, only a script of the same origin application/json.
  if (ctx.req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
    HttpError e(ErrorCode::kInvalidArgument,
                "请求体应为 application/json (send Content-Type: application/json)",
                "Content-Type");
    e.status = 415;
    e.code_name = "unsupported_media_type";
    return tl::unexpected(e);
  }
  auto framed = FrameJsonRecords(ctx.req.body, kMaxRecords);
  if (!framed || framed->count == 0) {
    return BadField(
        "",
        fmt::format("请求体应为一条记录或 1 到 {} 条记录的数组 (a JSON object, or an array of 1 to "
                    "{} records){}",
                    kMaxRecords, kMaxRecords, framed ? "" : ": " + framed.error().message));
  }
  const bool single = framed->single;
  const std::string& lines = framed->lines;
  ASSIGN_OR_RETURN(std::string source, DefaultSource(ctx, kAction));
  // Named by the default source, so that the same records pushed under two
  // sources are two batches; identical pushes are one.
  const std::string name = source.empty() ? "records.jsonl" : "records-" + source + ".jsonl";
  ASSIGN_OR_RETURN(KeptFile kept, Keep(ctx.svc.options, lines, Sha256Hex(lines), name));
  if (!ctx.svc.options.stream_url.empty()) return PublishPushed(ctx, kept, source, single);
  IngestInput in{kept.path, "", source, TodayOf(ctx)};
  if (IsPartner(ctx.principal))
    in.registration = FeedRegistration{ctx.principal.source, ctx.principal.kinds};
  ASSIGN_OR_RETURN(IngestFileReport report, IngestKept(ctx, in, kept, "records", kAction));
  const BatchRecord& b = report.batch;
  const int status = report.already_ingested ? 200 : 201;
  if (single) {
    const std::string outcome = Outcome(report);
    if (outcome == "rejected") {
      std::vector<FeedReject> rejects = report.reject_sample;
      if (rejects.empty() && !b.quarantine_path.empty())
        rejects = ReadQuarantine(b.quarantine_path).value_or(std::vector<FeedReject>{});
      const FeedReject r = rejects.empty() ? FeedReject{} : rejects.front();
      return tl::unexpected(HttpError(ErrorCode::kInvalidArgument,
                                      "记录被拒收 (the record is rejected): " + ReasonFor(r, ctx.principal),
                                      r.field));
    }
    const bool taken = outcome == "linked" || outcome == "unlinked" || outcome == "dropped";
    json out = {{"batch_id", b.id},
                {"already_ingested", report.already_ingested},
                {"outcome", taken && IsPartner(ctx.principal) ? std::string("accepted") : outcome}};
    if (outcome == "unlinked" && !IsPartner(ctx.principal) && !report.unlinked_reasons.empty()) {
      out["unlinked_reason"] = report.unlinked_reasons.begin()->first;
    }
    return Reply::Json(out, status);
  }
  json rejects = json::array();
  for (const FeedReject& r : report.reject_sample) {
    rejects.push_back({{"index", r.line - 1}, {"field", r.field}, {"reason", ReasonFor(r, ctx.principal)}});
  }
  json out = {{"batch_id", b.id},
              {"already_ingested", report.already_ingested},
              {"records", b.rows},
              {"accepted", b.accepted},
              {"linked", b.linked},
              {"unlinked", b.unlinked},
              {"dropped", b.dropped},
              {"rejected", b.rejected},
              {"duplicates", b.duplicates},
              {"unlinked_reasons", report.unlinked_reasons},
              {"rejects", rejects}};
  if (IsPartner(ctx.principal)) {
    for (const char* key : {"linked", "unlinked", "dropped", "unlinked_reasons"}) out.erase(key);
  }
  return Reply::Json(out, status);
}

HttpResult<Reply> List(Context& ctx) {
  ASSIGN_OR_RETURN(int64_t before, IntQuery(ctx, "before", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 50, 1, 500));
  const std::string source = IsPartner(ctx.principal) ? ctx.principal.source : ctx.Query("source");
  ASSIGN_OR_RETURN(std::vector<BatchRecord> batches,
                   ctx.store.ListBatchesNewestFirst(source, before, static_cast<int>(limit)));
  json list = json::array();
  for (const BatchRecord& b : batches) list.push_back(BatchJson(b, ctx.principal));
  json out = {{"batches", list}};
  if (static_cast<int64_t>(batches.size()) == limit) out["next_before"] = batches.back().id;
  return Reply::Json(out);
}

// The batch {id} names, if the caller may see it: a partner sees its own
// source's batches only, and another's is "not found", like a missing one.
HttpResult<BatchRecord> TargetBatch(Context& ctx) {
  const std::string& text = ctx.params["id"];
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  std::optional<BatchRecord> batch;
  if (ec == std::errc() && end == text.data() + text.size() && id > 0) {
    ASSIGN_OR_RETURN(batch, ctx.store.FindBatchById(id));
  }
  if (!batch || (IsPartner(ctx.principal) && batch->source != ctx.principal.source)) {
    return tl::unexpected(HttpError(ErrorCode::kNotFound, "没有该批次 (no such batch)", "id"));
  }
  return *batch;
}

HttpResult<Reply> Show(Context& ctx) {
  ASSIGN_OR_RETURN(BatchRecord b, TargetBatch(ctx));
  return Reply::Json(BatchJson(b, ctx.principal));
}

// The quarantine report: line, field and reason of each rejected row. The
// row's text (`raw` in the quarantine file) is left out: it holds names,
// identity numbers and phones, and the line number finds the row in the
// sender's own copy of the file.
HttpResult<Reply> Quarantine(Context& ctx) {
  ASSIGN_OR_RETURN(int64_t after, IntQuery(ctx, "after", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 1000, 1, 10000));
  ASSIGN_OR_RETURN(BatchRecord b, TargetBatch(ctx));
  std::vector<FeedReject> rejects;
  if (!b.quarantine_path.empty()) {
    auto read = ReadQuarantine(b.quarantine_path);
    if (!read) {
      if (read.error().code != ErrorCode::kNotFound) {
        // The library's message names the file's path on this server: logged, not sent.
        spdlog::error("quarantine of batch {}: {}", b.id, read.error().ToString());
        return tl::unexpected(
            HttpError(ErrorCode::kDataLoss, "该批次的隔离文件无法读取 (the batch's quarantine file cannot be read)"));
      }
      return tl::unexpected(HttpError(
          ErrorCode::kNotFound,
          "该批次的隔离文件已不在服务器上 (the batch's quarantine file is no longer here)"));
    }
    rejects = std::move(*read);
  }
  json rows = json::array();
  for (const FeedReject& r : rejects) {
    if (r.line <= after) continue;
    if (static_cast<int64_t>(rows.size()) == limit) break;
    rows.push_back(RejectJson(r, ctx.principal));
  }
  json out = {{"batch_id", b.id}, {"rejected", b.rejected}, {"rows", rows}};
  if (static_cast<int64_t>(rows.size()) == limit) out["next_after"] = rows.back()["line"];
  return Reply::Json(out);
}

// One record in the canonical fields (docs/feeds.md), as one JSON Lines row.
json FeedRecordSchema() {
  json text = {{"type", "string"}};
  return {{"type", "object"},
          {"required", {"kind", "occurred_on", "ref"}},
          {"properties",
           {{"source", text},
            {"kind", text},
            {"id_number", text},
            {"name", text},
            {"sex", {{"type", "string"}, {"enum", {"M", "F", ""}}}},
            {"birth_date", {{"type", "string"}, {"format", "date"}}},
            {"region_code", text},
            {"occurred_on", {{"type", "string"}, {"format", "date"}}},
            {"ref", text},
            {"detail", {{"type", "object"}}}}}};
}

}  // namespace

void AddFeedRoutes(std::vector<Route>& routes) {
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/batches",
       .tag = "feeds",
       .summary =
           "上传共享数据文件 (upload a feed file, CSV or JSON Lines: one batch; an identical file "
           "again changes nothing)",
       .auth = kSessionAuth | kApiKeyAuth,
       .action = Action::kFeedSubmit,
       .query =
           {"name: the file name (or the X-File-Name header); with the checksum, the batch's "
            "identity",
            "source: the rows' source when the file does not name one (a partner: its own)",
            "mapping: a department mapping by name (e.g. railway_travel); default: the canonical "
            "layout",
            "received_on: YYYY-MM-DD, when the agency learned the data (staff only; default "
            "today)"},
       .handler = Upload,
       .max_body = kUploadBody,
       .request_types = {"text/csv", "application/x-ndjson"}});
  routes.push_back(
      {.method = "GET",
       .path = "/api/v1/batches",
       .tag = "feeds",
       .summary = "批次列表 (batches, newest first; a partner sees its own source's)",
       .auth = kSessionAuth | kApiKeyAuth,
       .action = Action::kFeedRead,
       .query = {"before: batches with a smaller id (paging: next_before of the previous page)",
                 "limit: at most this many (1-500, default 50)",
                 "source: only this source (staff)"},
       .handler = List});
  routes.push_back(
      {.method = "GET",
       .path = "/api/v1/batches/{id}",
       .tag = "feeds",
       .summary =
           "批次状态 (a batch's counts: rows, accepted, rejected, duplicates; staff also linked, unlinked, "
           "dropped)",
       .auth = kSessionAuth | kApiKeyAuth,
       .action = Action::kFeedRead,
       .handler = Show});
  routes.push_back(
      {.method = "GET",
       .path = "/api/v1/batches/{id}/quarantine",
       .tag = "feeds",
       .summary = "隔离报告 (the rejected rows: line, field, reason; the row text is not served)",
       .auth = kSessionAuth | kApiKeyAuth,
       .action = Action::kFeedRead,
       .query = {"after: rows after this line (paging: next_after)",
                 "limit: at most this many (1-10000, default 1000)"},
       .handler = Quarantine});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/records",
       .tag = "feeds",
       .summary = "推送记录 (push one record, or an array of up to 10,000, in the canonical "
                  "fields; idempotent by "
                  "source and ref)",
       .auth = kSessionAuth | kApiKeyAuth,
       .action = Action::kFeedSubmit,
       .request_schema =
           {{"oneOf",
             {FeedRecordSchema(),
              {{"type", "array"}, {"maxItems", kMaxRecords}, {"items", FeedRecordSchema()}}}}},
       .query = {"source: the records' source when they do not name one (a partner: its own)"},
       .handler = Push,
       .max_body = kMaxRecordsBody});
}

}  // namespace tacit::server
