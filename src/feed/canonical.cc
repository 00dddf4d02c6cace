#include "feed/canonical.h"

namespace tacit::feed_internal {

std::optional<Field> FieldByName(std::string_view name) {
  for (int i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

std::string FieldNameList() {
  std::string out;
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out += ", ";
    out += kFieldNames[i];
  }
  return out;
}

}  // namespace tacit::feed_internal
