// Result<T>: the value of an operation that may fail in an expected way.
//
// Expected failures (bad input, a missing row, a store that is unavailable) are
// values, not exceptions. The error carries a canonical code and a message a
// person can act on (file, line, field, what was expected). Messages never
// contain identity numbers, names or phones unmasked.
//
//   Result<Date> d = ParseDate("2026-05-03");
//   if (!d) return tl::make_unexpected(d.error());
//   ASSIGN_OR_RETURN(Month m, ParseMonth(text));
#ifndef TACIT_RESULT_H_
#define TACIT_RESULT_H_

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace tacit {

// A small canonical set, after absl::StatusCode.
enum class ErrorCode {
  kInvalidArgument,     // input does not have the expected form
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a unique thing exists already
  kFailedPrecondition,  // the system is not in a state that allows the call
  kPermissionDenied,    // the caller may not do this
  kUnavailable,         // a dependency (file, database) cannot be reached now
  kDataLoss,            // stored data is damaged
  kInternal,            // an invariant of tacit itself broke
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Result of an operation that returns nothing on success.
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}
inline tl::unexpected<Error> InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}
inline tl::unexpected<Error> NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}
inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
inline tl::unexpected<Error> Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}
inline tl::unexpected<Error> DataLoss(std::string message) {
  return MakeError(ErrorCode::kDataLoss, std::move(message));
}

}  // namespace tacit

#define TACIT_CONCAT_INNER_(a, b) a##b
#define TACIT_CONCAT_(a, b) TACIT_CONCAT_INNER_(a, b)

// Returns the error of a Status or Result expression from the enclosing function.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    auto tacit_status_ = (expr);                                \
    if (!tacit_status_) return tl::unexpected(tacit_status_.error()); \
  } while (0)

#define TACIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp) return tl::unexpected(tmp.error());      \
  lhs = std::move(*tmp)

// ASSIGN_OR_RETURN(Type var, expr): declares var from a Result or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  TACIT_ASSIGN_OR_RETURN_IMPL_(TACIT_CONCAT_(tacit_result_, __LINE__), lhs, expr)

#endif  // TACIT_RESULT_H_
