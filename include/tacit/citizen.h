// The citizen page (参保人自助认证): a pensioner signs in with their identity
// number, name and a one-time code sent by SMS to the mobile phone the
// registry holds; then sees their own certification and deadline, certifies
// by face (tacit/face_auth.h), and asks for a home visit when they cannot.
// Transport-free: the server's /api/v1/citizen routes call it.
//
//   ASSIGN_OR_RETURN(CitizenCodeRequest r, RequestCitizenCode(store, secrets, id_text, name, now_ms, options));
//   ... send r.code to r.phone (SendCitizenCode) when r.person != 0, answer r.challenge either way ...
//   ASSIGN_OR_RETURN(CitizenCodeCheck c, CheckCitizenCode(store, secrets, challenge, code, now_ms, options));
//   ASSIGN_OR_RETURN(CitizenSession s, CheckCitizenSession(store, secrets, cookie, now_ms));
//
// What it defends (docs/security.md, "The citizen page"):
// - Enumeration: every request for a code answers the same shape, whether the
//   identity number and name matched a person with a mobile phone or not. A
//   row is written either way (the per-number limits count both); for a
//   non-match no code exists (its hash is random), no SMS goes, and the phone
//   hint is a decoy derived from the identity number and name under the
//   operator's key, stable for the pair and different for every other name.
// - Guessing: a code is 6 digits, lives 5 minutes and takes 5 wrong tries;
//   a number may ask once a minute and 5 times in 24 hours.
// - A copy of the store: codes and tokens are kept only as keyed or SHA-256
//   hashes; the identity number only as a keyed pseudonym (for the limits),
//   and rows older than a day are deleted.
#ifndef TACIT_CITIZEN_H_
#define TACIT_CITIZEN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/access.h"
#include "tacit/channel.h"
#include "tacit/civil.h"
#include "tacit/outreach_store.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/schedule.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {

// The sign-in's limits. Security constants rather than policy parameters: no
// law sets them; each is documented in docs/security.md.
struct CitizenOptions {
  int64_t code_lifetime_ms = 5 * 60'000;  // a code is valid 5 minutes
  int code_tries = 5;                     // wrong codes before the challenge is dead
  int64_t code_interval_ms = 60'000;      // one code per identity number a minute
  int codes_per_day = 5;                  // and 5 in any 24 hours
  int64_t session_ms = 30 * 60'000;       // a citizen session lasts 30 minutes (absolute)
};

// The answer to a request for a code.
struct CitizenCodeRequest {
  // > 0: refused by the per-number limits; try again in this many ms. Nothing
  // was stored and the other fields are empty.
  int64_t retry_after_ms = 0;
  std::string challenge;     // 32 hex digits, always (when not refused)
  std::string masked_phone;  // "138****1234": the registry phone's mask when matched, else a stable decoy
  int64_t expires_ms = 0;
  // Matched only: who, and what to send where. The phone and the code are
  // for SendCitizenCode and nothing else (never logged, stored or answered).
  PersonKey person = 0;
  std::string phone;
  std::string code;
};

// Looks up the person by identity number and name (compared after
// NormalizeName) and, within the per-number limits, stores a challenge: with
// the code's keyed hash when the person has a mobile phone on file, with a
// random hash otherwise. REQUIRES: a unit of work (the limit check and the
// insert are one). Errors: kInvalidArgument with a message starting
// "id_number" (not a valid identity number: public arithmetic, not the
// registry) or "name"; the store's.
Result<CitizenCodeRequest> RequestCitizenCode(Store& store, const Secrets& secrets, std::string_view id_number,
                                              std::string_view name, int64_t now_ms, const CitizenOptions& options);

