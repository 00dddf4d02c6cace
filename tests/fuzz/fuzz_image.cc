// Uploaded photos and camera frames (src/face_engine/image_decode.h): the
// base64 text of the JSON body (Base64Decode), the JPEG/PNG header reader
// and the size limits, then OpenCV's imdecode for what passes them — the
// decoding stage of every face analysis, without the models.
#include "face_engine/image_decode.h"
#include "fuzz_util.h"
#include "tacit/secrets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input = tacit::fuzz::AsText(data + 1, size - 1);
  // The first byte: the bytes as sent in a JSON string (base64) or raw.
  std::string decoded;
  if (data[0] & 1) {
    auto bytes = tacit::Base64Decode(input);
    if (!bytes) return 0;
    decoded = std::move(*bytes);
  } else {
    decoded = std::string(input);
  }
  tacit::FaceAnalyseOptions options;
  // Smaller than the server's limits: a fuzzed header asking for 16 megapixels
  // would make each run slow, not find more.
  options.max_pixels = 1'000'000;
  options.max_side = 2048;
  cv::Mat bgr;
  int width = 0, height = 0;
  const tacit::FaceProblem p = tacit::face_internal::DecodeImage(decoded, options, &bgr, &width, &height);
  if (p == tacit::FaceProblem::kNone) {
    FUZZ_CHECK(!bgr.empty() && bgr.type() == CV_8UC3);
    FUZZ_CHECK(int64_t(bgr.cols) * bgr.rows <= options.max_pixels);
  }
  return 0;
}
