#include "face_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "access_commands.h"
#include "exe_dir.h"
#include "tacit/access.h"
#include "tacit/id_number.h"

#ifdef TACIT_HAVE_FACE_ENGINE
#include <dlfcn.h>

#include "tacit/face_auth.h"
#include "tacit/face_engine.h"
#endif

namespace tacit::cli {

#ifndef TACIT_HAVE_FACE_ENGINE

namespace {
tl::unexpected<Error> NotBuilt() {
  return FailedPrecondition("本程序未包含人脸识别组件 (tacit was built without the face pipeline: install OpenCV's "
                            "core, imgproc, imgcodecs and dnn with scripts/setup.sh and rebuild)");
}
}  // namespace
Status FaceEnrol(Store&, const Policy&, const Secrets&, const FaceArgs&) { return NotBuilt(); }
Status FaceImport(Store&, const Policy&, const Secrets&, const FaceArgs&) { return NotBuilt(); }
Status FaceVerify(Store&, const Policy&, const Secrets&, const FaceArgs&) { return NotBuilt(); }
Status FaceModelsList(const FaceArgs&) { return NotBuilt(); }
Result<std::unique_ptr<FaceAnalyser>> LoadFaceAnalyser(const std::string&, int) { return NotBuilt(); }

#else

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxPhotoBytes = 10 << 20;

// The clock, moved by whole days when TACIT_TODAY pretends another day (for
// reproducible runs): the offset is between the pretended and the real local
// date, so the time of day and the zone are the clock's own.
int64_t NowMs() {
  constexpr int64_t kDayMs = 86'400'000;
  const int64_t clock =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // Today() is a local date; the service dates attempts by the UTC day of
  // the instant. Only a pretended day (TACIT_TODAY) moves the clock, and then
  // onto that UTC day at the clock's own time of day.
  const std::time_t t = static_cast<std::time_t>(clock / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  const Date real_local = Date::FromCivil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  if (Today() == real_local) return clock;
  return static_cast<int64_t>(Today().days()) * kDayMs + clock % kDayMs;
}

Result<std::string> ReadPhoto(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return NotFound(fmt::format("{}: 无法读取照片 (cannot read the photo)", path));
  if (size > kMaxPhotoBytes) {
    return InvalidArgument(fmt::format("{}: 照片超过 10 MB (the photo is larger than 10 MB)", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in.good() && !in.eof()) return Unavailable(fmt::format("{}: 读取失败 (read error)", path));
  return out.str();
}

// The face pipeline's module (tacit/face_engine.h, FaceEngineModule), opened
// once, beside the program: a program and a module of two builds do not mix.
Result<const FaceEngineModule*> OpenFaceModule() {
  static const Result<const FaceEngineModule*> opened = []() -> Result<const FaceEngineModule*> {
    const std::string path = (ExeDir() / kFaceEngineModuleFile).string();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      return FailedPrecondition(fmt::format("无法加载人脸识别组件 (cannot load the face pipeline) {}: {}", path,
                                            why != nullptr ? why : "dlopen failed"));
    }
    // The module stays loaded for the life of the process: engines it made
    // may live until exit.
    using Entry = const FaceEngineModule* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(handle, kFaceEngineModuleSymbol));
    const FaceEngineModule* module = entry != nullptr ? entry() : nullptr;
    if (module == nullptr || module->abi != kFaceEngineModuleAbi || module->size != sizeof(FaceEngineModule) ||
        module->load == nullptr) {
      return FailedPrecondition(fmt::format(
          "人脸识别组件与本程序版本不符 (the face pipeline {} is not from this build of tacit: rebuild both)", path));
    }
    return module;
  }();
  return opened;
}

Result<std::unique_ptr<FaceEngine>> LoadEngineFrom(const std::string& dir, int workers) {
  ASSIGN_OR_RETURN(const FaceEngineModule* module, OpenFaceModule());
  return module->load(dir, workers);
}

Result<std::unique_ptr<FaceEngine>> LoadEngine(const FaceArgs& args) {
  return LoadEngineFrom(ResolveFaceModelDir(args.model_dir), 1);
}

Result<PersonKey> RegisteredPerson(Store& store, std::string_view id_text, Date today) {
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, today));
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(id.key()));
  if (!person) {
    return NotFound(fmt::format("登记的待遇领取人员中没有 {} (no such person in the registry)", MaskIdNumber(id.text())));
  }
  return id.key();
}

std::string ByOrLogin(const FaceArgs& args) { return args.by.empty() ? CommandLinePrincipal().Actor() : args.by; }

