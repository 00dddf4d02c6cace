// `tacit face`: enrolment from a photo or a folder of social-security card
// photos, a staff check of photos against the enrolled face, and the models
// in use. Built when the face pipeline is (TACIT_HAVE_FACE_ENGINE); without it
// every subcommand says so.
#ifndef TACIT_APPS_TACIT_FACE_COMMANDS_H_
#define TACIT_APPS_TACIT_FACE_COMMANDS_H_

#include <string>
#include <vector>

#include <memory>

#include "tacit/face.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit::cli {

struct FaceArgs {
  std::string model_dir;            // --model-dir (else $TACIT_MODEL_DIR, else beside the binary)
  std::string id;                   // the person's identity number
  std::vector<std::string> photos;  // enroll: one; verify: one or more
  std::string dir;                  // import: a folder of <identity number>.jpg|.png
  std::string quarantine;           // import: where refused photos are listed (default <dir>/face-import-rejects.csv)
  std::string by;                   // who (经办人); default the login user
  std::string device = "cli";       // verify: the counter or device
  bool in_person = false;           // verify: the person is present
  bool replace = false;             // import: enrol again people enrolled already
  bool replace_different = false;   // enroll: replace an enrolled face by a different one (checked by an administrator)
};

// `tacit face enroll ID PHOTO`.
Status FaceEnrol(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args);
// `tacit face import DIR`: every <id>.jpg / <id>.png in DIR; photos that
// cannot be enrolled are listed with the reason in the quarantine CSV (masked
// numbers); the good ones are enrolled. Safe to run twice.
Status FaceImport(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args);
// `tacit face verify ID PHOTO... [--in-person]`.
Status FaceVerify(Store& store, const Policy& policy, const Secrets& secrets, const FaceArgs& args);
// `tacit face models`: the model directory, each file's role, SHA-256, source and licence.
Status FaceModelsList(const FaceArgs& args);

// The face pipeline for `tacit serve`: the models in `model_dir` (empty: the
// default place) loaded `workers` times. Errors: as FaceEngine::Load, or
// kFailedPrecondition when tacit was built without it or its module
// (tacit-face.so, beside the program) does not open or is of another build.
Result<std::unique_ptr<FaceAnalyser>> LoadFaceAnalyser(const std::string& model_dir, int workers);

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_FACE_COMMANDS_H_
