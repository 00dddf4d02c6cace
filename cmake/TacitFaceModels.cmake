# The face pipeline's three ONNX models, converted at build time from the npm
# package @vladmandic/face-api (pinned in package-lock.json, installed by
# scripts/setup.sh) by tools/face-models/build.py, which checks the SHA-256 of
# every file it reads. Nothing is fetched here or at run time.
#
# Included from the top CMakeLists.txt when the face pipeline is built
# (TACIT_OPENCV_FOUND). Defines:
#   TACIT_FACE_PYTHON     a Python 3 that can import onnx and numpy (cache)
#   TACIT_FACE_MODEL_DIR  ${PROJECT_BINARY_DIR}/models/face: detector.onnx,
#                         landmarks68.onnx, recognition.onnx, manifest.json
#   tacit_face_models     the target (in ALL) that writes them
# and the ctest test face_models.check (label face).

set(TACIT_FACE_PACKAGE_DIR ${PROJECT_SOURCE_DIR}/node_modules/@vladmandic/face-api)
if(NOT EXISTS ${TACIT_FACE_PACKAGE_DIR}/package.json)
  message(FATAL_ERROR
    "The face models' source, the npm package @vladmandic/face-api, is not installed in "
    "${PROJECT_SOURCE_DIR}/node_modules: run scripts/setup.sh (or npm ci). "
    "To build without the face pipeline, configure with -DTACIT_WITH_FACE=OFF.")
endif()

# The converter needs Debian's python3-onnx and python3-numpy. They live in the
# system interpreter, which another python3 earlier on PATH (a pyenv shim, a
# virtualenv) may hide, so /usr/bin/python3 is tried first; a value given with
# -DTACIT_FACE_PYTHON=... is tried before either.
set(TACIT_FACE_PYTHON "" CACHE FILEPATH "Python 3 with the onnx and numpy modules, for tools/face-models")
find_program(_tacit_system_python3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH NO_CACHE)
find_program(_tacit_path_python3 NAMES python3 NO_CACHE)
set(_tacit_face_python "")
foreach(_candidate IN ITEMS "${TACIT_FACE_PYTHON}" "${_tacit_system_python3}" "${_tacit_path_python3}")
  if(_candidate AND NOT _tacit_face_python)
    execute_process(COMMAND ${_candidate} -B -c "import onnx, numpy"
                    RESULT_VARIABLE _tacit_import_result OUTPUT_QUIET ERROR_QUIET)
    if(_tacit_import_result EQUAL 0)
      set(_tacit_face_python ${_candidate})
    endif()
  endif()
endforeach()
if(NOT _tacit_face_python)
  message(FATAL_ERROR
    "No python3 that can import onnx and numpy (Debian: python3-onnx python3-numpy): run scripts/setup.sh. "
    "To build without the face pipeline, configure with -DTACIT_WITH_FACE=OFF.")
endif()
set(TACIT_FACE_PYTHON ${_tacit_face_python} CACHE FILEPATH "Python 3 with the onnx and numpy modules, for tools/face-models" FORCE)
message(STATUS "Face models: converted with ${TACIT_FACE_PYTHON}")

set(TACIT_FACE_MODEL_DIR ${PROJECT_BINARY_DIR}/models/face)
set(TACIT_FACE_MODEL_DIR ${TACIT_FACE_MODEL_DIR} CACHE INTERNAL "Where the build writes the face models")

set(_tacit_face_tools ${PROJECT_SOURCE_DIR}/tools/face-models)
set(_tacit_face_inputs "")
foreach(_stem tiny_face_detector_model face_landmark_68_model face_recognition_model)
  list(APPEND _tacit_face_inputs
       ${TACIT_FACE_PACKAGE_DIR}/model/${_stem}.bin
       ${TACIT_FACE_PACKAGE_DIR}/model/${_stem}-weights_manifest.json)
endforeach()
add_custom_command(
  OUTPUT ${TACIT_FACE_MODEL_DIR}/detector.onnx
         ${TACIT_FACE_MODEL_DIR}/landmarks68.onnx
         ${TACIT_FACE_MODEL_DIR}/recognition.onnx
         ${TACIT_FACE_MODEL_DIR}/manifest.json
  COMMAND ${TACIT_FACE_PYTHON} -B ${_tacit_face_tools}/build.py
          --package ${TACIT_FACE_PACKAGE_DIR} --out ${TACIT_FACE_MODEL_DIR}
  DEPENDS ${_tacit_face_inputs}
          ${_tacit_face_tools}/build.py
          ${_tacit_face_tools}/tfjs_weights.py
          ${_tacit_face_tools}/onnx_graph.py
          ${_tacit_face_tools}/convert_detector.py
          ${_tacit_face_tools}/convert_landmarks.py
          ${_tacit_face_tools}/convert_recognition.py
  COMMENT "Converting the face models (@vladmandic/face-api) to ONNX in models/face"
  VERBATIM)
add_custom_target(tacit_face_models ALL
  DEPENDS ${TACIT_FACE_MODEL_DIR}/detector.onnx
          ${TACIT_FACE_MODEL_DIR}/landmarks68.onnx
          ${TACIT_FACE_MODEL_DIR}/recognition.onnx
          ${TACIT_FACE_MODEL_DIR}/manifest.json)

if(TACIT_BUILD_TESTS)
  # Re-runs the conversion into a temporary directory and compares it with the
  # build's files; checks that a tampered input is refused.
  add_test(NAME face_models.check
           COMMAND ${TACIT_FACE_PYTHON} -B ${_tacit_face_tools}/check_test.py)
  set_tests_properties(face_models.check PROPERTIES
    LABELS face
    TIMEOUT 60
    ENVIRONMENT "TACIT_FACE_MODEL_DIR=${TACIT_FACE_MODEL_DIR};TACIT_FACE_PACKAGE_DIR=${TACIT_FACE_PACKAGE_DIR}")
endif()
