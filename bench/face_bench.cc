// Benchmarks of the face pipeline (tacit/face_engine.h) for issue 6, whose bar
// is one verification of a 640×480 camera frame under 50 ms on one core:
//
//   LoadModels/workers:N   FaceEngine::Load: the manifest, the SHA-256 of the
//                          three model files, N copies of the three networks
//   LoadAndFirstVerify     Load with one worker and its first verification
//                          (OpenCV sets a network up on its first run)
//   Verify                 one verification on one core: decode the JPEG,
//                          detect at 320, 68 landmarks, align, embed, compare
//                          with the enrolled template and decide. Counters:
//                          each stage's milliseconds (FaceStageTimes) per
//                          verification, and the share decided "match"
//   Enrol/width:W          one enrolment analysis, detector at 416 and the
//                          enrolment quality, of a W-wide 4:3 photo
//   Throughput/threads:N   N threads verifying at once on an engine of N
//                          workers: verifications per second (items_per_second)
//                          and the mean latency of one verification
//
// Frames: the 55 photos of dlib's johns set (Debian libdlib19.1), each centred
// at 200 pixels in a grey 640×480 frame and encoded as JPEG quality 90 once,
// before timing; the verifications cycle through them. Each one's template is
// the embedding of another photo of the same person, enrolled beforehand.
// Thresholds and quality limits come from the default policy. Models from
// TACIT_MODEL_DIR, else the build's (TACIT_FACE_MODEL_DIR).
//
//   build/bench/face_bench --benchmark_min_time=3        # bench/face.sh runs it so
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "face_engine/test_faces.h"
#include "face_policy.h"
#include "tacit/civil.h"
#include "tacit/face.h"
#include "tacit/face_engine.h"

