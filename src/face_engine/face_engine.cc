#include "tacit/face_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "face_engine/image_decode.h"
#include "tacit/secrets.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// dlib's 68-point mean face for points 17-67 (brows, nose, eyes, mouth), in
// the unit square of a face chip without padding: the alignment target of
// dlib's get_face_chip_details, which the recogniser was trained on.
constexpr double kMeanFaceX[51] = {
    0.000213256, 0.0752622, 0.18113,  0.29077,  0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
    0.490127,    0.490127,  0.490127, 0.490127, 0.36688,  0.426036, 0.490127, 0.554217, 0.613373, 0.121737,
    0.187122,    0.265825,  0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751,
    0.719335,    0.254149,  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127,    0.423532,  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127,
    0.42689};
constexpr double kMeanFaceY[51] = {
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
    0.203352, 0.307009, 0.409805,  0.515625,  0.587326,  0.609345,  0.628106,  0.609345,  0.587326, 0.216423,
    0.178758, 0.179852, 0.231733,  0.245099,  0.244077,  0.231733,  0.179852,  0.178758,  0.216423, 0.244077,
    0.245099, 0.780233, 0.745405,  0.727388,  0.742578,  0.727388,  0.745405,  0.780233,  0.864805, 0.902192,
    0.909281, 0.902192, 0.864805,  0.784792,  0.778746,  0.785343,  0.778746,  0.784792,  0.824182, 0.831803,
    0.824182};
constexpr int kChipSize = 150;
constexpr int kWorkingSide = 1280;
constexpr double kChipPadding = 0.25;

// TinyFaceDetector's five anchor boxes (width, height in grid cells), as
// face-api.js trained it.
constexpr float kAnchors[5][2] = {
    {1.603231f, 2.094468f}, {6.041143f, 7.080126f}, {2.882459f, 3.518061f}, {4.266906f, 5.178857f}, {9.041765f, 10.66308f}};

// A detection smaller than this fraction of the largest face's width is not
// counted as another person (a face in a photo on the wall behind, a false
// detection in a pattern).
constexpr float kOtherFaceMinFraction = 0.35f;

struct Detection {
  cv::Rect2f box;
  float score = 0;
};

struct Worker {
  cv::dnn::Net detector, landmarks, recogniser;
};

double Sigmoid(float v) { return 1.0 / (1.0 + std::exp(-v)); }

std::vector<Detection> Detect(cv::dnn::Net& net, const cv::Mat& bgr, int size, float threshold) {
  // face-api's convention: pad to a square at the bottom and right, resize.
  const int side = std::max(bgr.cols, bgr.rows);
  cv::Mat square(side, side, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr.copyTo(square(cv::Rect(0, 0, bgr.cols, bgr.rows)));
  net.setInput(cv::dnn::blobFromImage(square, 1.0, {size, size}, cv::Scalar(), /*swapRB=*/true, false, CV_32F));
  const cv::Mat grid = net.forward();  // [1, 25, n, n]: anchor × (tx, ty, tw, th, score)
  const int n = grid.size[2];
  const float* d = grid.ptr<float>();
  std::vector<cv::Rect> int_boxes;
  std::vector<float> scores;
  std::vector<cv::Rect2f> boxes;
  for (int a = 0; a < 5; ++a) {
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        auto at = [&](int k) { return d[((a * 5 + k) * n + r) * n + c]; };
        const float score = static_cast<float>(Sigmoid(at(4)));
        if (score < threshold) continue;
        const double cx = (c + Sigmoid(at(0))) / n, cy = (r + Sigmoid(at(1))) / n;
        const double w = std::exp(at(2)) * kAnchors[a][0] / n, h = std::exp(at(3)) * kAnchors[a][1] / n;
        cv::Rect2f box(float((cx - w / 2) * side), float((cy - h / 2) * side), float(w * side), float(h * side));
        boxes.push_back(box);
        int_boxes.push_back(cv::Rect(box));
        scores.push_back(score);
      }
    }
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(int_boxes, scores, threshold, 0.4f, keep);
  std::vector<Detection> out;
  for (int i : keep) out.push_back({boxes[i], scores[i]});
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.box.area() > y.box.area(); });
  return out;
}

