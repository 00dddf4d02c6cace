// `tacit face` as staff meet it: enrolment from a photo and from a folder of
// card photos (refusals to a quarantine file, masked; a rerun changes
// nothing), checks that certify only in person, the models listed. Real
// photos from Debian's libdlib19.1 examples; the real binary and store.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "run.h"
#include "tacit/id_number.h"

namespace tacit {
namespace {

using testing::FreshDir;
using testing::Output;
using testing::RunShell;
using testing::Tacit;

constexpr char kJohns[] = "/usr/share/doc/libdlib19.1/examples/johns";

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The identity number on line `n` (1-based, after the header) of registry.csv.
std::string IdOnLine(const std::string& registry, int n) {
  size_t at = 0;
  for (int i = 0; i < n; ++i) at = registry.find('\n', at) + 1;
  return registry.substr(at, registry.find(',', at) - at);
}

class FaceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::is_directory(kJohns)) << "install libdlib19.1 (scripts/setup.sh)";
    dir_ = FreshDir(std::string("face_cli_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(Tacit(dir_, "demo --people 60 --dir . --quiet").status, 0);
    const std::string registry = Read(dir_ / "registry.csv");
    id1_ = IdOnLine(registry, 1);
    id2_ = IdOnLine(registry, 2);
    ASSERT_EQ(id1_.size(), 18u);
  }
  std::string Photo(const char* person, const char* file) { return std::string(kJohns) + "/" + person + "/" + file; }

  std::filesystem::path dir_;
  std::string id1_, id2_;
};

TEST_F(FaceCli, EnrolThenCheckAndCertifyOnlyInPerson) {
  const std::string salley = Photo("John_Salley", "000179_02159509.jpg");
  const std::string salley2 = Photo("John_Salley", "000186_02159346.jpg");
  const std::string simm = Photo("John_Simm", "000297_00470170.jpg");
  Output enrolled = Tacit(dir_, "face enroll " + id1_ + " " + salley + " --by 王经办");
  ASSERT_EQ(enrolled.status, 0) << enrolled.out;
  EXPECT_EQ(enrolled.out.find(id1_), std::string::npos) << "the number is masked";
  EXPECT_NE(enrolled.out.find(MaskIdNumber(id1_)), std::string::npos);

  Output check = Tacit(dir_, "face verify " + id1_ + " " + salley2);
  ASSERT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("比对通过"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("认证记录 (evidence)"), std::string::npos) << "a photo alone certifies nobody";

  Output other = Tacit(dir_, "face verify " + id1_ + " " + simm);
  ASSERT_EQ(other.status, 0) << other.out;
  EXPECT_NE(other.out.find("比对未通过"), std::string::npos) << other.out;

  Output in_person = Tacit(dir_, "face verify " + id1_ + " " + salley2 + " --in-person --by 王经办");
  ASSERT_EQ(in_person.status, 0) << in_person.out;
  EXPECT_NE(in_person.out.find("认证记录 (evidence)"), std::string::npos) << in_person.out;
  Output shown = Tacit(dir_, "person show " + id1_);
  EXPECT_NE(shown.out.find("人脸识别认证"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("人脸识别认证 (face): 已采集"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("photo  no_match"), std::string::npos) << "the attempts of 30 days: " << shown.out;

  Output not_enrolled = Tacit(dir_, "face verify " + id2_ + " " + salley2);
  EXPECT_EQ(not_enrolled.status, 1);
  EXPECT_NE(not_enrolled.out.find("尚未采集人脸信息"), std::string::npos) << not_enrolled.out;
  Output no_face = Tacit(dir_, "face enroll " + id2_ + " registry.csv");
  EXPECT_EQ(no_face.status, 1);
  EXPECT_NE(no_face.out.find("undecodable"), std::string::npos) << no_face.out;

  Output audit = Tacit(dir_, "audit verify");
  EXPECT_EQ(audit.status, 0) << audit.out;
  EXPECT_NE(Tacit(dir_, "audit list").out.find("face.verify"), std::string::npos);
}

TEST_F(FaceCli, ImportEnrolsTheGoodPhotosAndQuarantinesTheRestTwiceTheSame) {
  const auto photos = dir_ / "card-photos";
  std::filesystem::create_directories(photos);
  std::filesystem::copy_file(Photo("John_Simm", "000297_00470170.jpg"), photos / (id1_ + ".jpg"));
  std::filesystem::copy_file(Photo("John_Salley", "000179_02159509.jpg"), photos / "110101190001011234.jpg");
  std::ofstream(photos / (id2_ + ".png")) << "not a picture";
  for (int run = 0; run < 2; ++run) {
    Output o = Tacit(dir_, "face import card-photos");
    ASSERT_EQ(o.status, 0) << o.out;
    // The second run keeps the person enrolled by the first (a rerun changes nothing).
    EXPECT_NE(o.out.find(run == 0 ? "3 张照片, 采集 1 人, 已采集过 0 人" : "3 张照片, 采集 0 人, 已采集过 1 人"),
              std::string::npos)
        << o.out;
    EXPECT_NE(o.out.find("未通过 2 张"), std::string::npos) << o.out;
    const std::string rejects = Read(photos / "face-import-rejects.csv");
    EXPECT_EQ(rejects.find(id2_), std::string::npos) << "numbers are masked in the quarantine file";
    EXPECT_NE(rejects.find(MaskIdNumber(id2_)), std::string::npos) << rejects;
    EXPECT_NE(rejects.find("undecodable"), std::string::npos) << rejects;
    EXPECT_EQ(std::count(rejects.begin(), rejects.end(), '\n'), 3) << rejects;
  }
  Output check = Tacit(dir_, "face verify " + id1_ + " " + Photo("John_Simm", "000305_00470162.jpg"));
  EXPECT_NE(check.out.find("比对通过"), std::string::npos) << check.out;
  // Another face for an enrolled person is not swapped in: a case asks a reviewer.
  Output swap = Tacit(dir_, "face enroll " + id1_ + " " + Photo("John_Salley", "000179_02159509.jpg"));
  EXPECT_EQ(swap.status, 1) << swap.out;
  EXPECT_NE(swap.out.find("--replace-different"), std::string::npos) << swap.out;
  EXPECT_NE(Tacit(dir_, "face verify " + id1_ + " " + Photo("John_Simm", "000305_00470162.jpg")).out.find("比对通过"),
            std::string::npos);
  Output forced = Tacit(dir_, "face enroll " + id1_ + " " + Photo("John_Salley", "000179_02159509.jpg") +
                                  " --replace-different");
  EXPECT_EQ(forced.status, 0) << forced.out;
}

TEST_F(FaceCli, ModelsAreListedWithTheirHashesAndAMissingDirectoryIsAClearError) {
  Output o = Tacit(dir_, "face models");
  ASSERT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("recognition.onnx"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("@vladmandic/face-api@1.7.15"), std::string::npos) << o.out;
  Output missing = Tacit(dir_, "face models --model-dir /nonexistent");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("manifest.json"), std::string::npos) << missing.out;
}

// The pipeline is a module the program opens for face work only: OpenCV's
// libraries are not among the program's own, and a program without the
// module beside it says what is missing and runs every other command.
TEST_F(FaceCli, ThePipelineLoadsAsAModuleOnlyForFaceWork) {
  const std::string needed = RunShell("readelf -d '" + std::string(TACIT_BINARY) + "'").out;
  ASSERT_NE(needed.find("NEEDED"), std::string::npos) << needed;
  EXPECT_EQ(needed.find("opencv"), std::string::npos) << needed;

  std::filesystem::create_directories(dir_ / "alone");
  std::filesystem::copy_file(TACIT_BINARY, dir_ / "alone" / "tacit");
  const std::string alone = "cd '" + dir_.string() + "' && TACIT_TODAY=2026-11-27 ./alone/tacit ";
  Output models = RunShell(alone + "face models 2>&1");
  EXPECT_NE(models.status, 0);
  EXPECT_NE(models.out.find("无法加载人脸识别组件"), std::string::npos) << models.out;
  EXPECT_NE(models.out.find("tacit-face.so"), std::string::npos) << models.out;
  Output stats = RunShell(alone + "stats 2>&1");
  EXPECT_EQ(stats.status, 0) << stats.out;
}

}  // namespace
}  // namespace tacit
