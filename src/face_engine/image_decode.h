// The decoding of an uploaded photo or camera frame, the first stage of
// FaceEngine::Analyse: the header's size is read and checked against the
// limits before OpenCV decodes anything. Internal to the face pipeline; apart
// so that the fuzz target (tests/fuzz/fuzz_image.cc) runs exactly this stage.
#ifndef TACIT_SRC_FACE_ENGINE_IMAGE_DECODE_H_
#define TACIT_SRC_FACE_ENGINE_IMAGE_DECODE_H_

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "tacit/face.h"
#include "tacit/face_engine.h"

namespace tacit::face_internal {

// Width and height from a JPEG's or PNG's header, without decoding; nullopt
// for anything else (OpenCV reads more formats, but no camera or card photo
// comes in them and each decoder is attack surface) and for progressive or
// arithmetic-coded JPEG (a camera or a browser writes baseline; a progressive
// file can repeat scans to make decoding take seconds).
std::optional<std::pair<int64_t, int64_t>> ImageHeaderSize(std::string_view encoded);

// Decodes `encoded` into *bgr (8-bit, 3 channels) when its header gives a size
// within `options`' limits. Returns kNone, kUndecodable (not a baseline JPEG or
// a PNG, or damaged) or kTooLarge; *width and *height are the header's size
// once it was read (left alone otherwise).
FaceProblem DecodeImage(std::string_view encoded, const FaceAnalyseOptions& options, cv::Mat* bgr, int* width,
                        int* height);

}  // namespace tacit::face_internal

#endif  // TACIT_SRC_FACE_ENGINE_IMAGE_DECODE_H_
