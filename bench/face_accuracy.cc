// face_accuracy: how well the face pipeline (tacit/face_engine.h) tells people
// apart on the only labelled faces available offline, as a Markdown report
// (issue 6; docs/biometrics.md, docs/performance.md).
//
//   build/bench/face_accuracy [--model-dir DIR] [--no-bald-guys]
//
// The photos are those Debian's libdlib19.1 ships with its examples, read where
// the package puts them and never copied:
//
// - johns/: 5 people × 11 photos of 150×150 pixels. The gallery is every photo
//   centred in a grey 640×480 frame at 240 pixels and analysed as an enrolment
//   photo (detector at 416, the policy's enrolment quality). The probes are the
//   same photos as camera frames (detector at 320, the policy's frame quality):
//   clean at 200 pixels; grey; JPEG quality 10; dark (every pixel × 0.3);
//   small (scaled so that the detector's box, face_px, is the policy's
//   face_min_face_px). Each probe is compared with the gallery template of
//   every other photo (never its own): 550 same-person and 2,420
//   different-person pairs per set when every image is usable. Two
//   diagnostics outside what the product does (the dark frames with the
//   brightness and sharpness gates off, the small ones with the detector at
//   416) and a table of failures to acquire by the photo's size show where
//   the gates and the detector draw the line.
// - faces/bald_guys.jpg: a collage of 24 photos of four people, six each.
//   The boxes and the grouping below were set by looking at the picture (not
//   by any recogniser); each photo is cut out, placed in a 640×480 frame and
//   analysed as a camera frame; every pair of the 24 is compared (60
//   same-person, 216 different-person).
//
// Decisions use DecideFace with the default policy's face_match_threshold and
// face_review_band in force today (TACIT_TODAY). Per set: failures to acquire
// (with the FaceProblem), the similarity distributions (with a text
// histogram), d′, the equal-error rate, the false-accept and false-reject
// rates at the threshold and at the lower edge of the review band, and the
// hardest pairs. These sets are tiny and their photos are probably in the
// recogniser's training data: a regression check, not an accuracy estimate
// for any population. Takes about half a minute on one core.
//
// Exit status: 0 when the report was written, 1 when the photos or the models
// are missing, 2 on bad usage.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "face_engine/test_faces.h"
#include "face_policy.h"
#include "tacit/civil.h"
#include "tacit/face.h"
#include "tacit/face_engine.h"

