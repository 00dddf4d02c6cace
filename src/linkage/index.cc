// The registry index: prepared persons, blocking keys, term frequencies, twins.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "linkage/internal.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

// FNV-1a over bytes, then a final mix so that keys spread over the range.
uint64_t Hash(const void* data, size_t n, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}
uint64_t HashU32(std::u32string_view s, uint64_t seed) {
  return Hash(s.data(), s.size() * sizeof(char32_t), seed);
}
uint64_t HashText(std::string_view s, uint64_t seed) { return Hash(s.data(), s.size(), seed); }

std::u32string NameKey(const PreparedName& n) {
  std::u32string out;
  for (char32_t c : n.simplified) {
    if (c != 0x00B7) out.push_back(c);
  }
  return out;
}

// The name as its customary toneless readings (a character without one stands
// for itself): 王秀英, 王秀瑛 and 王秀暎 share it.
std::u32string SoundKey(const PreparedName& n) {
  std::u32string out;
  for (char32_t c : NameKey(n)) {
    const auto readings = PinyinOf(c);
    out.push_back(readings.empty() ? c : 0x110000 + readings[0]);
  }
  return out;
}

// Segments of the identity number whose masking still meets a number with one
// wrong character or two swapped adjacent ones: area, birth date, sequence +
// check, and the two boundaries between them.
constexpr std::pair<int, int> kIdMasks[] = {{0, 6}, {6, 14}, {14, 18}, {5, 7}, {13, 15}};

// Appends the blocking keys of one rule for a prepared record.
void KeysOf(BlockingRule rule, const PreparedRecord& r, std::vector<uint64_t>* keys) {
  const uint64_t seed = static_cast<uint64_t>(rule) + 1;
  switch (rule) {
    case BlockingRule::kBirthDate:
      if (r.birth_ymd != 0) keys->push_back(Hash(&r.birth_ymd, sizeof r.birth_ymd, seed));
      return;
    case BlockingRule::kNameBirthYear: {
      if (r.birth_ymd == 0 || r.name.simplified.empty()) return;
      std::u32string key = SoundKey(r.name);
      key.push_back(static_cast<char32_t>(0x200000 + r.birth_ymd / 10000));
      keys->push_back(HashU32(key, seed));
      return;
    }
    case BlockingRule::kCountySurname: {
      if (r.region_code.size() < 6 || r.name.surname_length == 0) return;
      std::u32string key(r.region_code.begin(), r.region_code.begin() + 6);
      key += std::u32string_view(r.name.simplified).substr(0, r.name.surname_length);
      keys->push_back(HashU32(key, seed));
      return;
    }
    case BlockingRule::kIdMasked: {
      if (r.id18.size() != 18) return;
      uint64_t mask_seed = seed * 16;
      for (const auto& [from, to] : kIdMasks) {
        std::string masked = r.id18;
        std::memset(masked.data() + from, '*', to - from);
        keys->push_back(HashText(masked, ++mask_seed));
      }
      return;
    }
    case BlockingRule::kPhone:
      if (!r.phone.empty()) keys->push_back(HashText(r.phone, seed));
      return;
  }
}

struct Entry {
  uint64_t key;
  uint32_t person;
  bool operator<(const Entry& o) const { return key < o.key || (key == o.key && person < o.person); }
};

// Counts equal hashes: for each position, how many share its hash.
std::vector<uint32_t> GroupSizes(const std::vector<uint64_t>& hashes) {
  std::vector<uint32_t> order(hashes.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return hashes[a] < hashes[b]; });
  std::vector<uint32_t> sizes(hashes.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && hashes[order[j]] == hashes[order[i]]) ++j;
    for (size_t k = i; k < j; ++k) sizes[order[k]] = static_cast<uint32_t>(j - i);
    i = j;
  }
  return sizes;
}

}  // namespace

std::string_view BlockingRuleName(BlockingRule r) {
  switch (r) {
    case BlockingRule::kBirthDate: return "birth_date";
    case BlockingRule::kNameBirthYear: return "name_sound_birth_year";
    case BlockingRule::kCountySurname: return "county_surname";
    case BlockingRule::kIdMasked: return "id_number_masked";
    case BlockingRule::kPhone: return "phone";
  }
  return "unknown";
}

struct RegistryIndex::Impl {
  Simplifier simplifier;
  BlockingOptions options;
  Date as_of;
  std::vector<PersonKey> keys;
  std::vector<PreparedRecord> persons;
  std::vector<std::pair<PersonKey, uint32_t>> by_key;  // sorted
  std::vector<float> name_tf, birth_tf;
  std::vector<bool> twin;
  std::array<std::vector<Entry>, kBlockingRuleCount> blocks;  // sorted by key
};

