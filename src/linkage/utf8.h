// UTF-8 ⇄ code points for the linkage module (internal).
#ifndef TACIT_SRC_LINKAGE_UTF8_H_
#define TACIT_SRC_LINKAGE_UTF8_H_

#include <string>
#include <string_view>

namespace tacit::linkage_internal {

// Decodes UTF-8; a malformed sequence becomes U+FFFD (one per bad byte).
std::u32string DecodeUtf8(std::string_view s);
void AppendUtf8(std::string* out, char32_t c);
std::string EncodeUtf8(std::u32string_view s);

}  // namespace tacit::linkage_internal

#endif  // TACIT_SRC_LINKAGE_UTF8_H_
