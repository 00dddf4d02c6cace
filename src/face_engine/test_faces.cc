#include "face_engine/test_faces.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tacit::testing {

namespace fs = std::filesystem;

std::vector<TestPhoto> JohnsPhotos() {
  std::vector<TestPhoto> out;
  std::error_code ec;
  if (!fs::is_directory(kJohnsDir, ec)) return out;
  for (const auto& person : fs::directory_iterator(kJohnsDir)) {
    if (!person.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(person.path())) {
      if (file.path().extension() != ".jpg") continue;
      out.push_back({person.path().filename().string(), file.path().string(), cv::imread(file.path().string())});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::string TestModelDir() {
  if (const char* env = std::getenv("TACIT_MODEL_DIR"); env != nullptr && *env != '\0') return env;
#ifdef TACIT_FACE_MODEL_DIR
  return TACIT_FACE_MODEL_DIR;
#else
  return "models/face";
#endif
}

const FaceEngine* SharedEngine(std::string* error) {
  static const auto loaded = FaceEngine::Load(TestModelDir(), 2);
  if (!loaded) {
    if (error) *error = loaded.error().ToString();
    return nullptr;
  }
  return loaded->get();
}

const std::vector<TestPhoto>& SharedJohns() {
  static const std::vector<TestPhoto> photos = JohnsPhotos();
  return photos;
}

cv::Mat InFrame(const cv::Mat& photo, int side, int width, int height) {
  cv::Mat frame(height, width, CV_8UC3, cv::Scalar(110, 120, 130));
  const double k = double(side) / std::max(photo.cols, photo.rows);
  cv::Mat scaled;
  cv::resize(photo, scaled, {}, k, k, k > 1 ? cv::INTER_CUBIC : cv::INTER_AREA);
  const int x = (width - scaled.cols) / 2, y = (height - scaled.rows) / 2;
  scaled.copyTo(frame(cv::Rect(x, y, scaled.cols, scaled.rows)));
  return frame;
}

std::string Jpeg(const cv::Mat& bgr, int quality) {
  std::vector<uchar> buf;
  cv::imencode(".jpg", bgr, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
  return std::string(buf.begin(), buf.end());
}

cv::Mat Tilted(const cv::Mat& photo, double amount) {
  const float w = float(photo.cols), h = float(photo.rows);
  const float a = float(std::abs(amount));
  const float shrink = a * h * 0.18f, slide = a * w * 0.35f;
  std::vector<cv::Point2f> src = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  std::vector<cv::Point2f> dst;
  if (amount > 0) {
    dst = {{slide, 0}, {w, shrink}, {w, h - shrink}, {slide, h}};
  } else {
    dst = {{0, shrink}, {w - slide, 0}, {w - slide, h}, {0, h - shrink}};
  }
  cv::Mat out;
  cv::warpPerspective(photo, out, cv::getPerspectiveTransform(src, dst), photo.size(), cv::INTER_LINEAR,
                      cv::BORDER_REPLICATE);
  return out;
}

cv::Mat HeadTurned(const cv::Mat& frame, const FaceObservation& o, double degrees) {
  const double theta = degrees * CV_PI / 180;
  const double cx = o.box.x + o.box.width / 2;
  const double radius = o.box.width * 0.62;
  cv::Mat map_x(frame.size(), CV_32F), map_y(frame.size(), CV_32F);
  for (int y = 0; y < frame.rows; ++y) {
    for (int x = 0; x < frame.cols; ++x) {
      double sx = x;
      const double u = (x - cx) / radius;
      if (std::abs(u) < 1) {
        const double phi = std::asin(u) - theta;
        sx = std::abs(phi) < CV_PI / 2 ? cx + radius * std::sin(phi) : (phi > 0 ? cx + radius : cx - radius);
      }
      map_x.at<float>(y, x) = float(sx);
      map_y.at<float>(y, x) = float(y);
    }
  }
  cv::Mat out;
  cv::remap(frame, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

cv::Mat MouthOpened(const cv::Mat& frame, const FaceObservation& o, double gap_of_width) {
  const auto& q = o.landmarks;
  const double mouth_y = (q[62].y + q[66].y) / 2, mouth_x = (q[60].x + q[64].x) / 2;
  const double width = std::hypot(q[64].x - q[60].x, q[64].y - q[60].y);
  const double gap = gap_of_width * width;
  const double half_face = o.box.width / 2, face_cx = o.box.x + o.box.width / 2;
  cv::Mat map_x(frame.size(), CV_32F), map_y(frame.size(), CV_32F);
  for (int y = 0; y < frame.rows; ++y) {
    for (int x = 0; x < frame.cols; ++x) {
      const double d = std::abs(x - face_cx) / half_face;
      const double weight = d < 1 ? 0.5 * (1 + std::cos(CV_PI * d)) : 0;
      map_x.at<float>(y, x) = float(x);
      map_y.at<float>(y, x) = float(y > mouth_y ? std::max(mouth_y, y - gap * weight) : y);
    }
  }
  cv::Mat out;
  cv::remap(frame, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::ellipse(out, cv::Point2d(mouth_x, mouth_y + gap / 2), cv::Size2d(width * 0.42, gap / 2), 0, 0, 360,
              cv::Scalar(40, 30, 45), cv::FILLED, cv::LINE_AA);
  return out;
}

cv::Mat EyesClosed(const cv::Mat& frame, const FaceObservation& o) {
  cv::Mat out = frame.clone();
  for (int first : {36, 42}) {
    std::vector<cv::Point> eye;
    for (int i = first; i < first + 6; ++i) eye.emplace_back(cvRound(o.landmarks[i].x), cvRound(o.landmarks[i].y));
    const cv::Rect r = cv::boundingRect(eye);
    const int pad = std::max(2, r.height);
    // Skin: the band just under the eye.
    const cv::Rect below = cv::Rect(r.x, r.y + r.height + pad / 2, r.width, std::max(2, pad / 2)) &
                           cv::Rect(0, 0, out.cols, out.rows);
    const cv::Scalar skin = cv::mean(out(below));
    std::vector<cv::Point> grown;
    const cv::Point c(r.x + r.width / 2, r.y + r.height / 2);
    for (const auto& p : eye) grown.push_back(c + (p - c) * 1.5);
    cv::fillConvexPoly(out, grown, skin, cv::LINE_AA);
    // The closed lid: a thin dark arc along the lower lid.
    std::vector<cv::Point> lid = {eye[0], eye[5], eye[4], eye[3]};
    cv::polylines(out, lid, false, skin * 0.45, std::max(1, r.height / 4), cv::LINE_AA);
  }
  cv::GaussianBlur(out, out, {3, 3}, 0);
  return out;
}

cv::Mat Grey(const cv::Mat& bgr) {
  cv::Mat g, out;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  cv::cvtColor(g, out, cv::COLOR_GRAY2BGR);
  return out;
}

cv::Mat Dark(const cv::Mat& bgr, double factor) {
  cv::Mat out;
  bgr.convertTo(out, -1, factor, 0);
  return out;
}

cv::Mat Recompressed(const cv::Mat& bgr, int quality) {
  const std::string bytes = Jpeg(bgr, quality);
  return cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data())), cv::IMREAD_COLOR);
}

}  // namespace tacit::testing
