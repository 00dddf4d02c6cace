// The pinyin table generated at build time from Unihan (internal).
#ifndef TACIT_SRC_LINKAGE_PINYIN_H_
#define TACIT_SRC_LINKAGE_PINYIN_H_

#include <cstddef>
#include <cstdint>

namespace tacit::linkage_internal {

// Syllable texts, index 0 is "" (no reading).
extern const char* const kPinyinSyllables[];
extern const int kPinyinSyllableCount;
// Sorted entries: code point << 9 | syllable id; a character's first entry is
// its customary reading.
extern const uint32_t kPinyinEntries[];
extern const size_t kPinyinEntryCount;

}  // namespace tacit::linkage_internal

#endif  // TACIT_SRC_LINKAGE_PINYIN_H_
