// Helpers shared by the linkage tests.
#ifndef TACIT_SRC_LINKAGE_TEST_UTIL_H_
#define TACIT_SRC_LINKAGE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "tacit/linkage.h"

namespace tacit::linkage {

// One OpenCC converter for the whole test binary (loading it takes ~50 ms).
inline const Simplifier& TestSimplifier() {
  static const Simplifier s = [] {
    auto r = Simplifier::Create();
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
      std::abort();
    }
    return *r;
  }();
  return s;
}

inline const Date kAsOf = Date::FromCivil(2026, 11, 27);

inline Date D(int y, int m, int d) { return Date::FromCivil(y, m, d); }

// A valid number: area, birth date, sequence, computed check.
inline std::string MakeIdNumber(std::string_view area, Date birth, int seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6s%04d%02d%02d%03d", std::string(area).c_str(), birth.year(),
                birth.month(), birth.day(), seq);
  std::string id(buf);
  id.push_back(IdCheckCharacter(id));
  return id;
}

inline RegistryPerson MakePerson(std::string name, Sex sex, Date birth, std::string region,
                                 int seq, std::string phone = "") {
  RegistryPerson p;
  p.fields.id_text = MakeIdNumber(region.substr(0, 6), birth, seq);
  p.key = ParseIdNumber(p.fields.id_text, kAsOf).id.key();
  p.fields.name = std::move(name);
  p.fields.sex = sex;
  p.fields.birth_date = birth;
  p.fields.region_code = std::move(region);
  p.fields.phone = std::move(phone);
  return p;
}

// Changes the character at `pos` to another digit, so the check fails (or
// holds by chance for the check character itself, which the callers avoid).
inline std::string Mistype(std::string id, size_t pos) {
  id[pos] = id[pos] == '9' ? '0' : static_cast<char>(id[pos] + 1);
  return id;
}

// A hand-set model with plausible values, so decisions do not depend on EM
// over tiny data (tests/golden/linkage/model.json holds the same numbers).
inline Model FixedModel() {
  Model m = InitialModel("fixed");
  m.lambda = 0.01;
  m.levels[0] = {{.80, .002}, {.03, .0001}, {.04, .0001}, {.04, .001}, {.04, .01}, {.05, .9868}};
  m.levels[1] = {{.85, .003}, {.04, .0002}, {.06, .01}, {.05, .9868}};
  m.levels[2] = {{.98, .5}, {.02, .5}};
  m.levels[3] = {{.6, .01}, {.12, .02}, {.05, .03}, {.03, .03}, {.10, .10}, {.07, .30}, {.03, .51}};
  m.levels[4] = {{.50, .00001}, {.30, .0001}, {.10, .00001}, {.10, .99988}};
  m.levels[5] = {{.60, .0001}, {.40, .9999}};
  return m;
}

}  // namespace tacit::linkage

#endif  // TACIT_SRC_LINKAGE_TEST_UTIL_H_