namespace tacit::bench {
namespace {

namespace fs = std::filesystem;
using testing::InFrame;
using testing::Jpeg;

constexpr const char* kBaldGuys = "/usr/share/doc/libdlib19.1/examples/faces/bald_guys.jpg";
constexpr int kGallerySide = 240;  // pixels, the photo's side in the enrolment frame
constexpr int kProbeSide = 200;    // pixels, in a camera frame (as face_engine_test)
constexpr int kJpegQuality = 90;   // a browser's camera frame
constexpr int kLowJpegQuality = 10;
constexpr double kDarkFactor = 0.3;

// One photo of the bald_guys collage: its person (by eye) and its box in the
// 1986×1545 image, x0, y0, x1, y1. Six photos of each of four people; the
// harder ones are a film still with hair and a telephone (D), a 1990s photo
// with hair (C), a frown (A), and a full-length photo whose face is about 110
// pixels across (C).
struct LabelledPhoto {
  char person;
  int x0, y0, x1, y1;
};
constexpr LabelledPhoto kBaldGuyPhotos[] = {
    {'A', 0, 0, 295, 298},       {'A', 487, 0, 828, 333},     {'A', 292, 195, 495, 378},
    {'A', 0, 310, 290, 598},     {'A', 500, 335, 818, 665},   {'A', 0, 1190, 295, 1545},
    {'B', 298, 0, 485, 188},     {'B', 830, 0, 1110, 315},    {'B', 282, 380, 498, 668},
    {'B', 820, 318, 1108, 655},  {'B', 35, 600, 280, 900},    {'B', 283, 670, 725, 1140},
    {'C', 1110, 0, 1770, 650},   {'C', 1778, 377, 1984, 648}, {'C', 1450, 650, 1900, 1050},
    {'C', 1000, 1255, 1348, 1545}, {'C', 1350, 1255, 1683, 1545}, {'C', 1685, 1255, 1986, 1545},
    {'D', 725, 725, 1000, 1128}, {'D', 1000, 650, 1327, 1008}, {'D', 0, 903, 290, 1190},
    {'D', 1000, 1008, 1327, 1253}, {'D', 297, 1140, 690, 1545}, {'D', 690, 1128, 1000, 1545},
};

// One analysed image: whose, which photo, and what the pipeline saw.
struct Sample {
  std::string person;
  std::string name;  // the photo, for the failure list
  FaceObservation o;
};

struct Pairs {
  std::vector<double> same, different;  // sorted
  // The hardest pairs: the least similar of one person, the most similar of
  // two people ("John_Simm/a.jpg ~ John_Simm/b.jpg").
  std::string lowest_same, highest_different;
  double lowest_same_score = 2, highest_different_score = -2;
};

// A probe set: its samples and the pairs they gave.
struct ProbeSet {
  std::string label;
  std::vector<Sample> samples;
  Pairs pairs;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return NAN;
  const double at = p * double(sorted.size() - 1);
  const size_t lo = size_t(std::floor(at)), hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (at - double(lo)) * (sorted[hi] - sorted[lo]);
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double Variance(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / double(v.size() - 1);
}

// d′: the distance between the two means in units of their pooled spread.
double DPrime(const Pairs& p) {
  const double spread = std::sqrt((Variance(p.same) + Variance(p.different)) / 2);
  return spread > 0 ? (Mean(p.same) - Mean(p.different)) / spread : NAN;
}

// Same-person pairs below t (false rejects) and different-person pairs at or
// above t (false accepts), as fractions; the vectors are sorted.
double FrrAt(const std::vector<double>& same, double t) {
  return double(std::lower_bound(same.begin(), same.end(), t) - same.begin()) / double(same.size());
}
double FarAt(const std::vector<double>& different, double t) {
  return double(different.end() - std::lower_bound(different.begin(), different.end(), t)) /
         double(different.size());
}

// The equal-error rate: at the threshold among the observed scores where the
// false-accept and false-reject rates are closest, their mean. When the two
// distributions do not overlap it is 0, at any threshold in (max different,
// min same].
double EqualErrorRate(const Pairs& p, double* at) {
  std::vector<double> candidates = p.same;
  candidates.insert(candidates.end(), p.different.begin(), p.different.end());
  std::sort(candidates.begin(), candidates.end());
  double best_gap = 2, eer = NAN;
  for (double t : candidates) {
    const double frr = FrrAt(p.same, t), far = FarAt(p.different, t);
    if (std::abs(far - frr) < best_gap) {
      best_gap = std::abs(far - frr);
      eer = (far + frr) / 2;
      *at = t;
    }
  }
  return eer;
}

// "3/550 (0.55 %)"; "—" when there are no pairs.
std::string Rate(size_t n, size_t of) {
  if (of == 0) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%zu/%zu (%.2f %%)", n, of, 100.0 * double(n) / double(of));
  return buf;
}

std::string Fixed(double v, int digits = 3) {
  if (std::isnan(v)) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void AddPair(Pairs& p, const Sample& a, const Sample& b) {
  const double s = FaceSimilarity(a.o.embedding, b.o.embedding);
  const std::string names = a.name + " ~ " + b.name;
  if (a.person == b.person) {
    p.same.push_back(s);
    if (s < p.lowest_same_score) {
      p.lowest_same_score = s;
      p.lowest_same = names;
    }
  } else {
    p.different.push_back(s);
    if (s > p.highest_different_score) {
      p.highest_different_score = s;
      p.highest_different = names;
    }
  }
}

void SortPairs(Pairs& p) {
  std::sort(p.same.begin(), p.same.end());
  std::sort(p.different.begin(), p.different.end());
}

// Every probe against every gallery template of another photo.
Pairs Compare(const std::vector<Sample>& probes, const std::vector<Sample>& gallery) {
  Pairs p;
  for (const Sample& probe : probes) {
    if (probe.o.embedding.empty()) continue;
    for (const Sample& g : gallery) {
      if (g.o.embedding.empty() || g.name == probe.name) continue;
      AddPair(p, probe, g);
    }
  }
  SortPairs(p);
  return p;
}

// Every unordered pair within one set.
Pairs CompareWithin(const std::vector<Sample>& samples) {
  Pairs p;
  for (size_t i = 0; i < samples.size(); ++i) {
    for (size_t j = i + 1; j < samples.size(); ++j) {
      if (samples[i].o.embedding.empty() || samples[j].o.embedding.empty()) continue;
      AddPair(p, samples[i], samples[j]);
    }
  }
  SortPairs(p);
  return p;
}

size_t Failed(const std::vector<Sample>& samples) {
  return size_t(std::count_if(samples.begin(), samples.end(), [](const Sample& s) { return s.o.embedding.empty(); }));
}

std::string FailureSummary(const std::vector<Sample>& samples) {
  std::map<std::string_view, int> by;
  for (const Sample& s : samples) {
    if (s.o.embedding.empty()) ++by[FaceProblemName(s.o.problem)];
  }
  std::string out = std::to_string(Failed(samples)) + "/" + std::to_string(samples.size());
  if (!by.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [name, n] : by) {
      out += (first ? "" : ", ") + std::string(name) + " " + std::to_string(n);
      first = false;
    }
    out += ")";
  }
  return out;
}

// A text histogram of both distributions in bins of 0.02, with the decision a
// bin's scores get: match, review or no match.
void PrintHistogram(const ProbeSet& set, const FacePolicy& policy) {
  const Pairs& p = set.pairs;
  if (p.same.empty() || p.different.empty()) return;
  constexpr double kBin = 0.02;
  constexpr int kWidth = 30;
  const double lo = std::floor(std::min(p.same.front(), p.different.front()) / kBin) * kBin;
  const int bins = int(std::ceil((1.0 - lo) / kBin - 1e-9));
  std::vector<int> same(bins), different(bins);
  auto bin_of = [&](double s) { return std::clamp(int((s - lo) / kBin), 0, bins - 1); };
  for (double s : p.same) ++same[bin_of(s)];
  for (double s : p.different) ++different[bin_of(s)];
  const int max_same = *std::max_element(same.begin(), same.end());
  const int max_different = *std::max_element(different.begin(), different.end());
  std::printf("\n%s: cosine similarity in bins of %.2f; # same person, = different people, each bar scaled to "
              "its largest bin (%d and %d pairs)\n\n",
              set.label.c_str(), kBin, max_same, max_different);
  std::printf("```\n");
  for (int b = bins - 1; b >= 0; --b) {
    const double from = lo + b * kBin;
    const FaceDecision d = DecideFace(from + kBin / 2, policy.threshold, policy.review_band);
    const int ns = max_same ? (same[b] * kWidth + max_same - 1) / max_same : 0;
    const int nd = max_different ? (different[b] * kWidth + max_different - 1) / max_different : 0;
    std::printf("%.2f–%.2f %-8s %5d %-*s %5d %s\n", from, from + kBin, std::string(FaceDecisionName(d)).c_str(),
                same[b], kWidth, std::string(size_t(ns), '#').c_str(), different[b],
                std::string(size_t(nd), '=').c_str());
  }
  std::printf("```\n");
}

FaceObservation AnalyseFrame(const FaceEngine& engine, const std::string& jpeg, const FaceQualityLimits& limits,
                             int detector_size) {
  FaceAnalyseOptions options;
  options.detector_size = detector_size;
  return engine.Analyse(jpeg, limits, options);
}

// A cut-out placed in a 640×480 frame: shrunk to fit when larger, never
// enlarged.
cv::Mat FitInFrame(const cv::Mat& photo) {
  const double k = std::min({1.0, 640.0 / photo.cols, 480.0 / photo.rows});
  return InFrame(photo, int(std::floor(k * std::max(photo.cols, photo.rows))));
}

int Run(int argc, char** argv) {
  std::string model_dir;
  bool bald_guys = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--model-dir" && i + 1 < argc) {
      model_dir = argv[++i];
    } else if (a == "--no-bald-guys") {
      bald_guys = false;
    } else {
      std::fprintf(stderr, "usage: %s [--model-dir DIR] [--no-bald-guys]\n", argv[0]);
      return 2;
    }
  }
  if (model_dir.empty()) model_dir = testing::TestModelDir();
  const FacePolicy policy = DefaultFacePolicy(Today());
  auto loaded = FaceEngine::Load(model_dir, 1);
  if (!loaded) {
    std::fprintf(stderr, "face_accuracy: %s\n", loaded.error().ToString().c_str());
    return 1;
  }
  const FaceEngine& engine = **loaded;
  const std::vector<testing::TestPhoto> photos = testing::JohnsPhotos();
  if (photos.size() != 55) {
    std::fprintf(stderr, "face_accuracy: expected 55 photos in %s, found %zu (install libdlib19.1: scripts/setup.sh)\n",
                 testing::kJohnsDir, photos.size());
    return 1;
  }

