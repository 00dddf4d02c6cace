// The canonical feed fields, in canonical column order, and their names.
//
// Internal to the feed module. The order is the canonical CSV column order:
//   source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail
#ifndef TACIT_SRC_FEED_CANONICAL_H_
#define TACIT_SRC_FEED_CANONICAL_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tacit::feed_internal {

enum class Field : int {
  kSource = 0,
  kKind,
  kIdNumber,
  kName,
  kSex,
  kBirthDate,
  kRegionCode,
  kOccurredOn,
  kRef,
  kDetail,
};
inline constexpr int kFieldCount = 10;

inline constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "source",     "kind",        "id_number",   "name", "sex",
    "birth_date", "region_code", "occurred_on", "ref",  "detail"};

constexpr std::string_view FieldName(Field f) { return kFieldNames[static_cast<int>(f)]; }
constexpr int Index(Field f) { return static_cast<int>(f); }

// The field named `name`, or nullopt when it is not a canonical field.
std::optional<Field> FieldByName(std::string_view name);

// "source, kind, id_number, ..." for error messages.
std::string FieldNameList();

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_CANONICAL_H_
