// face_video: writes a synthetic camera video (Y4M) of a photo performing
// every liveness action, or held still, for browser tests of the citizen
// page (Chromium: --use-fake-device-for-media-stream
// --use-file-for-fake-video-capture=FILE.y4m).
//
//   face_video --photo FACE.jpg --out acting.y4m [--cycles 3] [--fps 10] [--still] [--model-dir DIR]
#include <fmt/format.h>

#include <opencv2/imgcodecs.hpp>
#include <string>

#include "face_engine/face_video.h"
#include "tacit/face_engine.h"

int main(int argc, char** argv) {
  std::string photo, out, model_dir;
  int cycles = 3, fps = 10;
  bool still = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--photo") photo = value();
    else if (a == "--out") out = value();
    else if (a == "--cycles") cycles = std::atoi(value().c_str());
    else if (a == "--fps") fps = std::atoi(value().c_str());
    else if (a == "--model-dir") model_dir = value();
    else if (a == "--still") still = true;
    else {
      fmt::print(stderr, "usage: face_video --photo FACE.jpg --out FILE.y4m [--cycles N] [--fps N] [--still] "
                         "[--model-dir DIR]\n");
      return 2;
    }
  }
  if (photo.empty() || out.empty() || cycles < 1 || cycles > 20 || fps < 1 || fps > 60) {
    fmt::print(stderr, "face_video: --photo and --out are required; --cycles 1-20, --fps 1-60\n");
    return 2;
  }
  const cv::Mat image = cv::imread(photo);
  if (image.empty()) {
    fmt::print(stderr, "face_video: {}: not a readable image\n", photo);
    return 1;
  }
  auto engine = tacit::FaceEngine::Load(tacit::ResolveFaceModelDir(model_dir), 1);
  if (!engine) {
    fmt::print(stderr, "face_video: {}\n", engine.error().message);
    return 1;
  }
  auto frames = tacit::testing::ActingFrames(**engine, image, cycles, still);
  if (!frames) {
    fmt::print(stderr, "face_video: {}: {}\n", photo, frames.error().message);
    return 1;
  }
  if (auto s = tacit::testing::WriteY4m(out, *frames, fps); !s) {
    fmt::print(stderr, "face_video: {}\n", s.error().message);
    return 1;
  }
  fmt::print("{}: {} frames, {} fps, {:.1f} s\n", out, frames->size(), fps, double(frames->size()) / fps);
  return 0;
}
