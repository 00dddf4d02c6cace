// Test photographs and the frames tests build from them. The photos are the
// real faces Debian's libdlib19.1 ships with its examples (johns/: five
// people, eleven 150×150 photos each); they are read where the package puts
// them and never copied into the repository.
#ifndef TACIT_FACE_ENGINE_TEST_FACES_H_
#define TACIT_FACE_ENGINE_TEST_FACES_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "tacit/face_engine.h"

namespace tacit::testing {

inline constexpr const char* kJohnsDir = "/usr/share/doc/libdlib19.1/examples/johns";

struct TestPhoto {
  std::string person;  // the folder: John_Salley ...
  std::string path;
  cv::Mat bgr;
};
// Every johns photo, sorted by person and file; empty when the package is missing.
std::vector<TestPhoto> JohnsPhotos();

// The models the build made (TACIT_FACE_MODEL_DIR), or $TACIT_MODEL_DIR.
std::string TestModelDir();

// For test fixtures: the engine on TestModelDir() with two workers, and the
// johns photos, each loaded once per test binary and kept to its end. The
// engine is null when it cannot load (`error` says why).
const FaceEngine* SharedEngine(std::string* error = nullptr);
const std::vector<TestPhoto>& SharedJohns();

// `photo` scaled so its longer side is `side` pixels, centred in a grey
// 640×480 camera frame.
cv::Mat InFrame(const cv::Mat& photo, int side, int width = 640, int height = 480);
// The frame as JPEG bytes at `quality`.
std::string Jpeg(const cv::Mat& bgr, int quality = 90);
// A flat photo tilted in front of the camera: a perspective warp that
// narrows one side, what a printed or on-screen photo turned by hand looks
// like. amount > 0 recedes the image's right side; 0..0.45.
cv::Mat Tilted(const cv::Mat& photo, double amount);
// A real head turn, approximated by rotating the photo as if painted on a
// vertical cylinder through the head: the middle of the face (nose) moves
// further than its edges, as it does when a head turns and does not when a
// flat photo is tilted. degrees > 0 turns the face to the person's left (the
// nose moves to the image's right).
cv::Mat HeadTurned(const cv::Mat& frame, const FaceObservation& o, double degrees);
// The mouth opened: the jaw below the lips moved down and the gap drawn as
// a dark mouth, at the landmarks `o` found.
cv::Mat MouthOpened(const cv::Mat& frame, const FaceObservation& o, double gap_of_width = 0.45);
// The same photo with both eyes drawn closed (the eye openings filled with
// the skin around them, the lid drawn as a line), at the landmarks `o` found.
cv::Mat EyesClosed(const cv::Mat& frame, const FaceObservation& o);
// Degraded probes for the accuracy report.
cv::Mat Grey(const cv::Mat& bgr);
cv::Mat Dark(const cv::Mat& bgr, double factor);
cv::Mat Recompressed(const cv::Mat& bgr, int quality);

}  // namespace tacit::testing

#endif  // TACIT_FACE_ENGINE_TEST_FACES_H_