  std::printf("# Face accuracy report\n\n");
  std::printf("Policy (compiled-in default, in force on %s): face_match_threshold %.2f, face_review_band %.2f "
              "(review from %.2f). Frames: detector at 320, face at least %.0f px, brightness %.0f–%.0f, sharpness at "
              "least %.0f. Enrolment photos: detector at 416, face at least %.0f px, |yaw| at most %.2f.\n\n",
              policy.on.ToString().c_str(), policy.threshold, policy.review_band,
              policy.threshold - policy.review_band, policy.frame.min_face_px, policy.frame.min_brightness,
              policy.frame.max_brightness, policy.frame.min_sharpness, policy.enrol.min_face_px, policy.enrol.max_yaw);
  std::printf("Models (%s):", model_dir.c_str());
  for (const FaceModelInfo& m : engine.models()) {
    std::printf(" %s %s…", m.file.c_str(), m.sha256.substr(0, 16).c_str());
  }
  std::printf("\n\n");
  std::printf("Sets: the johns gallery is each of the 55 photos centred in a grey 640×480 frame at %d px (JPEG "
              "quality %d) and analysed as an enrolment photo. johns probes are the same photos as camera frames at "
              "%d px (detector at 320), clean or degraded, each compared with the gallery template of every other "
              "photo (never its own). bald_guys is 24 photos cut from the collage (four people × six, grouped by "
              "eye, not by a recogniser), each in a 640×480 frame as a camera frame; every pair. Small probes are "
              "scaled so that the detector's box (face_px, what face_min_face_px limits) is about %.0f px.\n\n",
              kGallerySide, kJpegQuality, kProbeSide, policy.frame.min_face_px);

