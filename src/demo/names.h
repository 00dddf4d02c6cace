// Plausible Chinese names for the demo's pensioners (born 1925-1971) and for the
// younger strangers who appear in partner feeds. Surnames follow their national
// frequency (王 李 张 刘 陈 ... with a few compound surnames such as 欧阳); given
// names are one or two characters drawn from the names of that generation, by sex.
// All characters AppendName writes are in GB 2312; the variant forms below are in
// GBK, so every name, variant or not, encodes in GBK.
#ifndef TACIT_DEMO_NAMES_H_
#define TACIT_DEMO_NAMES_H_

#include <span>
#include <string>
#include <string_view>

#include "demo/rng.h"

namespace tacit::demo {

// Appends a full name (surname + given name) in UTF-8 to `out`.
// `older` selects the pensioners' generation (more two-character given names and
// era names like 建国 or 秀英); otherwise a younger generation's names.
void AppendName(Rng& rng, bool male, bool older, std::string& out);

// Names written another way, as partner departments' clerks write them: the
// traditional characters a record keeper may use (陈建华 → 陳建華), or a
// same-sounding character in the given name (王秀英 → 王秀瑛). The tables cover
// the characters AppendName draws most; every form is in GBK.
struct CharPair {
  std::string_view from;  // one character, UTF-8, as AppendName writes it
  std::string_view to;    // its other written form
};
// Simplified → traditional; OpenCC's t2s turns every `to` back into its `from`.
std::span<const CharPair> TraditionalForms();
// Character → a same-sounding character (same toneless pinyin) used in names.
std::span<const CharPair> SameSoundForms();

// Appends `name` with every character that has a traditional form in that
// form. Returns false, appending nothing, when no character has one.
bool AppendTraditionalName(std::string_view name, std::string& out);
// Appends `name` with one character after the first (the given name, for the
// single-character surnames the tables touch) replaced by a same-sounding
// one, chosen with `rng` among those that have one. Returns false, appending
// nothing and drawing nothing, when none has one.
bool AppendSameSoundName(Rng& rng, std::string_view name, std::string& out);

}  // namespace tacit::demo

#endif  // TACIT_DEMO_NAMES_H_
