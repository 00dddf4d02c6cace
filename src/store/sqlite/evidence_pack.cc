#include "store/sqlite/evidence_pack.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace tacit::sqlite {
namespace {

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

constexpr size_t kMaxVarint = 10;  // bytes of a 64-bit LEB128 varint
constexpr size_t kScoreBytes = 8;

// Writes one record at the end of a string through a pointer: room for at
// most `max` bytes is made once, and the string is cut back to what was
// written at the end. (A byte at a time through push_back, the encoders spent
// most of their time checking the capacity.) Earlier bytes of the string stay
// where they are while it lives.
class Appender {
 public:
  Appender(std::string& out, size_t max) : out_(out) {
    const size_t at = out_.size();
    out_.resize(at + max);
    p_ = out_.data() + at;
  }
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender() { out_.resize(offset()); }

  size_t offset() const { return static_cast<size_t>(p_ - out_.data()); }
  const std::string& out() const { return out_; }

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void Bytes(std::string_view bytes) {
    if (bytes.empty()) return;
    std::memcpy(p_, bytes.data(), bytes.size());
    p_ += bytes.size();
  }
  void Text(std::string_view text) {
    Varint(text.size());
    Bytes(text);
  }
  // Little-endian, whatever the machine's order.
  void Score(double score) {
    uint64_t u = 0;
    std::memcpy(&u, &score, sizeof u);
    for (size_t b = 0; b < kScoreBytes; ++b) *p_++ = static_cast<char>((u >> (8 * b)) & 0xff);
  }

 private:
  std::string& out_;
  char* p_;
};

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
    Fail();
    return 0;
  }

  std::string_view Text() { return Take(Varint()); }

  // A text, or a reference to one of `texts` (PackWriter's encoding), which
  // a new non-empty text joins.
  std::string_view TextOrReference(std::vector<std::string_view>& texts) {
    const uint64_t v = Varint();
    if ((v & 1) != 0) {
      if ((v >> 1) >= texts.size()) return Fail();
      return texts[v >> 1];
    }
    const std::string_view text = Take(v >> 1);
    if (!text.empty() && texts.size() < kMaxPackTexts) texts.push_back(text);
    return text;
  }

  double Double() {
    if (end_ - p_ < 8) {
      Fail();
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
  // The next `n` bytes.
  std::string_view Take(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) return Fail();
    std::string_view text(p_, n);
    p_ += n;
    return text;
  }
  std::string_view Fail() {
    ok_ = false;
    p_ = end_;
    return {};
  }

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

constexpr char kFormat2[] = {0, 2};
constexpr uint64_t kScoreIsOne = 1;

bool IsOne(double score) {
  const double one = 1.0;
  return std::memcmp(&score, &one, sizeof score) == 0;
}

Status Cut(std::string_view pack, size_t record) {
  return Internal(fmt::format("evidence_pack: a pack of {} bytes ends inside its record {}", pack.size(), record));
}

void ReadFormat1(Reader& in, PackedRecord& r) {
  r.source_id = static_cast<int64_t>(in.Varint());
  r.batch_id = static_cast<int64_t>(in.Varint());
  r.occurred_on = static_cast<int32_t>(UnZigZag(in.Varint()));
  r.received_on = static_cast<int32_t>(UnZigZag(in.Varint()));
  r.kind = in.Text();
  r.link_method = in.Text();
  r.link_score = in.Double();
  r.ref = in.Text();
  r.detail = in.Text();
}

Status DecodeFormat2(std::string_view pack, std::vector<PackedRecord>& out) {
  Reader in(pack.substr(sizeof kFormat2));
  std::vector<std::string_view> texts;
  while (!in.AtEnd()) {
    PackedRecord r;
    const uint64_t flags = in.Varint();
    if (flags > kScoreIsOne) {
      return Internal(fmt::format("evidence_pack: record {} of a pack has unknown flags {}", out.size() + 1, flags));
    }
    r.source_id = static_cast<int64_t>(in.Varint());
    r.batch_id = static_cast<int64_t>(in.Varint());
    r.occurred_on = static_cast<int32_t>(UnZigZag(in.Varint()));
    // The writer's gap is between two int32 days; anything else is damage.
    const int64_t gap = UnZigZag(in.Varint());
    constexpr int64_t kMaxGap = int64_t{1} << 33;
    const int64_t received = gap > -kMaxGap && gap < kMaxGap ? r.occurred_on + gap : kMaxGap;
    if (received < std::numeric_limits<int32_t>::min() || received > std::numeric_limits<int32_t>::max()) {
      return Internal(fmt::format("evidence_pack: record {} of a pack has a received day out of range",
                                  out.size() + 1));
    }
    r.received_on = static_cast<int32_t>(received);
    r.kind = in.TextOrReference(texts);
    r.link_method = in.TextOrReference(texts);
    r.link_score = (flags & kScoreIsOne) != 0 ? 1.0 : in.Double();
    r.ref = in.Text();
    r.detail = in.TextOrReference(texts);
    if (!in.ok()) return Cut(pack, out.size() + 1);
    out.push_back(r);
  }
  return {};
}

}  // namespace