  // Gallery: enrolment photos.
  std::vector<Sample> gallery;
  for (const auto& p : photos) {
    const std::string name = fs::path(p.path).parent_path().filename().string() + "/" +
                             fs::path(p.path).filename().string();
    gallery.push_back({p.person, name, AnalyseFrame(engine, Jpeg(InFrame(p.bgr, kGallerySide), kJpegQuality),
                                                    policy.enrol, 416)});
  }

  // Probes: camera frames, clean and degraded.
  std::vector<ProbeSet> sets;
  auto probe_set = [&](std::string label, const std::function<std::string(size_t)>& frame_jpeg,
                       const FaceQualityLimits& limits, int detector_size) {
    ProbeSet set;
    set.label = std::move(label);
    for (size_t i = 0; i < photos.size(); ++i) {
      set.samples.push_back({gallery[i].person, gallery[i].name,
                             AnalyseFrame(engine, frame_jpeg(i), limits, detector_size)});
    }
    set.pairs = Compare(set.samples, gallery);
    sets.push_back(std::move(set));
  };
  auto clean_jpeg = [&](size_t i) { return Jpeg(InFrame(photos[i].bgr, kProbeSide), kJpegQuality); };
  auto dark_jpeg = [&](size_t i) {
    return Jpeg(testing::Dark(InFrame(photos[i].bgr, kProbeSide), kDarkFactor), kJpegQuality);
  };
  probe_set("johns: clean", clean_jpeg, policy.frame, 320);
  // The face each photo shows at kProbeSide, to scale it to a given face size.
  std::vector<double> clean_faces;
  for (const Sample& s : sets.front().samples) clean_faces.push_back(s.o.face_px > 0 ? s.o.face_px : 0.65 * kProbeSide);
  auto face_of_jpeg = [&](double face_px) {
    return [&, face_px](size_t i) {
      return Jpeg(InFrame(photos[i].bgr, int(std::lround(kProbeSide * face_px / clean_faces[i]))), kJpegQuality);
    };
  };
  probe_set("johns: grey", [&](size_t i) {
    return Jpeg(testing::Grey(InFrame(photos[i].bgr, kProbeSide)), kJpegQuality);
  }, policy.frame, 320);
  probe_set("johns: JPEG quality 10", [&](size_t i) {
    return Jpeg(InFrame(photos[i].bgr, kProbeSide), kLowJpegQuality);
  }, policy.frame, 320);
  probe_set("johns: dark ×0.3", dark_jpeg, policy.frame, 320);
  // Small: the photo scaled so that its face is face_min_face_px across (the
  // detector's box varies a little with scale, so the detected size does too).
  const std::string small_label = "johns: small (face_px " + Fixed(policy.frame.min_face_px, 0) + ")";
  probe_set(small_label, face_of_jpeg(policy.frame.min_face_px), policy.frame, 320);
  std::vector<double> small_faces;
  for (const Sample& s : sets.back().samples) {
    if (s.o.face_px > 0) small_faces.push_back(s.o.face_px);
  }
  std::sort(small_faces.begin(), small_faces.end());
  // Diagnostics, outside what the product does: what the recogniser makes of
  // the dark faces the quality gates refuse, and of the small faces the
  // detector misses at 320 when it runs at 416.
  FaceQualityLimits no_gates = policy.frame;
  no_gates.min_brightness = 0;
  no_gates.min_sharpness = 0;
  probe_set("johns: dark ×0.3, brightness and sharpness gates off (diagnostic)", dark_jpeg, no_gates, 320);
  probe_set(small_label + ", detector at 416 (diagnostic)", face_of_jpeg(policy.frame.min_face_px), policy.frame, 416);