std::array<FacePoint, 68> Landmarks(cv::dnn::Net& net, const cv::Mat& bgr, const cv::Rect2f& box) {
  // face-api's convention: the box cropped, padded to a centred square, 112×112.
  const cv::Rect r = cv::Rect(box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  std::array<FacePoint, 68> pts{};
  if (r.width < 2 || r.height < 2) return pts;
  const int side = std::max(r.width, r.height);
  const int px = (side - r.width) / 2, py = (side - r.height) / 2;
  cv::Mat square(side, side, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr(r).copyTo(square(cv::Rect(px, py, r.width, r.height)));
  net.setInput(cv::dnn::blobFromImage(square, 1.0, {112, 112}, cv::Scalar(), true, false, CV_32F));
  const cv::Mat out = net.forward();  // [1, 136]: x0, y0, x1, y1 ... relative to the square
  const float* p = out.ptr<float>();
  for (int i = 0; i < 68; ++i) {
    pts[i] = {r.x - px + p[2 * i] * side, r.y - py + p[2 * i + 1] * side};
  }
  return pts;
}

// The least-squares similarity transform (rotation, uniform scale,
// translation) taking `src` onto `dst` (Umeyama's closed form in 2-D).
cv::Mat Similarity(const std::vector<cv::Point2d>& src, const std::vector<cv::Point2d>& dst) {
  const size_t n = src.size();
  cv::Point2d ms(0, 0), md(0, 0);
  for (size_t i = 0; i < n; ++i) {
    ms += src[i];
    md += dst[i];
  }
  ms /= double(n);
  md /= double(n);
  double sxx = 0, a = 0, b = 0;
  for (size_t i = 0; i < n; ++i) {
    const cv::Point2d s = src[i] - ms, t = dst[i] - md;
    sxx += s.dot(s);
    a += s.x * t.x + s.y * t.y;
    b += s.x * t.y - s.y * t.x;
  }
  const double c = sxx > 0 ? a / sxx : 1, s = sxx > 0 ? b / sxx : 0;
  return (cv::Mat_<double>(2, 3) << c, -s, md.x - (c * ms.x - s * ms.y), s, c, md.y - (s * ms.x + c * ms.y));
}

cv::Mat AlignChip(const cv::Mat& bgr, const std::array<FacePoint, 68>& pts) {
  std::vector<cv::Point2d> src, dst;
  for (int i = 17; i < 68; ++i) {
    src.emplace_back(pts[i].x, pts[i].y);
    dst.emplace_back((kChipPadding + kMeanFaceX[i - 17]) / (2 * kChipPadding + 1) * kChipSize,
                     (kChipPadding + kMeanFaceY[i - 17]) / (2 * kChipPadding + 1) * kChipSize);
  }
  cv::Mat chip;
  cv::warpAffine(bgr, chip, Similarity(src, dst), {kChipSize, kChipSize}, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  return chip;
}

double Dist(const FacePoint& a, const FacePoint& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Eye aspect ratio (Soukupová and Čech, 2016) of the eye at points i..i+5.
double EyeAspect(const std::array<FacePoint, 68>& q, int i) {
  const double width = Dist(q[i], q[i + 3]);
  if (width <= 0) return 0;
  return (Dist(q[i + 1], q[i + 5]) + Dist(q[i + 2], q[i + 4])) / (2 * width);
}

void PoseFromLandmarks(const std::array<FacePoint, 68>& q, FaceObservation& o) {
  o.eye_openness = (EyeAspect(q, 36) + EyeAspect(q, 42)) / 2;
  // Mouth: the inner lips' gap (61-67, 62-66, 63-65) over the mouth's width (60-64).
  const double mouth_width = Dist(q[60], q[64]);
  o.mouth_openness =
      mouth_width > 0 ? (Dist(q[61], q[67]) + Dist(q[62], q[66]) + Dist(q[63], q[65])) / (3 * mouth_width) : 0;
  // Yaw: where the nose tip (30) lies between the jaw's ends (0 and 16); in
  // the image the nose moves right when the person turns to their left.
  const double span = q[16].x - q[0].x;
  o.yaw = span > 0 ? ((q[30].x - q[0].x) / span - 0.5) * 2 : 0;
  // Pitch: the nose tip's height between the eyes' line and the chin (8),
  // against its usual place in a level face (about 0.32 of the way down).
  const double eyes_y = (q[36].y + q[39].y + q[42].y + q[45].y) / 4;
  const double down = q[8].y - eyes_y;
  o.pitch = down > 0 ? 0.32 - (q[30].y - eyes_y) / down : 0;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

struct FaceEngine::Impl {
  std::vector<FaceModelInfo> models;
  std::string recogniser_sha256;
  std::vector<std::unique_ptr<Worker>> workers;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  mutable std::vector<Worker*> idle;

  Worker* Acquire() const {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !idle.empty(); });
    Worker* w = idle.back();
    idle.pop_back();
    return w;
  }
  void Release(Worker* w) const {
    {
      std::lock_guard lock(mu);
      idle.push_back(w);
    }
    cv.notify_one();
  }

  FaceObservation Run(Worker& w, const cv::Mat& bgr, const FaceQualityLimits& limits, const FaceAnalyseOptions& opt,
                      FaceStageTimes* times) const;
};

FaceEngine::FaceEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceEngine::~FaceEngine() = default;

Result<std::unique_ptr<FaceEngine>> FaceEngine::Load(const std::string& dir, int workers) {
  const fs::path base(dir);
  const fs::path manifest_path = base / "manifest.json";
  std::error_code ec;
  if (!fs::is_regular_file(manifest_path, ec)) {
    return NotFound(fmt::format("人脸识别模型目录中没有 manifest.json (no manifest.json in the face model directory {}: "
                                "build tacit with scripts/setup.sh, or give --model-dir)", dir));
  }
  const nlohmann::json manifest = nlohmann::json::parse(ReadFile(manifest_path), nullptr, false);
  if (!manifest.is_object() || manifest.value("format", 0) != 1 || !manifest.contains("models") ||
      !manifest["models"].is_object()) {
    return InvalidArgument(fmt::format("{}: expected {{\"format\": 1, \"models\": {{...}}}}", manifest_path.string()));
  }
  auto impl = std::make_unique<Impl>();
  std::map<std::string, fs::path> paths;
  for (const char* role : {"detector", "landmarks", "recognition"}) {
    const nlohmann::json m = manifest["models"].value(role, nlohmann::json());
    if (!m.is_object() || !m.contains("file") || !m.contains("sha256") || !m["file"].is_string() ||
        !m["sha256"].is_string()) {
      return InvalidArgument(fmt::format("{}: models.{} needs \"file\" and \"sha256\"", manifest_path.string(), role));
    }
    FaceModelInfo info;
    info.role = role;
    info.file = m["file"].get<std::string>();
    info.sha256 = m["sha256"].get<std::string>();
    info.source = m.value("source", "");
    info.licence = m.value("licence", "");
    // A manifest names files within its own directory only.
    if (info.file.empty() || info.file.find('/') != std::string::npos || info.file.find("..") != std::string::npos) {
      return InvalidArgument(fmt::format("{}: models.{}.file must be a file name in the same directory",
                                         manifest_path.string(), role));
    }
    const fs::path path = base / info.file;
    if (!fs::is_regular_file(path, ec)) {
      return NotFound(fmt::format("人脸识别模型文件缺失 (model file missing: {})", path.string()));
    }
    const std::string actual = Sha256Hex(ReadFile(path));
    if (actual != info.sha256) {
      return DataLoss(fmt::format("人脸识别模型文件校验失败 (model file {} has SHA-256 {}, the manifest says {}: "
                                  "the file was changed or damaged; rebuild the models)",
                                  path.string(), actual, info.sha256));
    }
    if (info.role == "recognition") impl->recogniser_sha256 = info.sha256;
    paths[role] = path;
    impl->models.push_back(std::move(info));
  }
  // One core per analysis: the server runs several analyses at once on its
  // threads, and OpenCV's own thread pool would only fight them.
  cv::setNumThreads(1);
  workers = std::max(1, workers);
  try {
    for (int i = 0; i < workers; ++i) {
      auto w = std::make_unique<Worker>();
      w->detector = cv::dnn::readNetFromONNX(paths["detector"].string());
      w->landmarks = cv::dnn::readNetFromONNX(paths["landmarks"].string());
      w->recogniser = cv::dnn::readNetFromONNX(paths["recognition"].string());
      impl->idle.push_back(w.get());
      impl->workers.push_back(std::move(w));
    }
  } catch (const cv::Exception& e) {
    return InvalidArgument(fmt::format("OpenCV cannot load the face models in {}: {}", dir, e.msg));
  }
  return std::unique_ptr<FaceEngine>(new FaceEngine(std::move(impl)));
}

const std::vector<FaceModelInfo>& FaceEngine::models() const { return impl_->models; }
const std::string& FaceEngine::recogniser_sha256() const { return impl_->recogniser_sha256; }

namespace face_internal {

std::optional<std::pair<int64_t, int64_t>> ImageHeaderSize(std::string_view b) {
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) && b.substr(12, 4) == "IHDR") {
    const int64_t w = (int64_t(u8(16)) << 24) | (u8(17) << 16) | (u8(18) << 8) | u8(19);
    const int64_t h = (int64_t(u8(20)) << 24) | (u8(21) << 16) | (u8(22) << 8) | u8(23);
    return std::pair{w, h};
  }
  if (b.size() >= 4 && u8(0) == 0xFF && u8(1) == 0xD8) {
    size_t i = 2;
    while (i + 4 <= b.size()) {
      if (u8(i) != 0xFF) return std::nullopt;
      const unsigned marker = u8(i + 1);
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        i += 2;
        continue;
      }
      const size_t len = (size_t(u8(i + 2)) << 8) | u8(i + 3);
      if (len < 2) return std::nullopt;
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof && marker != 0xC0 && marker != 0xC1) return std::nullopt;  // only baseline and extended sequential
      if (sof) {
        if (i + 9 > b.size()) return std::nullopt;
        const int64_t h = (int64_t(u8(i + 5)) << 8) | u8(i + 6);
        const int64_t w = (int64_t(u8(i + 7)) << 8) | u8(i + 8);
        return std::pair{w, h};
      }
      i += 2 + len;
    }
  }
  return std::nullopt;
}

