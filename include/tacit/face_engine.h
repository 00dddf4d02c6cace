// The face pipeline on real models (OpenCV dnn, its own target
// tacit::face_engine): decode → detect (TinyFaceDetector) → 68 landmarks →
// align onto dlib's mean face (150×150 chip) → embed (dlib ResNet, 128-D) →
// the measures a FaceObservation reports. OpenCV types stay in the .cc.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<FaceEngine> engine, FaceEngine::Load(dir, 2));
//   FaceObservation o = engine->Analyse(jpeg_bytes, limits);
//
// Models are read only from `dir`, listed in its manifest.json with their
// SHA-256 (tools/face-models/build.py writes it at build time); a file whose
// hash differs is refused. Nothing is fetched at run time.
#ifndef TACIT_FACE_ENGINE_H_
#define TACIT_FACE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/face.h"
#include "tacit/result.h"

namespace tacit {

// One model file as the manifest names it.
struct FaceModelInfo {
  std::string role;     // "detector", "landmarks", "recognition"
  std::string file;     // file name within the model directory
  std::string sha256;   // of the file, checked at load
  std::string source;   // package@version and the input file it was converted from
  std::string licence;
};

// Where each stage's time went, for the benchmark.
struct FaceStageTimes {
  double decode_ms = 0, detect_ms = 0, landmarks_ms = 0, align_ms = 0, embed_ms = 0;
};

struct FaceAnalyseOptions {
  int detector_size = 320;       // the detector's input side: 320 for camera frames, 416 for enrolment photos
  float detector_threshold = 0.4f;  // face-api uses 0.5; tight crops such as card photos score lower
  // Larger images are refused (kTooLarge) before decoding: more pixels, a
  // longer side, or a side more than four times the other.
  int64_t max_pixels = 16'000'000;
  int64_t max_side = 4096;
};

// Not final, and its methods virtual, so that the program calls a FaceEngine
// it got from the loadable module (FaceEngineModule below) without linking
// the pipeline: every call goes through the object.
class FaceEngine : public FaceAnalyser {
 public:
  // Reads `dir`/manifest.json, checks each model's SHA-256, loads the models
  // `workers` times (analyses that may run at once, one per server thread
  // that may do face work; each runs on one core).
  // Errors: kNotFound (no directory, manifest or file), kDataLoss (a hash
  // differs), kInvalidArgument (a malformed manifest or a model OpenCV
  // refuses). Messages name the file, never image data.
  static Result<std::unique_ptr<FaceEngine>> Load(const std::string& dir, int workers = 1);
  ~FaceEngine() override;
  FaceEngine(const FaceEngine&) = delete;
  FaceEngine& operator=(const FaceEngine&) = delete;

  // Analyses one encoded image (JPEG or PNG). Never fails: an image that
  // cannot be used says why in `problem`. Thread-safe; blocks while all
  // workers are busy.
  virtual FaceObservation Analyse(std::string_view encoded, const FaceQualityLimits& limits,
                                  const FaceAnalyseOptions& options = {}, FaceStageTimes* times = nullptr) const;
  // The same on raw 8-bit BGR pixels (rows × cols × 3, row-major), for tests
  // and the benchmark that build frames in memory.
  virtual FaceObservation AnalyseBgr(const unsigned char* bgr, int width, int height, const FaceQualityLimits& limits,
                                     const FaceAnalyseOptions& options = {}, FaceStageTimes* times = nullptr) const;

  // FaceAnalyser.
  FaceObservation AnalyseImage(std::string_view encoded, const FaceQualityLimits& limits,
                               int detector_size) const override;
  const std::string& RecogniserSha256() const override { return recogniser_sha256(); }

  virtual const std::vector<FaceModelInfo>& models() const;
  // The recogniser's SHA-256: templates carry it (EncodeFaceTemplate).
  virtual const std::string& recogniser_sha256() const;

 private:
  struct Impl;
  explicit FaceEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The pipeline as a module that the program loads (dlopen) when a command
// first needs it: OpenCV and the hundred-odd libraries it brings (GDAL, GDCM,
// codecs) then load only for face work, not at the start of every command.
// The module (tacit-face.so, beside the program) exports one function,
// kFaceEngineModuleSymbol, returning this table; a table whose abi or size
// differs is from another build and is refused.
struct FaceEngineModule {
  uint32_t abi = 0;
  uint32_t size = 0;  // sizeof(FaceEngineModule) in the module's build
  Result<std::unique_ptr<FaceEngine>> (*load)(const std::string& dir, int workers) = nullptr;
};
inline constexpr uint32_t kFaceEngineModuleAbi = 1;
inline constexpr const char* kFaceEngineModuleSymbol = "tacit_face_engine_module";
inline constexpr const char* kFaceEngineModuleFile = "tacit-face.so";

}  // namespace tacit

#endif  // TACIT_FACE_ENGINE_H_