  // Which face sizes the detector finds: clean frames by the photo's size.
  constexpr int kSweepSides[] = {64, 72, 80, 90, 100, 120, 150, 200, 300};
  struct SweepCell {
    std::vector<Sample> samples;
    double median_face = NAN;
  };
  std::map<int, std::vector<SweepCell>> sweep;  // detector size -> cells in kSweepSides order
  for (int detector_size : {320, 416}) {
    for (int side : kSweepSides) {
      SweepCell cell;
      std::vector<double> faces;
      for (size_t i = 0; i < photos.size(); ++i) {
        cell.samples.push_back({gallery[i].person, gallery[i].name,
                                AnalyseFrame(engine, Jpeg(InFrame(photos[i].bgr, side), kJpegQuality), policy.frame,
                                             detector_size)});
        if (cell.samples.back().o.face_px > 0) faces.push_back(cell.samples.back().o.face_px);
      }
      std::sort(faces.begin(), faces.end());
      cell.median_face = Percentile(faces, 0.5);
      sweep[detector_size].push_back(std::move(cell));
    }
  }

  if (bald_guys) {
    const cv::Mat collage = cv::imread(kBaldGuys);
    if (collage.empty()) {
      std::fprintf(stderr, "face_accuracy: cannot read %s (install libdlib19.1, or pass --no-bald-guys)\n", kBaldGuys);
      return 1;
    }
    ProbeSet set;
    set.label = "bald_guys: all pairs";
    std::map<char, int> seen;
    for (const LabelledPhoto& l : kBaldGuyPhotos) {
      int& n = seen[l.person];
      const cv::Rect box = cv::Rect(l.x0, l.y0, l.x1 - l.x0, l.y1 - l.y0) & cv::Rect(0, 0, collage.cols, collage.rows);
      const cv::Mat frame = FitInFrame(collage(box).clone());
      set.samples.push_back({std::string(1, l.person),
                             std::string(1, l.person) + std::to_string(++n) + " at (" + std::to_string(l.x0) + "," +
                                 std::to_string(l.y0) + ")",
                             AnalyseFrame(engine, Jpeg(frame, kJpegQuality), policy.frame, 320)});
    }
    set.pairs = CompareWithin(set.samples);
    sets.push_back(std::move(set));
  }