// Sends a code by the store's SMS channel (template login_code, variable
// "code"), at once and outside the outbox (a code must not wait, and the
// outbox keeps its variables in clear), and records on the code's row what
// became of it ("accepted" or "failed: <reason>"; never the address). Opens
// no unit of work: the row is updated in a write of its own after the send.
// Errors: the store's; a channel that cannot be built is a failed send.
Result<SendResult> SendCitizenCode(Store& store, const Secrets& secrets, ChannelFactory& factory,
                                   std::string_view challenge, std::string_view phone, std::string_view code);

// Whether codes can be sent now: an SMS channel configured, enabled, not
// paused, with a login_code template. The same for every caller.
Result<bool> CitizenCodesAvailable(Store& store);

// The outcome of a code entered.
struct CitizenCodeCheck {
  // "" signed in; "wrong_code" (tries_left > 0), "dead" (tries exhausted now
  // or before), "expired" (too late, used already, or no such challenge).
  std::string failure;
  int tries_left = 0;
  PersonKey person = 0;      // signed in: the person
  std::string token;         // signed in: the session cookie's value (256 random bits, hex)
  std::string csrf_token;    // signed in: for X-CSRF-Token on state changes
  int64_t expires_ms = 0;
};

// Checks a code against its challenge, counts a wrong one, and opens a
// citizen session on success (the challenge is then used). A challenge of a
// non-match fails exactly like a wrong code. REQUIRES: a unit of work, which
// the caller commits whatever the outcome (the count must stick). Errors: the
// store's only.
Result<CitizenCodeCheck> CheckCitizenCode(Store& store, const Secrets& secrets, std::string_view challenge,
                                          std::string_view code, int64_t now_ms, const CitizenOptions& options);

// A signed-in citizen.
struct CitizenSession {
  Principal principal;  // kind kCitizen, role kCitizen, person set, name the person's handle
  std::string token_hash;
  std::string csrf_hash;
  int64_t expires_ms = 0;
};

// The principal of a citizen signed in as `person`.
Principal CitizenPrincipal(const Secrets& secrets, PersonKey person);
// The session a cookie names. Errors: kPermissionDenied when unknown or expired.
Result<CitizenSession> CheckCitizenSession(Store& store, const Secrets& secrets, std::string_view token,
                                           int64_t now_ms);
// Whether `token` is the session's CSRF token (constant time).
bool CitizenCsrfMatches(const CitizenSession& session, std::string_view token);
// Ends a session (and drops expired ones).
Status EndCitizenSession(Store& store, std::string_view token_hash, int64_t now_ms);

// What the citizen page shows a signed-in person about themself.
struct CitizenStatus {
  PersonRecord person;
  CertificationState certification;  // DeriveCertification, as the person view derives it
  std::string status;                // "certified", "due", "lapsed", "uncertified", "deceased"
  std::optional<Date> deadline;      // CertificationDeadline(valid_through)
  bool face_enrolled = false;
  std::vector<CertPointRecord> points;       // active points of the person's county, nearest first (at most 3)
  std::optional<VisitTaskRecord> open_visit;  // a home visit open or assigned for them
  std::string advice;                // what to do, in plain Chinese
};

Result<CitizenStatus> CitizenStatusOf(Store& store, const Policy& policy, PersonKey person, Date today);

struct CitizenVisitRequest {
  VisitTaskRecord task;
  bool created = false;  // false: a task was open already (or asked for today)
};

// Opens a home-visit task (reason "requested") for `person`, unless one is
// open or assigned already; a second request the same day finds the first
// (idempotency key visit/<person>/requested/<date>). `reason` and `phone` (a
// number to call back) go into the task's note for the community staff.
// Errors: kNotFound; kInvalidArgument "phone: …" for a phone that is not 5-20
// digits (spaces and dashes allowed).
Result<CitizenVisitRequest> RequestHomeVisit(Store& store, const Policy& policy, PersonKey person,
                                             std::string_view reason, std::string_view phone, Date today,
                                             int64_t now_ms);

}  // namespace tacit

#endif  // TACIT_CITIZEN_H_
