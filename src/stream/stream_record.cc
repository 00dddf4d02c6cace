// Records as stream messages, partitions and names: everything of the stream
// that needs no server.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "stream/message.h"
#include "tacit/id_number.h"
#include "tacit/stream.h"

namespace tacit {
namespace {

using ojson = nlohmann::ordered_json;

std::string SexText(Sex s) {
  switch (s) {
    case Sex::kMale: return "M";
    case Sex::kFemale: return "F";
    case Sex::kUnknown: break;
  }
  return "";
}

// The canonical feed fields in canonical order, with the record's member.
struct FieldOf {
  const char* name;
  std::string StreamRecord::*member;
};
constexpr FieldOf kFields[] = {
    {"source", &StreamRecord::source},           {"kind", &StreamRecord::kind},
    {"id_number", &StreamRecord::id_number},     {"name", &StreamRecord::name},
    {"sex", &StreamRecord::sex},                 {"birth_date", &StreamRecord::birth_date},
    {"region_code", &StreamRecord::region_code}, {"occurred_on", &StreamRecord::occurred_on},
    {"ref", &StreamRecord::ref},
};

// A mixer over the whole 64 bits (splitmix64's finaliser), so that person keys
// that differ in their low digits spread over the partitions.
uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::string OneLine(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

}  // namespace

StreamRecord StreamRecordFromRow(const FeedRow& row, Date received_on) {
  StreamRecord r;
  r.source = std::string(row.source);
  r.kind = std::string(row.kind);
  r.id_number = std::string(row.id_number);
  r.name = std::string(row.name);
  r.sex = SexText(row.sex);
  if (row.birth_date) r.birth_date = row.birth_date->ToString();
  r.region_code = std::string(row.region_code);
  r.occurred_on = row.occurred_on.ToString();
  r.ref = std::string(row.ref);
  r.detail = std::string(row.detail);
  r.received_on = received_on;
  return r;
}

std::string EncodeStreamRecord(const StreamRecord& record) {
  ojson j = ojson::object();
  for (const FieldOf& f : kFields) {
    const std::string& value = record.*f.member;
    if (!value.empty()) j[f.name] = value;
  }
  if (!record.detail.empty()) {
    // The feed reader checked that detail is an object; one that is not (a
    // caller's own record) travels as a string and is rejected at ingest.
    ojson detail = ojson::parse(record.detail, nullptr, false);
    if (detail.is_object()) {
      j["detail"] = std::move(detail);
    } else {
      j["detail"] = record.detail;
    }
  }
  j["received_on"] = record.received_on.ToString();
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

Result<StreamRecord> DecodeStreamRecord(std::string_view body) {
  const ojson j = ojson::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("stream message: not a JSON object");
  StreamRecord r;
  for (const FieldOf& f : kFields) {
    auto it = j.find(f.name);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) return InvalidArgument(fmt::format("stream message: field {} is not a string", f.name));
    r.*f.member = it->get<std::string>();
  }
  if (auto it = j.find("detail"); it != j.end() && !it->is_null()) {
    if (it->is_object()) {
      r.detail = it->dump();
    } else if (it->is_string()) {
      r.detail = it->get<std::string>();
    } else {
      return InvalidArgument("stream message: field detail is not an object");
    }
  }
  auto received = j.find("received_on");
  if (received == j.end() || !received->is_string()) {
    return InvalidArgument("stream message: received_on is missing");
  }
  auto date = ParseDate(received->get<std::string>());
  if (!date) return InvalidArgument("stream message: received_on is not a date (YYYY-MM-DD)");
  r.received_on = *date;
  return r;
}

std::string CanonicalLineOfMessage(std::string_view body) { return stream_internal::SplitMessage(body).line; }

namespace stream_internal {

MessageLine SplitMessage(std::string_view body) {
  MessageLine out;
  ojson j = ojson::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.line = OneLine(body);
    return out;
  }
  if (auto it = j.find("received_on"); it != j.end()) {
    if (it->is_string()) {
      if (auto d = ParseDate(it->get<std::string>())) out.received_on = *d;
    }
    j.erase(it);
  }
  out.line = j.dump(-1, ' ', false, ojson::error_handler_t::replace);
  return out;
}

}  // namespace stream_internal

uint64_t StableHash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int FeedPartition(std::string_view id_number, std::string_view source, std::string_view ref, int partitions,
                  Date today) {
  uint64_t h;
  const IdParse id = ParseIdNumber(id_number, today);
  if (id.ok()) {
    h = Mix64(id.id.key());
  } else {
    // A NUL cannot occur in either field, so ("ab","c") and ("a","bc") differ.
    std::string pair;
    pair.reserve(source.size() + ref.size() + 1);
    pair.append(source).push_back('\0');
    pair.append(ref);
    h = Mix64(StableHash64(pair));
  }
  return static_cast<int>(h % static_cast<uint64_t>(partitions));
}

std::string FeedSubject(int partition) { return fmt::format("{}{}", kFeedSubjectPrefix, partition); }

std::string FeedMessageId(std::string_view source, std::string_view ref) {
  return OneLine(fmt::format("{}/{}", source, ref));
}

std::string StreamOffsetKey(int partition) { return fmt::format("stream/{}/{}", kFeedStreamName, partition); }

std::string FeedConsumerName(int partition) { return fmt::format("tacit-p{}", partition); }

Result<std::vector<int>> ParsePartitionList(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("--partitions '{}': {} (expected a list like 0-7 or 0-3,8,10-11)",
                                       text.substr(0, 60), why));
  };
  const auto number = [](std::string_view s, int& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  std::vector<int> out;
  if (text.empty()) return bad("empty");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    int lo = 0, hi = 0;
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!number(item, lo)) return bad("not a number");
      hi = lo;
    } else if (!number(item.substr(0, dash), lo) || !number(item.substr(dash + 1), hi)) {
      return bad("not a range of numbers");
    }
    if (lo < 0 || hi < lo) return bad("a range runs backwards");
    if (hi >= kMaxFeedPartitions) return bad(fmt::format("partitions are below {}", kMaxFeedPartitions));
    for (int p = lo; p <= hi; ++p) out.push_back(p);
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string RedactedNatsUrl(std::string_view url) {
  std::string out;
  size_t start = 0;
  while (start <= url.size()) {
    size_t comma = url.find(',', start);
    if (comma == std::string_view::npos) comma = url.size();
    std::string_view one = url.substr(start, comma - start);
    const size_t scheme = one.find("://");
    const size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
    const size_t at = one.find('@', host_start);
    if (!out.empty()) out += ',';
    if (at == std::string_view::npos) {
      out.append(one);
    } else {
      out.append(one.substr(0, host_start)).append("***@").append(one.substr(at + 1));
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace tacit