FaceProblem DecodeImage(std::string_view encoded, const FaceAnalyseOptions& options, cv::Mat* bgr, int* width,
                        int* height) {
  const auto size = ImageHeaderSize(encoded);
  if (!size || size->first <= 0 || size->second <= 0) return FaceProblem::kUndecodable;
  *width = static_cast<int>(std::min<int64_t>(size->first, INT32_MAX));
  *height = static_cast<int>(std::min<int64_t>(size->second, INT32_MAX));
  // Each side first (the product of two 32-bit sides could overflow), then
  // the shape (a 16000×1000 strip is padded to a square), then the area.
  const int64_t longer = std::max(size->first, size->second), shorter = std::min(size->first, size->second);
  if (longer > options.max_side || longer > shorter * 4 || size->first * size->second > options.max_pixels) {
    return FaceProblem::kTooLarge;
  }
  try {
    const cv::Mat raw(1, static_cast<int>(encoded.size()), CV_8U, const_cast<char*>(encoded.data()));
    *bgr = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    bgr->release();
  }
  return bgr->empty() ? FaceProblem::kUndecodable : FaceProblem::kNone;
}

}  // namespace face_internal

FaceObservation FaceEngine::Analyse(std::string_view encoded, const FaceQualityLimits& limits,
                                    const FaceAnalyseOptions& options, FaceStageTimes* times) const {
  FaceObservation o;
  const auto start = Clock::now();
  cv::Mat bgr;
  o.problem = face_internal::DecodeImage(encoded, options, &bgr, &o.width, &o.height);
  if (o.problem != FaceProblem::kNone) return o;
  if (times) times->decode_ms += MsSince(start);
  Worker* w = impl_->Acquire();
  FaceObservation out = impl_->Run(*w, bgr, limits, options, times);
  impl_->Release(w);
  return out;
}

