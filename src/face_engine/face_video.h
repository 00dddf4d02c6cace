// Synthetic camera videos for liveness tests: a photo performing every
// action a challenge can draw (turns as real head turns, an opened mouth),
// in a cycle long enough for any order, or held still. Written as Y4M
// (YUV4MPEG2, 4:2:0), the format Chromium's fake camera reads
// (--use-file-for-fake-video-capture), for the workbench's browser test.
#ifndef TACIT_FACE_ENGINE_FACE_VIDEO_H_
#define TACIT_FACE_ENGINE_FACE_VIDEO_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "tacit/face_engine.h"
#include "tacit/result.h"

namespace tacit::testing {

// Frames of `photo` (placed in a 640×480 frame, the face `side` pixels
// across) performing turn left, open mouth, turn right `cycles` times, each
// action between frontal frames; `still`: the same frame throughout.
Result<std::vector<cv::Mat>> ActingFrames(const FaceEngine& engine, const cv::Mat& photo, int cycles, bool still,
                                          int side = 200);
// Y4M out and back. Errors: kUnavailable (the file), kInvalidArgument (not Y4M 4:2:0).
Status WriteY4m(const std::string& path, const std::vector<cv::Mat>& frames, int fps);
Result<std::vector<cv::Mat>> ReadY4m(const std::string& path);

}  // namespace tacit::testing

#endif  // TACIT_FACE_ENGINE_FACE_VIDEO_H_