// An enrolment photo's observation (before any unit of work opens: the
// models do not run while the store is locked).
FaceObservation SeeEnrolmentPhoto(const FaceEngine& engine, const Policy& policy, const std::string& photo,
                                  Date today) {
  FaceAnalyseOptions options;
  options.detector_size = 416;
  return engine.Analyse(photo, EnrolLimits(policy, today), options);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A CSV field, quoted when it must be.
std::string Csv(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

Status FaceEnrol(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args) {
  const Date today = Today();
  ASSIGN_OR_RETURN(PersonKey person, RegisteredPerson(store, args.id, today));
  ASSIGN_OR_RETURN(std::string photo, ReadPhoto(args.photos.at(0)));
  ASSIGN_OR_RETURN(auto engine, LoadEngine(args));
  FaceAuthContext ctx{store, policy, secrets, engine->recogniser_sha256()};
  const FaceObservation seen = SeeEnrolmentPhoto(*engine, policy, photo, today);
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(FaceEnrolment e,
                   EnrolFace(ctx, person, seen, photo, ByOrLogin(args), NowMs(), args.replace_different));
  const std::string masked = MaskIdNumber(args.id);
  RETURN_IF_ERROR(AuditCommand(store, "face.enrol", "person " + masked,
                               json{{"enrolled", e.enrolled}, {"replaced", e.replaced}, {"mismatch", e.mismatch},
                                    {"case", e.case_id}, {"replace_different", args.replace_different},
                                    {"problem", std::string(FaceProblemName(e.problem))}}));
  RETURN_IF_ERROR(unit->Commit());
  if (e.mismatch) {
    return FailedPrecondition(fmt::format("{}: {} (case {}; an administrator who checked the person may give "
                                          "--replace-different)", masked, e.message, e.case_id));
  }
  if (!e.enrolled) return InvalidArgument(fmt::format("{}: {}", args.photos.at(0), e.message));
  fmt::print("{} {}\n", masked, e.message);
  return {};
}

Status FaceImport(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args) {
  const Date today = Today();
  std::error_code ec;
  if (!fs::is_directory(args.dir, ec)) return NotFound(fmt::format("{}: 不是目录 (not a directory)", args.dir));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(args.dir)) {
    const std::string ext = Lower(entry.path().extension().string());
    if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSIGN_OR_RETURN(auto engine, LoadEngine(args));
  FaceAuthContext ctx{store, policy, secrets, engine->recogniser_sha256()};
  const std::string quarantine =
      args.quarantine.empty() ? (fs::path(args.dir) / "face-import-rejects.csv").string() : args.quarantine;
  std::string rejects = "file,field,reason\n";
  int enrolled = 0, refused = 0, kept = 0;
  const std::string by = ByOrLogin(args);
  // One unit of work per photo: a crash keeps the photos enrolled before it.
  // A person enrolled already is left as they are (a later enrolment at a
  // counter is newer than the card photo), unless --replace: so a rerun
  // changes nothing.
  for (const fs::path& file : files) {
    const std::string stem = file.stem().string();
    const std::string shown = MaskIdNumber(stem) + file.extension().string();
    auto person = RegisteredPerson(store, stem, today);
    if (!person) {
      ++refused;
      rejects += fmt::format("{},file name,{}\n", Csv(shown),
                             Csv(person.error().code == ErrorCode::kNotFound
                                     ? "登记的待遇领取人员中没有该人员 (no such person in the registry)"
                                     : "文件名应为身份证号码 (the file name must be the identity number)"));
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<FaceTemplateRecord> existing, store.FindFaceTemplate(*person));
    if (existing && !args.replace) {
      ++kept;
      continue;
    }
    auto photo = ReadPhoto(file.string());
    if (!photo) {
      ++refused;
      rejects += fmt::format("{},photo,{}\n", Csv(shown), Csv("无法读取照片 (cannot read the photo)"));
      continue;
    }
    const FaceObservation seen = SeeEnrolmentPhoto(*engine, policy, *photo, today);
    ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
    ASSIGN_OR_RETURN(FaceEnrolment e, EnrolFace(ctx, *person, seen, *photo, by, NowMs(), args.replace_different));
    if (e.mismatch) {
      RETURN_IF_ERROR(AuditCommand(store, "face.enrol", "person " + MaskIdNumber(stem),
                                   json{{"enrolled", false}, {"mismatch", true}, {"case", e.case_id}, {"import", true}}));
    }
    if (e.enrolled) {
      ++enrolled;
      RETURN_IF_ERROR(AuditCommand(store, "face.enrol", "person " + MaskIdNumber(stem),
                                   json{{"enrolled", true}, {"replaced", e.replaced}, {"import", true}}));
    } else {
      ++refused;
      rejects += fmt::format("{},photo,{}\n", Csv(shown), Csv(e.message));
    }
    RETURN_IF_ERROR(unit->Commit());
  }
  if (refused > 0) {
    const std::string tmp = quarantine + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << rejects;
      if (!out) return Unavailable(fmt::format("{}: 无法写入 (cannot write the quarantine file)", quarantine));
    }
    fs::rename(tmp, quarantine, ec);
    if (ec) return Unavailable(fmt::format("{}: 无法写入 (cannot write the quarantine file)", quarantine));
  }
  fmt::print("人脸采集 (face import): {} 张照片, 采集 {} 人, 已采集过 {} 人 (already enrolled, kept), 未通过 {} 张{}\n",
             files.size(), enrolled, kept, refused, refused > 0 ? fmt::format(" (原因见 {})", quarantine) : "");
  return {};
}

Status FaceVerify(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args) {
  const Date today = Today();
  ASSIGN_OR_RETURN(PersonKey person, RegisteredPerson(store, args.id, today));
  std::vector<std::string> photos;
  for (const auto& path : args.photos) {
    ASSIGN_OR_RETURN(std::string bytes, ReadPhoto(path));
    photos.push_back(std::move(bytes));
  }
  ASSIGN_OR_RETURN(auto engine, LoadEngine(args));
  std::vector<FaceObservation> seen;
  for (size_t i = 0; i < photos.size(); ++i) {
    seen.push_back(engine->Analyse(photos[i], FrameLimits(policy, today)));
    const FaceObservation& o = seen.back();
    fmt::print("  {}: {}\n", fs::path(args.photos[i]).filename().string(),
               o.problem == FaceProblem::kNone ? fmt::format("人脸 {:.0f} px, 清晰度 {:.0f}, 亮度 {:.0f}", o.face_px,
                                                             o.sharpness, o.brightness)
                                               : std::string(FaceProblemAdviceZh(o.problem)));
  }
  FaceAuthContext ctx{store, policy, secrets, engine->recogniser_sha256()};
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(FaceAttemptOutcome r,
                   VerifyFacePhotos(ctx, person, seen, args.device, ByOrLogin(args), args.in_person, NowMs()));
  const std::string masked = MaskIdNumber(args.id);
  RETURN_IF_ERROR(AuditCommand(store, "face.verify", "person " + masked,
                               json{{"refusal", std::string(FaceRefusalName(r.refusal))},
                                    {"decision", std::string(FaceDecisionName(r.decision))},
                                    {"similarity", r.similarity},
                                    {"in_person", args.in_person},
                                    {"evidence", r.evidence_id},
                                    {"case", r.case_id}}));
  RETURN_IF_ERROR(unit->Commit());
  if (r.refusal != FaceRefusal::kNone) return FailedPrecondition(r.message);
  fmt::print("{} 比对 (similarity) {:.3f}, 阈值 (threshold) {:.2f}: {}\n", masked, r.similarity,
             policy.face_match_threshold.At(today), r.message);
  if (r.evidence_id > 0) fmt::print("  认证记录 (evidence) {}\n", r.evidence_id);
  if (r.case_id > 0) fmt::print("  已立案待核查 (case opened) {}\n", r.case_id);
  return {};
}

Result<std::unique_ptr<FaceAnalyser>> LoadFaceAnalyser(const std::string& model_dir, int workers) {
  ASSIGN_OR_RETURN(std::unique_ptr<FaceEngine> engine, LoadEngineFrom(ResolveFaceModelDir(model_dir), workers));
  return std::unique_ptr<FaceAnalyser>(std::move(engine));
}

Status FaceModelsList(const FaceArgs& args) {
  const std::string dir = ResolveFaceModelDir(args.model_dir);
  ASSIGN_OR_RETURN(auto engine, LoadEngineFrom(dir, 1));
  fmt::print("人脸识别模型 (face models): {}\n", dir);
  for (const auto& m : engine->models()) {
    fmt::print("  {:<12} {:<18} sha256 {}\n    来源 (source): {}\n    许可 (licence): {}\n", m.role, m.file, m.sha256,
               m.source, m.licence);
  }
  return {};
}

#endif

}  // namespace tacit::cli
