#!/usr/bin/env python3
"""Converts face-api's weights into the three ONNX models of the face pipeline.

    python3 tools/face-models/build.py --package node_modules/@vladmandic/face-api --out build/models/face

The build runs this (cmake/TacitFaceModels.cmake); nothing is fetched, here or at
run time. The input is the npm package @vladmandic/face-api@1.7.15 as npm ci
installs it from package-lock.json. Each of the six files read is checked against
its pinned SHA-256 first (docs/face-models-research.md §1.1); on any difference
nothing is written and the message names the file, the expected and the actual
hash.

--out receives exactly:
  detector.onnx     face-api's TinyFaceDetector             (convert_detector.py)
  landmarks68.onnx  face-api's 68-point landmark net        (convert_landmarks.py)
  recognition.onnx  dlib's 128-D ResNet, face-api's weights (convert_recognition.py)
  manifest.json     file, sha256, bytes, input size, source, licence of each model
Each file is written to a temporary file in --out and renamed into place, the
manifest last, so an interrupted build leaves whole files only. A re-run with the
same inputs and the same onnx version writes the same bytes.

Needs only Python 3 with Debian's python3-onnx (1.12) and python3-numpy.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import onnx  # noqa: E402

import convert_detector  # noqa: E402
import convert_landmarks  # noqa: E402
import convert_recognition  # noqa: E402
import onnx_graph  # noqa: E402
import tfjs_weights  # noqa: E402

PACKAGE = "@vladmandic/face-api"
VERSION = "1.7.15"

# The pinned inputs: path inside the package -> SHA-256.
INPUT_SHA256 = {
    "model/tiny_face_detector_model-weights_manifest.json":
        "5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5",
    "model/tiny_face_detector_model.bin":
        "b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871",
    "model/face_landmark_68_model-weights_manifest.json":
        "ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9",
    "model/face_landmark_68_model.bin":
        "4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b",
    "model/face_recognition_model-weights_manifest.json":
        "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
    "model/face_recognition_model.bin":
        "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
}

FACE_API_LICENCE = "MIT (face-api.js, Vincent Mühler; @vladmandic/face-api, Vladimir Mandic)"

# The models, in manifest order. "weights" is the file stem inside model/.
MODELS = [
    {
        "key": "detector",
        "file": "detector.onnx",
        "weights": "tiny_face_detector_model",
        "convert": convert_detector.convert,
        "input": [convert_detector.INPUT_SIZE, convert_detector.INPUT_SIZE],
        "licence": FACE_API_LICENCE,
        "description": (
            "face-api TinyFaceDetector (Tiny-YOLOv2, depthwise-separable). Input \"input\" [1,3,416,416] RGB "
            "0..255 NCHW, the image padded square at the bottom/right; any multiple of 32 also runs (e.g. 320). "
            "Output \"grid\" [1,25,S/32,S/32]: channel 5*anchor + (tx,ty,tw,th,score), 5 anchors; "
            "see tools/face-models/convert_detector.py for the decoding."),
    },
    {
        "key": "landmarks",
        "file": "landmarks68.onnx",
        "weights": "face_landmark_68_model",
        "convert": convert_landmarks.convert,
        "input": [convert_landmarks.INPUT_SIZE, convert_landmarks.INPUT_SIZE],
        "licence": FACE_API_LICENCE,
        "description": (
            "face-api 68-point landmark net. Input \"input\" [1,3,112,112] RGB 0..255 NCHW, the detection box "
            "padded to a centred square. Output \"landmarks\" [1,136]: x0,y0,...,x67,y67 relative (0..1) to the "
            "112x112 input."),
    },
    {
        "key": "recognition",
        "file": "recognition.onnx",
        "weights": "face_recognition_model",
        "convert": convert_recognition.convert,
        "input": [convert_recognition.INPUT_SIZE, convert_recognition.INPUT_SIZE],
        "licence": ("dlib_face_recognition_resnet_model_v1 weights: public domain (Davis King); "
                    "face-api port MIT"),
        "description": (
            "dlib face recognition ResNet, 128-D (face-api's uint8 copy of dlib's weights). Input \"input\" "
            "[1,3,150,150] RGB 0..255 NCHW, a dlib face chip (68-point alignment, 0.25 padding); (x-mean)/256 in "
            "the graph, as dlib. Output \"descriptor\" [1,128], not normalised (dlib: Euclidean distance, 0.6)."),
    },
]

MANIFEST_FILE = "manifest.json"


class InputError(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read_verified_inputs(package_dir):
    """Reads the six input files and checks each against its pinned hash.

    Returns {path inside the package: bytes}. Raises InputError listing every
    missing or different file.
    """
    contents, problems = {}, []
    for path, expected in INPUT_SHA256.items():
        full = os.path.join(package_dir, path)
        try:
            with open(full, "rb") as f:
                data = f.read()
        except OSError as e:
            problems.append(f"  {full}: cannot be read ({e.strerror})")
            continue
        actual = sha256(data)
        if actual != expected:
            problems.append(f"  {full}: SHA-256 differs\n    expected {expected}\n    actual   {actual}")
            continue
        contents[path] = data
    if problems:
        raise InputError(
            f"refusing to convert: the face model inputs are not {PACKAGE}@{VERSION} as pinned\n"
            + "\n".join(problems)
            + "\n(package-lock.json pins the package; run scripts/setup.sh, or npm ci, to reinstall it)")
    return contents


def convert_all(inputs):
    """Converts every model; returns [(model entry, onnx bytes)]."""
    results = []
    for entry in MODELS:
        stem = entry["weights"]
        manifest_path = f"model/{stem}-weights_manifest.json"
        shards = {f"{stem}.bin": inputs[f"model/{stem}.bin"]}  # each model has one shard
        weights = tfjs_weights.load(manifest_path, inputs[manifest_path], shards)
        model = entry["convert"](weights)
        weights.check_all_used()
        results.append((entry, onnx_graph.serialise(model)))
    return results


def manifest_bytes(results, inputs):
    models = {}
    for entry, data in results:
        bin_path = f"model/{entry['weights']}.bin"
        models[entry["key"]] = {
            "file": entry["file"],
            "sha256": sha256(data),
            "bytes": len(data),
            "input": entry["input"],
            "source": f"npm {PACKAGE}@{VERSION} {bin_path} sha256 {sha256(inputs[bin_path])}",
            "licence": entry["licence"],
            "description": entry["description"],
        }
    manifest = {
        "format": 1,
        "generated_by": "tools/face-models/build.py",
        "onnx_version": onnx.__version__,
        "models": models,
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomically(directory, name, data):
    """Writes data to directory/name through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(directory, name))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description="Convert face-api's weights to the face pipeline's ONNX models.")
    parser.add_argument("--package", required=True, help=f"the installed {PACKAGE} package directory")
    parser.add_argument("--out", required=True, help="directory to write the models and manifest.json into")
    args = parser.parse_args(argv)

    try:
        inputs = read_verified_inputs(args.package)
    except InputError as e:
        print(f"build.py: {e}", file=sys.stderr)
        return 1
    results = convert_all(inputs)
    manifest = manifest_bytes(results, inputs)

    os.makedirs(args.out, exist_ok=True)
    # The manifest goes first and comes back last, so a manifest on disk always
    # describes the models beside it.
    try:
        os.unlink(os.path.join(args.out, MANIFEST_FILE))
    except FileNotFoundError:
        pass
    for entry, data in results:
        write_atomically(args.out, entry["file"], data)
        print(f"build.py: {entry['file']}: {len(data)} bytes, sha256 {sha256(data)}")
    write_atomically(args.out, MANIFEST_FILE, manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
