// The consumer's view of a message body, parsed once.
#ifndef TACIT_SRC_STREAM_MESSAGE_H_
#define TACIT_SRC_STREAM_MESSAGE_H_

#include <optional>
#include <string>
#include <string_view>

#include "tacit/civil.h"

namespace tacit::stream_internal {

struct MessageLine {
  std::string line;                  // CanonicalLineOfMessage(body)
  std::optional<Date> received_on;   // unset: missing or not a date (the line is then rejected or kept as sent)
};

// The canonical JSON Lines line of a body and its received_on, from one parse.
MessageLine SplitMessage(std::string_view body);

}  // namespace tacit::stream_internal

#endif  // TACIT_SRC_STREAM_MESSAGE_H_