  // Acquisition and errors.
  const double review_from = policy.threshold - policy.review_band;
  std::printf("## Acquisition and errors\n\n");
  std::printf("FRR at %.2f: same-person pairs that do not certify on their own (review or no match); FAR at %.2f: "
              "different-person pairs that certify. FRR at %.2f: same-person pairs refused outright; FAR at %.2f: "
              "different-person pairs that reach at least a reviewer. Pairs with an image that failed to acquire "
              "are left out of the rates.\n\n",
              policy.threshold, policy.threshold, review_from, review_from);
  std::printf("| set | failed to acquire | same / different pairs | FRR at %.2f | FAR at %.2f | FRR at %.2f | "
              "FAR at %.2f | EER | d′ |\n",
              policy.threshold, policy.threshold, review_from, review_from);
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| johns: gallery (enrolment, 416) | %s | — | — | — | — | — | — | — |\n",
              FailureSummary(gallery).c_str());
  for (const ProbeSet& s : sets) {
    const Pairs& p = s.pairs;
    size_t frr_t = 0, far_t = 0, frr_r = 0, far_r = 0;
    for (double v : p.same) {
      const FaceDecision d = DecideFace(v, policy.threshold, policy.review_band);
      frr_t += d != FaceDecision::kMatch;
      frr_r += d == FaceDecision::kNoMatch;
    }
    for (double v : p.different) {
      const FaceDecision d = DecideFace(v, policy.threshold, policy.review_band);
      far_t += d == FaceDecision::kMatch;
      far_r += d != FaceDecision::kNoMatch;
    }
    double eer_at = NAN;
    const double eer = p.same.empty() || p.different.empty() ? NAN : EqualErrorRate(p, &eer_at);
    std::string eer_text = std::isnan(eer) ? "—" : Fixed(100 * eer, 2) + " %";
    if (!std::isnan(eer) && eer == 0) {
      eer_text += " (any threshold in (" + Fixed(p.different.back()) + ", " + Fixed(p.same.front()) + "])";
    } else if (!std::isnan(eer)) {
      eer_text += " (at " + Fixed(eer_at) + ")";
    }
    std::printf("| %s | %s | %zu / %zu | %s | %s | %s | %s | %s | %s |\n", s.label.c_str(),
                FailureSummary(s.samples).c_str(), p.same.size(), p.different.size(),
                Rate(frr_t, p.same.size()).c_str(), Rate(far_t, p.different.size()).c_str(),
                Rate(frr_r, p.same.size()).c_str(), Rate(far_r, p.different.size()).c_str(), eer_text.c_str(),
                Fixed(DPrime(p), 2).c_str());
  }

