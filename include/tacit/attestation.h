// Signed certification results from external systems (外部认证结果): another
// city's certification platform, a biometric service, a bank's terminal
// network. Each is registered as an attestor (`tacit partner add NAME --role
// attestor --source S --kinds face_auth,...`) and signs every request with
// HMAC-SHA256 under its own secret; an accepted result becomes certification
// evidence of the person, with the attestor named.
//
// Transport-free: the server calls these with what it received, tests and
// clients call Sign(). The request an attestor signs is the canonical string
//
//   METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(BODY))
//
// (no trailing newline): the HTTP method in capitals, the path without the
// query string, the Unix seconds and nonce exactly as sent in their headers,
// and the lower-case hex SHA-256 of the body's bytes as sent. The signature
// is the lower-case hex HMAC-SHA256 of that string under the attestor's secret
// (the 64 hex characters `tacit partner add` printed, used as text).
//
//   SignedRequest r{.method = "POST", .path = "/api/v1/attestations",
//                   .timestamp = "1795651200", .nonce = RandomHex(16), .body = body};
//   std::string signature = Sign(secret, r);
//   ...
//   ASSIGN_OR_RETURN(Principal attestor,
//                    VerifySignedRequest(store, secrets, key_id, signature, r, now_s, 300));
//   ASSIGN_OR_RETURN(AttestationOutcome o, RecordAttestation(store, policy, attestor, attestation, now_ms, 300));
#ifndef TACIT_ATTESTATION_H_
#define TACIT_ATTESTATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tacit/access.h"
#include "tacit/civil.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {

// The request headers that carry a signature.
inline constexpr std::string_view kKeyIdHeader = "X-Tacit-Key-Id";          // the attestor's key id
inline constexpr std::string_view kTimestampHeader = "X-Tacit-Timestamp";  // Unix seconds, decimal
inline constexpr std::string_view kNonceHeader = "X-Tacit-Nonce";          // 16-64 of [A-Za-z0-9_-], once per key
inline constexpr std::string_view kSignatureHeader = "X-Tacit-Signature";  // hex HMAC-SHA256

// What a signature covers. The views must outlive the call.
struct SignedRequest {
  std::string_view method;     // "POST"
  std::string_view path;       // "/api/v1/attestations", without the query string
  std::string_view timestamp;  // as sent in X-Tacit-Timestamp
  std::string_view nonce;      // as sent in X-Tacit-Nonce
  std::string_view body;       // the raw bytes as sent, before any parsing
};

// The canonical string to sign (see the top of this file).
std::string CanonicalRequest(const SignedRequest& request);
// The signature of `request` under `secret`: lower-case hex HMAC-SHA256 of
// CanonicalRequest(request).
std::string Sign(std::string_view secret, const SignedRequest& request);

// Checks a signed request and returns the attestor who signed it. In order:
// the headers' form (timestamp digits, nonce 16-64 of [A-Za-z0-9_-], signature
// 64 hex digits), the timestamp within `window_seconds` of `now_s` either
// way, the key id naming an enabled attestor, the signature (constant-time
// comparison; upper-case hex is accepted), and last the nonce, which is
// remembered only for a request that verified, so a second request with it
// is refused while its timestamp could still pass the window.
// Errors: kPermissionDenied with a message for the attestor's developers (no
// secret in it); a store error as the store reports it (kUnavailable...).
Result<Principal> VerifySignedRequest(Store& store, const Secrets& secrets, std::string_view key_id,
                                      std::string_view signature, const SignedRequest& request, int64_t now_s,
                                      int64_t window_seconds);

// How the person was certified, as the attestor names it.
enum class AttestMethod { kFace, kFingerprint, kFingerVein, kPalmVein, kBankTerminal, kHomeVisit };
std::string_view AttestMethodName(AttestMethod method);  // kAttestationMethodNames of tacit/policy.h
// Errors: kInvalidArgument naming the methods accepted.
Result<AttestMethod> ParseAttestMethod(std::string_view text);
// The policy's evidence kind a result by `method` becomes: face_auth,
// biometric_auth (fingerprint, finger vein, palm vein: detail.modality says
// which), bank_terminal, home_visit.
std::string_view AttestKindOf(AttestMethod method);

// One certification result as the attestor sends it (POST /api/v1/attestations).
struct Attestation {
  std::string id_number;     // the person's identity number (never echoed back)
  std::string method;        // AttestMethodName
  std::string certified_at;  // ISO 8601 with a zone: 2026-11-20T09:30:00+08:00 or ...Z
  std::string site;          // the device or site, 1-128 printable characters
  std::optional<double> score;     // match score 0-1; required except for home visits
  std::optional<double> liveness;  // liveness score 0-1; required for the policy's liveness methods
  std::string ref;           // the attestor's own id of the result, 1-128 of [A-Za-z0-9._:-]
};

// Why a result was not recorded. Refusals are answers, not errors: the
// attestor is told which and why, and the audit trail names it.
enum class AttestationRefusal {
  kNone,
  kInvalidField,         // a field is missing or malformed (`field` says which)
  kMethodNotRegistered,  // the attestor is not registered for the method's kind
  kBelowThreshold,       // the score or the liveness is under the policy's minimum
  kUnknownPerson,        // the number is valid but nobody in the registry has it
  kRefReused,            // the ref names an earlier, different result of this attestor
};
// "invalid_field", "method_not_registered", "below_threshold", "unknown_person", "ref_reused".
std::string_view AttestationRefusalName(AttestationRefusal refusal);

struct AttestationOutcome {
  AttestationRefusal refusal = AttestationRefusal::kNone;
  std::string field;    // the body field a refusal is about; may be empty
  std::string message;  // for people, Chinese with English; never the number, a name or a phone
  // Recorded (refusal kNone):
  int64_t evidence_id = 0;
  bool created = false;  // false: the same result was recorded before (a resend)
  std::string kind;      // the evidence kind
  Date certified_on;     // the date in the zone certified_at gives (the evidence's occurred_on)
  // The person's masked number ("140202********123X") once the number parsed;
  // empty for an unknown person (nothing of someone outside the registry is kept).
  std::string masked_id;
};

// Checks `a` against the attestor's registration and the policy and records it
// as evidence: source = the attestor's source, ref = "<attestor name>/<a.ref>"
// (so that attestors sharing a source, or a feed of that source, never
// collide), linked exactly to the person, occurred_on = the date certified,
// received_on = the day of `now_ms` (not before the date certified), detail
// {"attestor", "method", "modality" (biometrics), "site", "certified_at",
// "score", "liveness", "ref"}; and the person's summary index. A result whose
// ref was recorded before for the same person, kind and date is not stored
// again: the outcome names the earlier evidence (created = false).
// `clock_skew_seconds` is how far in the future certified_at may lie.
// Nothing is written for a refusal. Opens no unit of work: call it inside one
// to commit it with its audit entry.
// REQUIRES: attestor.role == Role::kAttestor.
// Errors: only the store's (a refusal is an outcome).
Result<AttestationOutcome> RecordAttestation(Store& store, const Policy& policy, const Principal& attestor,
                                             const Attestation& a, int64_t now_ms, int64_t clock_skew_seconds);

}  // namespace tacit

#endif  // TACIT_ATTESTATION_H_
