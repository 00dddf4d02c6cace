#include "tacit/attestation.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>

#include "store/test_store.h"

namespace tacit {
namespace {

constexpr char kPath[] = "/api/v1/attestations";

TEST(Signature, CanonicalStringIsFiveLinesWithTheBodyDigestAndNoTrailingNewline) {
  SignedRequest r{"POST", kPath, "1795651200", "abcdef0123456789", R"({"a":1})"};
  EXPECT_EQ(CanonicalRequest(r),
            "POST\n/api/v1/attestations\n1795651200\nabcdef0123456789\n"
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
  // As `openssl dgst -sha256 -hmac secret` computes it over the same string.
  EXPECT_EQ(Sign("secret", r), "9dfae428358f072ebfdd4b5b576a23dbf8dd64e35806103392ed25b547f544c4");
}

TEST(Attestation, MethodsMapToThePolicysKinds) {
  const std::pair<const char*, const char*> expected[] = {
      {"face", "face_auth"},         {"fingerprint", "biometric_auth"},  {"finger_vein", "biometric_auth"},
      {"palm_vein", "biometric_auth"}, {"bank_terminal", "bank_terminal"}, {"home_visit", "home_visit"}};
  const Policy policy = *ParsePolicy(DefaultPolicyText(), "default");
  for (const auto& [method, kind] : expected) {
    auto m = ParseAttestMethod(method);
    ASSERT_TRUE(m) << method;
    EXPECT_EQ(AttestMethodName(*m), method);
    EXPECT_EQ(AttestKindOf(*m), kind);
    const EvidenceKindSpec* spec = policy.FindKind(kind);
    ASSERT_NE(spec, nullptr) << kind;
    EXPECT_EQ(spec->cls, EvidenceClass::kAlive) << kind;
  }
  EXPECT_FALSE(ParseAttestMethod("iris"));
}

// A store with one person and one attestor registered for face and biometrics.
class AttestationStoreTest : public OnePersonStoreTest {
 protected:
  void SetUp() override {
    OnePersonStoreTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = row_.person.id_number;
    key_ = row_.person.key;
    auto k = AddPartner(*store_, policy_, secrets_,
                        {"city-face", Role::kAttestor, "certification_platform", {"face_auth", "biometric_auth"}}, 0);
    ASSERT_TRUE(k) << k.error().ToString();
    key_id_ = k->key_id;
    secret_ = k->signing_secret;
    const SignedRequest req = Req("setup-nonce-000001");
    auto attestor = VerifySignedRequest(*store_, secrets_, key_id_, Sign(secret_, req), req, now_s_, 300);
    ASSERT_TRUE(attestor) << attestor.error().ToString();
    attestor_ = *attestor;
  }
  SignedRequest Req(const std::string& nonce, int64_t ts_offset = 0) {
    ts_ = std::to_string(now_s_ + ts_offset);
    nonce_ = nonce;
    return {"POST", kPath, ts_, nonce_, body_};
  }

  Attestation Face() {
    return {.id_number = id_, .method = "face", .certified_at = "2026-11-20T09:30:00+08:00", .site = "kiosk-07",
            .score = 0.93, .liveness = 0.98, .ref = "r-1"};
  }

  Result<AttestationOutcome> Record(const Attestation& a) {
    return RecordAttestation(*store_, policy_, attestor_, a, now_s_ * 1000, 300);
  }

  Secrets secrets_ = Secrets::FromBytesForTest(std::string(32, 's'));
  const int64_t now_s_ = static_cast<int64_t>(today_.days()) * 86400 + 8 * 3600;
  std::string id_, key_id_, secret_, ts_, nonce_, body_ = R"({"x":1})";
  PersonKey key_ = 0;
  Principal attestor_;
};

TEST_F(AttestationStoreTest, ANonceIsRefusedForAsLongAsItsTimestampCouldPass) {
  // Timestamped at the far edge of the window ahead of the server's clock...
  SignedRequest r = Req("nonce-ahead-000001", 300);
  ASSERT_TRUE(VerifySignedRequest(*store_, secrets_, key_id_, Sign(secret_, r), r, now_s_, 300));
  // ... it is still within the window nearly ten minutes later: still refused.
  auto again = VerifySignedRequest(*store_, secrets_, key_id_, Sign(secret_, r), r, now_s_ + 599, 300);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("replayed"), std::string::npos);
  auto late = VerifySignedRequest(*store_, secrets_, key_id_, Sign(secret_, r), r, now_s_ + 601, 300);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("X-Tacit-Timestamp"), std::string::npos);
}

TEST_F(AttestationStoreTest, AFailedSignatureDoesNotUseUpTheNonce) {
  SignedRequest r = Req("nonce-bad-sig-0001");
  std::string wrong = Sign("not the secret", r);
  EXPECT_FALSE(VerifySignedRequest(*store_, secrets_, key_id_, wrong, r, now_s_, 300));
  std::string upper = Sign(secret_, r);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(VerifySignedRequest(*store_, secrets_, key_id_, upper, r, now_s_, 300));
}

TEST_F(AttestationStoreTest, TheDateCertifiedIsTheDateInTheZoneGiven) {
  Attestation a = Face();
  a.certified_at = "2026-11-19T23:30:00-05:00";  // 2026-11-20 04:30 UTC
  auto o = Record(a);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->refusal, AttestationRefusal::kNone) << o->message;
  EXPECT_EQ(o->certified_on.ToString(), "2026-11-19");
  auto stored = store_->FindEvidence(o->evidence_id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->occurred_on.ToString(), "2026-11-19");
  EXPECT_EQ((*stored)->received_on.ToString(), "2026-11-20");
  EXPECT_EQ((*stored)->ref, "city-face/r-1");
  EXPECT_EQ((*stored)->link_method, "exact");
  auto summary = store_->PersonSummary(key_);
  ASSERT_TRUE(summary && *summary);
  EXPECT_EQ((*summary)->last_alive->ToString(), "2026-11-19");
}