Result<RegistryIndex> RegistryIndex::Build(std::span<const RegistryPerson> persons,
                                           const Simplifier& simplifier,
                                           const BlockingOptions& options, Date as_of) {
  if (options.max_block_size < 1) return InvalidArgument("max_block_size must be at least 1");
  if (persons.size() >= 0xFFFFFFFFu) return InvalidArgument("too many registry persons");
  auto impl = std::make_shared<Impl>();
  impl->simplifier = simplifier;
  impl->options = options;
  impl->as_of = as_of;
  const size_t n = persons.size();
  impl->keys.reserve(n);
  impl->persons.reserve(n);
  impl->by_key.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    impl->keys.push_back(persons[i].key);
    impl->persons.push_back(PrepareRecord(persons[i].fields, simplifier, as_of));
    impl->by_key.emplace_back(persons[i].key, i);
  }
  std::sort(impl->by_key.begin(), impl->by_key.end());
  for (size_t i = 1; i < n; ++i) {
    if (impl->by_key[i].first == impl->by_key[i - 1].first) {
      return InvalidArgument("registry persons " + std::to_string(impl->by_key[i - 1].second) +
                             " and " + std::to_string(impl->by_key[i].second) +
                             " have the same key");
    }
  }

  // Term frequencies and twins, by counting equal hashes.
  std::vector<uint64_t> name_h(n), birth_h(n), twin_h(n);
  for (size_t i = 0; i < n; ++i) {
    const PreparedRecord& p = impl->persons[i];
    const std::u32string name = NameKey(p.name);
    name_h[i] = HashU32(name, 101);
    birth_h[i] = Hash(&p.birth_ymd, sizeof p.birth_ymd, 102);
    std::u32string t = name;
    t.push_back(0x200000 + static_cast<char32_t>(p.sex));
    t.push_back(0x300000 + static_cast<char32_t>(p.birth_ymd));
    for (size_t k = 0; k < 6 && k < p.region_code.size(); ++k) t.push_back(p.region_code[k]);
    twin_h[i] = HashU32(t, 103);
  }
  const auto name_n = GroupSizes(name_h), birth_n = GroupSizes(birth_h), twin_n = GroupSizes(twin_h);
  impl->name_tf.resize(n);
  impl->birth_tf.resize(n);
  impl->twin.resize(n);
  for (size_t i = 0; i < n; ++i) {
    impl->name_tf[i] = static_cast<float>(static_cast<double>(name_n[i]) / n);
    impl->birth_tf[i] = static_cast<float>(static_cast<double>(birth_n[i]) / n);
    impl->twin[i] = twin_n[i] > 1 && !impl->persons[i].name.simplified.empty();
  }

  std::vector<uint64_t> keys;
  for (int rule = 0; rule < kBlockingRuleCount; ++rule) {
    auto& block = impl->blocks[rule];
    for (uint32_t i = 0; i < n; ++i) {
      keys.clear();
      KeysOf(static_cast<BlockingRule>(rule), impl->persons[i], &keys);
      for (uint64_t k : keys) block.push_back({k, i});
    }
    std::sort(block.begin(), block.end());
    block.shrink_to_fit();
  }
  RegistryIndex index;
  index.impl_ = std::move(impl);
  return index;
}

size_t RegistryIndex::size() const { return impl_->persons.size(); }
PersonKey RegistryIndex::key(uint32_t person) const { return impl_->keys[person]; }
const PreparedRecord& RegistryIndex::person(uint32_t person) const { return impl_->persons[person]; }
const Simplifier& RegistryIndex::simplifier() const { return impl_->simplifier; }
Date RegistryIndex::as_of() const { return impl_->as_of; }
double RegistryIndex::NameFrequency(uint32_t person) const { return impl_->name_tf[person]; }
double RegistryIndex::BirthDateFrequency(uint32_t person) const { return impl_->birth_tf[person]; }
bool RegistryIndex::HasTwin(uint32_t person) const { return impl_->twin[person]; }

std::optional<uint32_t> RegistryIndex::Find(PersonKey key) const {
  const auto& v = impl_->by_key;
  const auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(key, uint32_t{0}));
  if (it == v.end() || it->first != key) return std::nullopt;
  return it->second;
}

std::vector<uint32_t> RegistryIndex::Candidates(const PreparedRecord& record,
                                                BlockingReport* report) const {
  std::vector<uint32_t> out;
  std::vector<uint64_t> keys;
  const size_t cap = static_cast<size_t>(impl_->options.max_block_size);
  for (int rule = 0; rule < kBlockingRuleCount; ++rule) {
    keys.clear();
    KeysOf(static_cast<BlockingRule>(rule), record, &keys);
    const auto& block = impl_->blocks[rule];
    bool capped = false;
    for (uint64_t k : keys) {
      const auto lo = std::lower_bound(block.begin(), block.end(), Entry{k, 0});
      auto hi = lo;
      while (hi != block.end() && hi->key == k && static_cast<size_t>(hi - lo) <= cap) ++hi;
      const size_t size = static_cast<size_t>(hi - lo);
      if (size > cap) {
        capped = true;
        if (report) {
          const auto end = std::upper_bound(lo, block.end(), Entry{k, 0xFFFFFFFFu});
          report->rules[rule].capped_pairs += end - lo;
        }
        continue;
      }
      if (report) report->rules[rule].pairs += static_cast<int64_t>(size);
      for (auto it = lo; it != hi; ++it) out.push_back(it->person);
    }
    if (capped && report) ++report->rules[rule].capped_records;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Blocking BlockPairs(const RegistryIndex& index, std::span<const PreparedRecord> records) {
  Blocking b;
  b.report.records = static_cast<int64_t>(records.size());
  for (uint32_t r = 0; r < records.size(); ++r) {
    const auto persons = index.Candidates(records[r], &b.report);
    if (persons.empty()) ++b.report.records_without_candidates;
    for (uint32_t p : persons) b.pairs.push_back({r, p});
  }
  b.report.comparisons = static_cast<int64_t>(b.pairs.size());
  return b;
}

}  // namespace tacit::linkage