void AppendPackedRecord(std::string& out, const PackedRecord& r) {
  Appender a(out, 8 * kMaxVarint + kScoreBytes + r.kind.size() + r.link_method.size() + r.ref.size() +
                      r.detail.size());
  a.Varint(static_cast<uint64_t>(r.source_id));
  a.Varint(static_cast<uint64_t>(r.batch_id));
  a.Varint(ZigZag(r.occurred_on));
  a.Varint(ZigZag(r.received_on));
  a.Text(r.kind);
  a.Text(r.link_method);
  a.Score(r.link_score);
  a.Text(r.ref);
  a.Text(r.detail);
}

PackWriter::PackWriter(std::string& out) : out_(out) { out_.append(kFormat2, sizeof kFormat2); }

void PackWriter::Add(const PackedRecord& r) {
  Appender a(out_, 9 * kMaxVarint + kScoreBytes + r.kind.size() + r.link_method.size() + r.ref.size() +
                       r.detail.size());
  // A text, or the number of an equal one met earlier in the pack.
  const auto text_or_reference = [&](std::string_view text) {
    if (!text.empty()) {
      for (size_t i = 0; i < texts_.size(); ++i) {
        if (texts_[i].second == text.size() &&
            std::memcmp(a.out().data() + texts_[i].first, text.data(), text.size()) == 0) {
          a.Varint((i << 1) | 1);
          return;
        }
      }
    }
    a.Varint(text.size() << 1);
    if (!text.empty() && texts_.size() < kMaxPackTexts) texts_.emplace_back(a.offset(), text.size());
    a.Bytes(text);
  };
  const bool one = IsOne(r.link_score);
  a.Varint(one ? kScoreIsOne : 0);
  a.Varint(static_cast<uint64_t>(r.source_id));
  a.Varint(static_cast<uint64_t>(r.batch_id));
  a.Varint(ZigZag(r.occurred_on));
  a.Varint(ZigZag(static_cast<int64_t>(r.received_on) - r.occurred_on));
  text_or_reference(r.kind);
  text_or_reference(r.link_method);
  if (!one) a.Score(r.link_score);
  a.Text(r.ref);
  text_or_reference(r.detail);
}

Status DecodePack(std::string_view pack, std::vector<PackedRecord>& out) {
  out.clear();
  if (!pack.empty() && pack[0] == kFormat2[0]) {
    if (pack.size() < sizeof kFormat2 || pack[1] != kFormat2[1]) {
      return Internal(fmt::format("evidence_pack: a pack of {} bytes is of an unknown format", pack.size()));
    }
    return DecodeFormat2(pack, out);
  }
  Reader in(pack);
  while (!in.AtEnd()) {
    PackedRecord r;
    ReadFormat1(in, r);
    if (!in.ok()) return Cut(pack, out.size() + 1);
    out.push_back(r);
  }
  return {};
}

bool DecodeArenaRecord(std::string_view bytes, PackedRecord& out) {
  Reader in(bytes);
  ReadFormat1(in, out);
  return in.ok() && in.AtEnd();
}

}  // namespace tacit::sqlite