  std::printf("\n## Similarity distributions (cosine)\n\n");
  std::printf("| set | same: min | p5 | mean | max | different: min | mean | p95 | max | margin (same min − "
              "different max) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const ProbeSet& s : sets) {
    const Pairs& p = s.pairs;
    if (p.same.empty() || p.different.empty()) continue;
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.label.c_str(), Fixed(p.same.front()).c_str(),
                Fixed(Percentile(p.same, 0.05)).c_str(), Fixed(Mean(p.same)).c_str(), Fixed(p.same.back()).c_str(),
                Fixed(p.different.front()).c_str(), Fixed(Mean(p.different)).c_str(),
                Fixed(Percentile(p.different, 0.95)).c_str(), Fixed(p.different.back()).c_str(),
                Fixed(p.same.front() - p.different.back()).c_str());
  }
  if (!small_faces.empty()) {
    std::printf("\nSmall probes: face %.1f–%.1f px across as detected (median %.1f).\n", small_faces.front(),
                small_faces.back(), Percentile(small_faces, 0.5));
  }

  std::printf("\n## Hardest pairs\n\n");
  std::printf("| set | least similar same-person pair | most similar different-person pair |\n|---|---|---|\n");
  for (const ProbeSet& s : sets) {
    const Pairs& p = s.pairs;
    if (p.same.empty() || p.different.empty()) continue;
    std::printf("| %s | %s: %s | %s: %s |\n", s.label.c_str(), Fixed(p.lowest_same_score).c_str(),
                p.lowest_same.c_str(), Fixed(p.highest_different_score).c_str(), p.highest_different.c_str());
  }

  std::printf("\n## Acquisition by face size\n\n");
  std::printf("Clean johns frames (640×480), each photo scaled to the given side, analysed as camera frames with "
              "the policy's quality: failures to acquire of 55, by problem, and the median width of the detector's "
              "box (face_px, what face_min_face_px limits; here 1.0–1.25 × the photo's side, wider than the face).\n\n");
  std::printf("| photo side | detector 320: failed | face_px | detector 416: failed | face_px |\n");
  std::printf("|---:|---|---:|---|---:|\n");
  for (size_t i = 0; i < std::size(kSweepSides); ++i) {
    std::printf("| %d px | %s | %s | %s | %s |\n", kSweepSides[i], FailureSummary(sweep[320][i].samples).c_str(),
                Fixed(sweep[320][i].median_face, 0).c_str(), FailureSummary(sweep[416][i].samples).c_str(),
                Fixed(sweep[416][i].median_face, 0).c_str());
  }

  std::printf("\n## Failures to acquire\n\n");
  constexpr size_t kListAtMost = 8;
  bool any = false;
  auto list_failures = [&](const std::string& label, const std::vector<Sample>& samples) {
    const size_t failed = Failed(samples);
    if (failed == 0) return;
    any = true;
    if (failed > kListAtMost) {
      std::printf("- %s: %s\n", label.c_str(), FailureSummary(samples).c_str());
      return;
    }
    for (const Sample& s : samples) {
      if (!s.o.embedding.empty()) continue;
      std::printf("- %s: %s: %s (face %.0f px, brightness %.0f, sharpness %.0f, yaw %.2f, faces %d)\n", label.c_str(),
                  s.name.c_str(), std::string(FaceProblemName(s.o.problem)).c_str(), s.o.face_px, s.o.brightness,
                  s.o.sharpness, s.o.yaw, s.o.faces);
    }
  };
  list_failures("johns: gallery", gallery);
  for (const ProbeSet& s : sets) list_failures(s.label, s.samples);
  if (!any) std::printf("None.\n");

  std::printf("\n## Histograms\n");
  for (const ProbeSet& s : sets) PrintHistogram(s, policy);
  return 0;
}

}  // namespace
}  // namespace tacit::bench

int main(int argc, char** argv) { return tacit::bench::Run(argc, argv); }
