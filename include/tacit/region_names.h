// Names of administrative divisions by code, each looked up in the store once
// (lists name the same county and village over and over).
//
//   RegionNames names(store, RegionNames::Missing::kNearestAncestor);
//   ASSIGN_OR_RETURN(std::string name, names.Of("140105001001"));
#ifndef TACIT_REGION_NAMES_H_
#define TACIT_REGION_NAMES_H_

#include <map>
#include <optional>
#include <string>

#include "tacit/store.h"

namespace tacit {

class RegionNames {
 public:
  // What a code the division table lacks (villages are often not loaded) is called.
  enum class Missing {
    kEmpty,            // ""
    kNearestAncestor,  // the name of its nearest ancestor the table has
  };
  explicit RegionNames(Store& store, Missing missing = Missing::kEmpty) : store_(store), missing_(missing) {}

  Result<std::string> Of(const std::string& code) {
    auto it = names_.find(code);
    if (it != names_.end()) return it->second;
    std::string name;
    for (size_t len : {12, 9, 6, 4, 2}) {
      if (len > code.size() || (missing_ == Missing::kEmpty && len != code.size())) continue;
      ASSIGN_OR_RETURN(std::optional<Region> r, store_.FindRegion(code.substr(0, len)));
      if (r) {
        name = r->name;
        break;
      }
    }
    return names_.emplace(code, name).first->second;
  }

 private:
  Store& store_;
  Missing missing_;
  std::map<std::string, std::string> names_;
};

}  // namespace tacit

#endif  // TACIT_REGION_NAMES_H_
