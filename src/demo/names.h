// Plausible Chinese names for the demo's pensioners (born 1925-1971) and for the
// younger strangers who appear in partner feeds. Surnames follow their national
// frequency (王 李 张 刘 陈 ... with a few compound surnames such as 欧阳); given
// names are one or two characters drawn from the names of that generation, by sex.
// All characters are in GB 2312, so every name encodes in GBK.
#ifndef TACIT_DEMO_NAMES_H_
#define TACIT_DEMO_NAMES_H_

#include <string>

#include "demo/rng.h"

namespace tacit::demo {

// Appends a full name (surname + given name) in UTF-8 to `out`.
// `older` selects the pensioners' generation (more two-character given names and
// era names like 建国 or 秀英); otherwise a younger generation's names.
void AppendName(Rng& rng, bool male, bool older, std::string& out);

}  // namespace tacit::demo

#endif  // TACIT_DEMO_NAMES_H_
