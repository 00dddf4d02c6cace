// Signed attestations from external certification systems (src/attest):
// VerifySignedRequest over fuzzed headers (key id, timestamp, nonce,
// signature) and body, half the time with a correct signature so the checks
// after it are reached; then RecordAttestation over fuzzed fields (method,
// certified_at with its zone, site, ref, scores, the number).
#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_store.h"
#include "tacit/access.h"
#include "tacit/attestation.h"

namespace {

struct Attestor {
  std::string key_id, secret;
};

const Attestor& TheAttestor() {
  static const Attestor a = [] {
    auto& f = tacit::fuzz::FuzzStore::Get();
    auto k = tacit::AddPartner(*f.store, f.policy, f.secrets,
                               {"city-face", tacit::Role::kAttestor, "certification_platform",
                                {"face_auth", "biometric_auth", "bank_terminal", "home_visit"}},
                               0);
    if (!k) tacit::fuzz::Fail("cannot add the attestor");
    return Attestor{k->key_id, k->signing_secret};
  }();
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tacit;
  auto& f = fuzz::FuzzStore::Get();
  const Attestor& attestor = TheAttestor();
  FuzzedDataProvider in(data, size);
  const int64_t now_s = static_cast<int64_t>(fuzz::FuzzToday().days()) * 86400 + 8 * 3600;

  const bool real_key = in.ConsumeBool();
  const bool sign = in.ConsumeBool();
  const std::string key_id = real_key ? attestor.key_id : in.ConsumeRandomLengthString(80);
  const std::string method = in.ConsumeRandomLengthString(16);
  const std::string path = in.ConsumeRandomLengthString(64);
  const std::string timestamp = in.ConsumeBool() ? std::to_string(now_s + in.ConsumeIntegralInRange<int>(-400, 400))
                                                 : in.ConsumeRandomLengthString(20);
  const std::string nonce = in.ConsumeRandomLengthString(80);
  std::string signature = in.ConsumeRandomLengthString(80);
  Attestation a;
  a.id_number = in.ConsumeBool() ? f.persons[in.ConsumeIntegralInRange<size_t>(0, 1)] : in.ConsumeRandomLengthString(40);
  a.method = in.ConsumeRandomLengthString(20);
  a.certified_at = in.ConsumeRandomLengthString(40);
  a.site = in.ConsumeRandomLengthString(140);
  a.ref = in.ConsumeRandomLengthString(140);
  if (in.ConsumeBool()) a.score = in.ConsumeFloatingPoint<double>();
  if (in.ConsumeBool()) a.liveness = in.ConsumeFloatingPoint<double>();
  const std::string body = in.ConsumeRemainingBytesAsString();

  const SignedRequest request{method, path, timestamp, nonce, body};
  if (sign) signature = Sign(attestor.secret, request);
  // Everything in one unit of work that is dropped uncommitted (rolled back),
  // the remembered nonce too, so an input does the same each time it runs.
  auto unit = f.store->Begin();
  if (!unit) fuzz::Fail("cannot begin a unit of work");
  auto principal = VerifySignedRequest(*f.store, f.secrets, key_id, signature, request, now_s, 300);
  if (!principal) {
    // Refusals are for the attestor's developers: never the secret.
    FUZZ_CHECK(principal.error().message.find(attestor.secret) == std::string::npos);
    return 0;
  }
  // Only the attestor's own key id with its own signature passes. The "random"
  // key id may be that very id: libFuzzer learns it from the comparisons.
  FUZZ_CHECK(sign && key_id == attestor.key_id);
  auto outcome = RecordAttestation(*f.store, f.policy, *principal, a, now_s * 1000, 300);
  FUZZ_CHECK(outcome.has_value());  // a bad field is a refusal, not an error
  if (outcome->refusal != AttestationRefusal::kNone) {
    FUZZ_CHECK(!outcome->message.empty());
    // Never the number, a name or a phone in what the attestor is told.
    if (fuzz::NumberLike(a.id_number)) FUZZ_CHECK(outcome->message.find(a.id_number) == std::string::npos);
  }
  return 0;
}
