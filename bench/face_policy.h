// The face_* parameters of the compiled-in default policy, as the face
// benchmarks use them (bench/face_accuracy.cc, bench/face_bench.cc): the
// decision threshold and review band, and the image quality asked of camera
// frames and of enrolment photos. Read from the policy, never restated here.
#ifndef TACIT_BENCH_FACE_POLICY_H_
#define TACIT_BENCH_FACE_POLICY_H_

#include <cstdio>
#include <cstdlib>

#include "tacit/civil.h"
#include "tacit/face.h"
#include "tacit/policy.h"

namespace tacit::bench {

struct FacePolicy {
  Date on;
  double threshold = 0;    // face_match_threshold
  double review_band = 0;  // face_review_band
  FaceQualityLimits frame;  // camera frames (verification, liveness)
  FaceQualityLimits enrol;  // enrolment photos: larger face, frontal
};

// The default policy's values in force on `on`; exits with a message when the
// compiled-in policy does not parse (a broken build, not an input error).
inline FacePolicy DefaultFacePolicy(Date on) {
  auto parsed = ParsePolicy(DefaultPolicyText(), "policy/default.toml (compiled in)");
  if (!parsed) {
    std::fprintf(stderr, "the default policy does not parse: %s\n", parsed.error().ToString().c_str());
    std::exit(2);
  }
  const Policy& p = *parsed;
  FacePolicy f;
  f.on = on;
  f.threshold = p.face_match_threshold.At(on);
  f.review_band = p.face_review_band.At(on);
  f.frame.min_face_px = p.face_min_face_px.At(on);
  f.frame.min_brightness = p.face_min_brightness.At(on);
  f.frame.max_brightness = p.face_max_brightness.At(on);
  f.frame.min_sharpness = p.face_min_sharpness.At(on);
  f.enrol = f.frame;
  f.enrol.min_face_px = p.face_enrol_min_face_px.At(on);
  f.enrol.max_yaw = p.face_enrol_max_yaw.At(on);
  return f;
}

}  // namespace tacit::bench

#endif  // TACIT_BENCH_FACE_POLICY_H_
