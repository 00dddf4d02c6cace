#include "store/sqlite/evidence_pack.h"

#include <fmt/format.h>

#include <cstring>

namespace tacit::sqlite {
namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutText(std::string& out, std::string_view text) {
  PutVarint(out, text.size());
  out.append(text);
}

// Reads forward through a pack; the first overrun makes every later read fail.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool AtEnd() const { return p_ == end_; }
  bool ok() const { return ok_; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) break;
      const auto byte = static_cast<unsigned char>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;
    p_ = end_;
    return 0;
  }

  std::string_view Text() {
    const uint64_t n = Varint();
    if (n > static_cast<uint64_t>(end_ - p_)) {
      ok_ = false;
      p_ = end_;
      return {};
    }
    std::string_view text(p_, n);
    p_ += n;
    return text;
  }

  double Double() {
    if (end_ - p_ < 8) {
      ok_ = false;
      p_ = end_;
      return 0;
    }
    uint64_t u = 0;
    for (int b = 7; b >= 0; --b) u = (u << 8) | static_cast<unsigned char>(p_[b]);
    p_ += 8;
    double d = 0;
    std::memcpy(&d, &u, sizeof d);
    return d;
  }

 private:
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

}  // namespace

void AppendPackedRecord(std::string& out, const PackedRecord& r) {
  PutVarint(out, static_cast<uint64_t>(r.source_id));
  PutVarint(out, static_cast<uint64_t>(r.batch_id));
  PutVarint(out, ZigZag(r.occurred_on));
  PutVarint(out, ZigZag(r.received_on));
  PutText(out, r.kind);
  PutText(out, r.link_method);
  uint64_t u = 0;
  std::memcpy(&u, &r.link_score, sizeof u);
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((u >> (8 * b)) & 0xff));
  PutText(out, r.ref);
  PutText(out, r.detail);
}

Status DecodePack(std::string_view pack, std::vector<PackedRecord>& out) {
  out.clear();
  Reader in(pack);
  while (!in.AtEnd()) {
    PackedRecord r;
    r.source_id = static_cast<int64_t>(in.Varint());
    r.batch_id = static_cast<int64_t>(in.Varint());
    r.occurred_on = static_cast<int32_t>(UnZigZag(in.Varint()));
    r.received_on = static_cast<int32_t>(UnZigZag(in.Varint()));
    r.kind = in.Text();
    r.link_method = in.Text();
    r.link_score = in.Double();
    r.ref = in.Text();
    r.detail = in.Text();
    if (!in.ok()) {
      return Internal(fmt::format("evidence_pack: a pack of {} bytes ends inside its record {}", pack.size(),
                                  out.size() + 1));
    }
    out.push_back(r);
  }
  return {};
}

}  // namespace tacit::sqlite
