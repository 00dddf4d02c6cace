#include "face_engine/face_video.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "face_engine/test_faces.h"

namespace tacit::testing {

Result<std::vector<cv::Mat>> ActingFrames(const FaceEngine& engine, const cv::Mat& photo, int cycles, bool still,
                                          int side) {
  const cv::Mat start = InFrame(photo, side);
  const FaceObservation o = engine.Analyse(Jpeg(start), {});
  if (o.problem != FaceProblem::kNone) {
    return InvalidArgument(fmt::format("the photo shows no usable face ({})", FaceProblemName(o.problem)));
  }
  std::vector<cv::Mat> frames(6, start);
  for (int c = 0; c < cycles; ++c) {
    for (double deg : {8, 16, 24, 32, 38, 32, 24, 16, 8, 0, 0, 0}) frames.push_back(HeadTurned(start, o, deg));
    for (double g : {0.1, 0.25, 0.4, 0.45, 0.4, 0.25, 0.1, 0.0, 0.0, 0.0}) {
      frames.push_back(g > 0 ? MouthOpened(start, o, g) : start);
    }
    for (double deg : {8, 16, 24, 32, 38, 32, 24, 16, 8, 0, 0, 0}) frames.push_back(HeadTurned(start, o, -deg));
  }
  if (still) frames.assign(frames.size(), start);
  return frames;
}

Status WriteY4m(const std::string& path, const std::vector<cv::Mat>& frames, int fps) {
  if (frames.empty()) return InvalidArgument("no frames");
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << fmt::format("YUV4MPEG2 W{} H{} F{}:1 Ip A1:1 C420jpeg\n", frames[0].cols, frames[0].rows, fps);
  for (const cv::Mat& f : frames) {
    cv::Mat yuv;
    cv::cvtColor(f, yuv, cv::COLOR_BGR2YUV_I420);
    out << "FRAME\n";
    out.write(reinterpret_cast<const char*>(yuv.data), static_cast<std::streamsize>(yuv.total()));
  }
  out.close();
  if (!out) return Unavailable(fmt::format("{}: cannot write", path));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable(fmt::format("{}: cannot write", path));
  return {};
}

Result<std::vector<cv::Mat>> ReadY4m(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unavailable(fmt::format("{}: cannot read", path));
  std::string header;
  std::getline(in, header);
  int width = 0, height = 0;
  if (header.rfind("YUV4MPEG2 ", 0) != 0 || std::sscanf(header.c_str(), "YUV4MPEG2 W%d H%d", &width, &height) != 2 ||
      width <= 0 || height <= 0 || width % 2 || height % 2 || header.find("C420") == std::string::npos) {
    return InvalidArgument(fmt::format("{}: not a 4:2:0 Y4M file", path));
  }
  std::vector<cv::Mat> frames;
  std::string tag;
  while (std::getline(in, tag)) {
    if (tag.rfind("FRAME", 0) != 0) return InvalidArgument(fmt::format("{}: frame {} has no FRAME tag", path, frames.size()));
    cv::Mat yuv(height * 3 / 2, width, CV_8UC1);
    in.read(reinterpret_cast<char*>(yuv.data), static_cast<std::streamsize>(yuv.total()));
    if (!in) return InvalidArgument(fmt::format("{}: frame {} is cut off", path, frames.size()));
    cv::Mat bgr;
    cv::cvtColor(yuv, bgr, cv::COLOR_YUV2BGR_I420);
    frames.push_back(bgr);
  }
  return frames;
}

}  // namespace tacit::testing