TEST_F(AttestationStoreTest, MalformedAndFutureTimesAreRefused) {
  for (const char* text : {"2026-11-20", "2026-11-20T09:30:00", "2026-02-30T09:30:00Z", "2026-11-20T24:00:00Z",
                           "2026-11-20T09:30:00+8", "2026-11-20 09:30:00Z", "2026-11-20T08:06:00Z"}) {
    Attestation a = Face();
    a.certified_at = text;
    auto o = Record(a);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->refusal, AttestationRefusal::kInvalidField) << text;
    EXPECT_EQ(o->field, "certified_at") << text;
  }
  Attestation a = Face();
  a.certified_at = "2026-11-20T08:04:59.125Z";  // inside the clock skew allowed
  auto o = Record(a);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->refusal, AttestationRefusal::kNone) << o->message;
}

TEST_F(AttestationStoreTest, RefusalsWriteNothing) {
  Attestation low = Face();
  low.score = 0.5;
  Attestation no_liveness = Face();
  no_liveness.liveness.reset();
  Attestation number_in_ref = Face();
  number_in_ref.ref = "x-" + id_;
  Attestation visit = Face();
  visit.method = "home_visit";
  for (const Attestation& a : {low, no_liveness, number_in_ref, visit}) {
    auto o = Record(a);
    ASSERT_TRUE(o);
    EXPECT_NE(o->refusal, AttestationRefusal::kNone) << a.ref;
    EXPECT_EQ(o->message.find(id_), std::string::npos);
  }
  auto evidence = store_->EvidenceOf(key_);
  ASSERT_TRUE(evidence);
  EXPECT_TRUE(evidence->empty());
}

TEST_F(AttestationStoreTest, AFingerprintIsABiometricRecordWithItsModality) {
  Attestation a = Face();
  a.method = "fingerprint";
  a.liveness.reset();
  auto o = Record(a);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->refusal, AttestationRefusal::kNone) << o->message;
  EXPECT_EQ(o->kind, "biometric_auth");
  auto e = store_->FindEvidence(o->evidence_id);
  ASSERT_TRUE(e && *e);
  EXPECT_NE((*e)->detail.find(R"("modality":"fingerprint")"), std::string::npos) << (*e)->detail;
  // The same ref as a palm vein result is another result, not a resend.
  a.method = "palm_vein";
  auto other = Record(a);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->refusal, AttestationRefusal::kRefReused);
}

}  // namespace
}  // namespace tacit
