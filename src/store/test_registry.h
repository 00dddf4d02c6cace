// Registry rows for tests: a person whose valid identity number is made from
// its first 17 digits, drawing one pension. Included by test files only.
#ifndef TACIT_SRC_STORE_TEST_REGISTRY_H_
#define TACIT_SRC_STORE_TEST_REGISTRY_H_

#include <string>
#include <string_view>

#include "tacit/store.h"

namespace tacit {

// One row: the person (named 张三丰) resident in `region12`, paid 3000.00 a month
// by its county from January 2015, imported on `today`, which is also the
// baseline certification.
inline RegistryRow TestRegistryRow(std::string_view id17, std::string_view region12, Date today) {
  std::string id(id17);
  id += IdCheckCharacter(id);
  const IdParse p = ParseIdNumber(id, today);
  RegistryRow r;
  r.person = {.key = p.id.key(), .id_number = std::string(p.id.text()), .name = "张三丰", .sex = p.id.sex(),
              .birth_date = p.id.birth_date(), .region_code = std::string(region12)};
  r.paying_region = std::string(region12.substr(0, 6));
  r.start = Month::Of(2015, 1);
  r.monthly = 300000;
  r.imported_on = today;
  r.default_baseline = today;
  return r;
}

}  // namespace tacit

#endif  // TACIT_SRC_STORE_TEST_REGISTRY_H_