FaceObservation FaceEngine::AnalyseImage(std::string_view encoded, const FaceQualityLimits& limits,
                                         int detector_size) const {
  FaceAnalyseOptions options;
  options.detector_size = detector_size;
  return Analyse(encoded, limits, options);
}

FaceObservation FaceEngine::AnalyseBgr(const unsigned char* bgr, int width, int height,
                                       const FaceQualityLimits& limits, const FaceAnalyseOptions& options,
                                       FaceStageTimes* times) const {
  FaceObservation o;
  o.width = width;
  o.height = height;
  if (bgr == nullptr || width <= 0 || height <= 0) {
    o.problem = FaceProblem::kUndecodable;
    return o;
  }
  if (std::max(width, height) > options.max_side || std::max(width, height) > 4 * std::min(width, height) ||
      int64_t(width) * height > options.max_pixels) {
    o.problem = FaceProblem::kTooLarge;
    return o;
  }
  const cv::Mat image(height, width, CV_8UC3, const_cast<unsigned char*>(bgr));
  Worker* w = impl_->Acquire();
  FaceObservation out = impl_->Run(*w, image, limits, options, times);
  impl_->Release(w);
  return out;
}

FaceObservation FaceEngine::Impl::Run(Worker& w, const cv::Mat& input, const FaceQualityLimits& limits,
                                      const FaceAnalyseOptions& opt, FaceStageTimes* times) const {
  FaceObservation o;
  o.width = input.cols;
  o.height = input.rows;
  try {
    // Work on at most kWorkingSide pixels along the longer side: the detector
    // sees 320-416 anyway, a face of 80+ px keeps its detail, and padding and
    // retries stay small whatever the camera sends. Measures are in these
    // pixels; face_px is scaled back to the image's.
    cv::Mat bgr = input;
    double scale = 1;
    if (std::max(input.cols, input.rows) > kWorkingSide) {
      scale = double(kWorkingSide) / std::max(input.cols, input.rows);
      cv::resize(input, bgr, {}, scale, scale, cv::INTER_AREA);
    }
    auto t = Clock::now();
    std::vector<Detection> found = Detect(w.detector, bgr, opt.detector_size, opt.detector_threshold);
    // A dim room: the detector misses faces a brighter copy shows (the spike
    // lost 14 of 55 faces at a third of the light). Try once with the dark
    // tones lifted; the measures below still come from the original.
    if (found.empty() && cv::mean(bgr)[0] + cv::mean(bgr)[1] + cv::mean(bgr)[2] < 3 * 90) {
      cv::Mat lut(1, 256, CV_8U);
      for (int i = 0; i < 256; ++i) lut.at<uchar>(i) = cv::saturate_cast<uchar>(255.0 * std::pow(i / 255.0, 0.5));
      cv::Mat lifted;
      cv::LUT(bgr, lut, lifted);
      found = Detect(w.detector, lifted, opt.detector_size, opt.detector_threshold);
    }
    // A tightly cropped photo (a card photo cut to the face, a close selfie):
    // the detector wants some context around a face. Try once on the image
    // set in a margin of its own mean colour, and map the boxes back.
    if (found.empty()) {
      const int mx = bgr.cols / 2, my = bgr.rows / 2;
      cv::Mat framed;
      cv::copyMakeBorder(bgr, framed, my, my, mx, mx, cv::BORDER_CONSTANT, cv::mean(bgr));
      found = Detect(w.detector, framed, opt.detector_size, opt.detector_threshold);
      for (auto& d : found) {
        d.box.x -= float(mx);
        d.box.y -= float(my);
      }
    }
    // A face far from the camera: at 320 the detector misses most faces near
    // the 80 px minimum that it finds at 416. Once more at 416, so that the
    // person hears "come closer" rather than "no face".
    if (found.empty() && opt.detector_size < 416) found = Detect(w.detector, bgr, 416, opt.detector_threshold);
    if (times) times->detect_ms += MsSince(t);
    if (found.empty()) {
      o.problem = FaceProblem::kNoFace;
      return o;
    }
    const Detection& face = found.front();
    o.faces = static_cast<int>(std::count_if(found.begin(), found.end(), [&](const Detection& d) {
      return d.box.width >= kOtherFaceMinFraction * face.box.width;
    }));
    o.box = {face.box.x, face.box.y, face.box.width, face.box.height};
    o.detection_score = face.score;
    o.face_px = face.box.width / scale;
    if (o.faces > 1) {
      o.problem = FaceProblem::kSeveralFaces;
      return o;
    }
    if (o.face_px < limits.min_face_px) {
      o.problem = FaceProblem::kTooSmall;
      return o;
    }
    t = Clock::now();
    o.landmarks = Landmarks(w.landmarks, bgr, face.box);
    if (times) times->landmarks_ms += MsSince(t);
    PoseFromLandmarks(o.landmarks, o);
    t = Clock::now();
    const cv::Mat chip = AlignChip(bgr, o.landmarks);
    cv::Mat grey, laplacian;
    cv::cvtColor(chip, grey, cv::COLOR_BGR2GRAY);
    // Brightness and sharpness of the face itself, on the chip's inner part
    // (the padding shows hair and background).
    const cv::Rect inner(kChipSize / 5, kChipSize / 5, kChipSize * 3 / 5, kChipSize * 3 / 5);
    o.brightness = cv::mean(grey(inner))[0];
    // Sharpness: the Laplacian's variance against the face's own contrast
    // (×100), so that a dim or low-contrast face is not called blurred.
    cv::Laplacian(grey(inner), laplacian, CV_64F);
    cv::Scalar mean, stddev, grey_mean, grey_stddev;
    cv::meanStdDev(laplacian, mean, stddev);
    cv::meanStdDev(grey(inner), grey_mean, grey_stddev);
    o.sharpness = grey_stddev[0] > 1 ? 100 * stddev[0] * stddev[0] / (grey_stddev[0] * grey_stddev[0]) : 0;
    if (times) times->align_ms += MsSince(t);
    if (o.brightness < limits.min_brightness) o.problem = FaceProblem::kTooDark;
    else if (o.brightness > limits.max_brightness) o.problem = FaceProblem::kTooBright;
    else if (o.sharpness < limits.min_sharpness) o.problem = FaceProblem::kBlurred;
    else if (std::abs(o.yaw) > limits.max_yaw || std::abs(o.pitch) > limits.max_pitch) o.problem = FaceProblem::kNotFrontal;
    if (o.problem != FaceProblem::kNone) return o;
    t = Clock::now();
    w.recogniser.setInput(cv::dnn::blobFromImage(chip, 1.0, {kChipSize, kChipSize}, cv::Scalar(), true, false, CV_32F));
    const cv::Mat d = w.recogniser.forward();
    o.embedding.assign(d.ptr<float>(), d.ptr<float>() + d.total());
    double norm = 0;
    for (float v : o.embedding) norm += double(v) * v;
    norm = std::sqrt(norm);
    if (norm > 0) {
      for (float& v : o.embedding) v = static_cast<float>(v / norm);
    }
    if (times) times->embed_ms += MsSince(t);
  } catch (const cv::Exception&) {
    // An image OpenCV's network cannot take (degenerate sizes): not usable.
    o = FaceObservation{};
    o.width = input.cols;
    o.height = input.rows;
    o.problem = FaceProblem::kUndecodable;
  }
  return o;
}

}  // namespace tacit