namespace tacit::bench {
namespace {

using Clock = std::chrono::steady_clock;
using testing::InFrame;
using testing::Jpeg;

constexpr int kProbeSide = 200;
constexpr int kJpegQuality = 90;

std::unique_ptr<FaceEngine> LoadOrDie(int workers) {
  auto loaded = FaceEngine::Load(testing::TestModelDir(), workers);
  if (!loaded) {
    std::fprintf(stderr, "face_bench: %s\n", loaded.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(*loaded);
}

// An engine of `workers` workers, loaded once and kept for the process.
const FaceEngine& Engine(int workers) {
  static std::mutex mu;
  static std::map<int, std::unique_ptr<FaceEngine>> engines;
  std::lock_guard lock(mu);
  auto& e = engines[workers];
  if (!e) e = LoadOrDie(workers);
  return *e;
}

struct Data {
  FacePolicy policy;
  std::vector<std::string> frames;          // 640×480 JPEG
  std::vector<std::vector<float>> templates;  // frames[i]'s person, from another photo
  std::map<int, std::vector<std::string>> enrolment;  // width -> 4:3 JPEG photos
};

const Data& TheData() {
  static const Data data = [] {
    Data d;
    d.policy = DefaultFacePolicy(Today());
    const std::vector<testing::TestPhoto> photos = testing::JohnsPhotos();
    if (photos.size() != 55) {
      std::fprintf(stderr, "face_bench: expected 55 photos in %s, found %zu (install libdlib19.1)\n",
                   testing::kJohnsDir, photos.size());
      std::exit(1);
    }
    const FaceEngine& engine = Engine(1);
    std::vector<std::vector<float>> enrolled;
    for (const auto& p : photos) {
      FaceAnalyseOptions enrol;
      enrol.detector_size = 416;
      enrolled.push_back(engine.Analyse(Jpeg(InFrame(p.bgr, 240), kJpegQuality), d.policy.enrol, enrol).embedding);
      d.frames.push_back(Jpeg(InFrame(p.bgr, kProbeSide), kJpegQuality));
      d.enrolment[640].push_back(Jpeg(InFrame(p.bgr, 300, 640, 480), kJpegQuality));
      d.enrolment[1280].push_back(Jpeg(InFrame(p.bgr, 600, 1280, 960), kJpegQuality));
    }
    // Photo i's template: the first other photo of the same person.
    for (size_t i = 0; i < photos.size(); ++i) {
      size_t j = i;
      for (size_t c = 0; c < photos.size() && j == i; ++c) {
        if (c != i && photos[c].person == photos[i].person) j = c;
      }
      d.templates.push_back(enrolled[j]);
    }
    return d;
  }();
  return data;
}

FaceAnalyseOptions Detector(int size) {
  FaceAnalyseOptions o;
  o.detector_size = size;
  return o;
}

void BM_LoadModels(benchmark::State& state) {
  const int workers = int(state.range(0));
  for (auto _ : state) {
    std::unique_ptr<FaceEngine> e = LoadOrDie(workers);
    benchmark::DoNotOptimize(e.get());
  }
}
BENCHMARK(BM_LoadModels)->ArgName("workers")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// From nothing to the first verification done: OpenCV prepares a network's
// layers on its first run, so the first frame costs more than the others.
void BM_LoadAndFirstVerify(benchmark::State& state) {
  const Data& d = TheData();
  for (auto _ : state) {
    std::unique_ptr<FaceEngine> e = LoadOrDie(1);
    const FaceObservation o = e->Analyse(d.frames[0], d.policy.frame, FaceAnalyseOptions{});
    benchmark::DoNotOptimize(o.embedding.data());
  }
}
BENCHMARK(BM_LoadAndFirstVerify)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Verify(benchmark::State& state) {
  const Data& d = TheData();
  const FaceEngine& engine = Engine(1);
  FaceStageTimes t;
  double total_ms = 0;
  int64_t matches = 0;
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ % d.frames.size();
    const auto start = Clock::now();
    const FaceObservation o = engine.Analyse(d.frames[k], d.policy.frame, Detector(320), &t);
    const FaceDecision decision =
        DecideFace(FaceSimilarity(d.templates[k], o.embedding), d.policy.threshold, d.policy.review_band);
    total_ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    matches += decision == FaceDecision::kMatch;
    benchmark::DoNotOptimize(decision);
  }
  const double n = double(state.iterations());
  state.counters["decode_ms"] = t.decode_ms / n;
  state.counters["detect_ms"] = t.detect_ms / n;
  state.counters["landmarks_ms"] = t.landmarks_ms / n;
  state.counters["align_ms"] = t.align_ms / n;
  state.counters["embed_ms"] = t.embed_ms / n;
  state.counters["other_ms"] =
      (total_ms - t.decode_ms - t.detect_ms - t.landmarks_ms - t.align_ms - t.embed_ms) / n;
  state.counters["matched"] = double(matches) / n;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->DisplayAggregatesOnly(true);

void BM_Enrol(benchmark::State& state) {
  const Data& d = TheData();
  const FaceEngine& engine = Engine(1);
  const std::vector<std::string>& photos = d.enrolment.at(int(state.range(0)));
  FaceStageTimes t;
  int64_t usable = 0;
  size_t i = 0;
  for (auto _ : state) {
    const FaceObservation o = engine.Analyse(photos[i++ % photos.size()], d.policy.enrol, Detector(416), &t);
    usable += !o.embedding.empty();
    benchmark::DoNotOptimize(o.embedding.data());
  }
  const double n = double(state.iterations());
  state.counters["decode_ms"] = t.decode_ms / n;
  state.counters["detect_ms"] = t.detect_ms / n;
  state.counters["landmarks_ms"] = t.landmarks_ms / n;
  state.counters["align_ms"] = t.align_ms / n;
  state.counters["embed_ms"] = t.embed_ms / n;
  state.counters["usable"] = double(usable) / n;
}
BENCHMARK(BM_Enrol)->ArgName("width")->Arg(640)->Arg(1280)->Unit(benchmark::kMillisecond)->UseRealTime();

// One iteration: `threads` threads each verify kPerThread frames at once.
void BM_Throughput(benchmark::State& state) {
  constexpr int kPerThread = 20;
  const int threads = int(state.range(0));
  const Data& d = TheData();
  const FaceEngine& engine = Engine(threads);
  double latency_ms = 0;
  int64_t calls = 0;
  for (auto _ : state) {
    std::vector<double> sums(size_t(threads), 0);
    std::vector<std::thread> pool;
    for (int th = 0; th < threads; ++th) {
      pool.emplace_back([&, th] {
        for (int j = 0; j < kPerThread; ++j) {
          const size_t k = size_t(th * 27 + j) % d.frames.size();
          const auto start = Clock::now();
          const FaceObservation o = engine.Analyse(d.frames[k], d.policy.frame, Detector(320));
          benchmark::DoNotOptimize(
              DecideFace(FaceSimilarity(d.templates[k], o.embedding), d.policy.threshold, d.policy.review_band));
          sums[size_t(th)] += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        }
      });
    }
    for (auto& t : pool) t.join();
    for (double s : sums) latency_ms += s;
    calls += int64_t(threads) * kPerThread;
  }
  state.counters["latency_ms"] = calls ? latency_ms / double(calls) : 0;
  state.SetItemsProcessed(calls);
}
BENCHMARK(BM_Throughput)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tacit::bench

BENCHMARK_MAIN();
