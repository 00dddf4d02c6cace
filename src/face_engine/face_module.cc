// The face pipeline as a loadable module (tacit/face_engine.h,
// FaceEngineModule): the program opens tacit-face.so when a command first
// needs faces, so that OpenCV and its libraries load only then.
#include "tacit/face_engine.h"

extern "C" __attribute__((visibility("default"))) const tacit::FaceEngineModule* tacit_face_engine_module() {
  static const tacit::FaceEngineModule module{
      .abi = tacit::kFaceEngineModuleAbi,
      .size = sizeof(tacit::FaceEngineModule),
      .load = &tacit::FaceEngine::Load,
  };
  return &module;
}
