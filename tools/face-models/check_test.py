#!/usr/bin/env python3
"""Checks the face models the build wrote (ctest: face_models.check, label face).

  - build.py, run again into a temporary directory, writes byte-identical files
    (the conversion is deterministic, so the files can be pinned by hash);
  - manifest.json describes the files beside it (sha256, bytes) and each model's
    contract (input and output names and shapes, the operators OpenCV 4.6 needs);
  - an input that is not the pinned one (a flipped byte, a missing file) is
    refused with a message naming the file, and nothing is written.

Environment (set by cmake/TacitFaceModels.cmake; defaults for a run by hand from
the repository): TACIT_FACE_MODEL_DIR (build/models/face) and
TACIT_FACE_PACKAGE_DIR (node_modules/@vladmandic/face-api).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True

import onnx  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODEL_DIR = os.environ.get("TACIT_FACE_MODEL_DIR", os.path.join(REPO, "build", "models", "face"))
PACKAGE_DIR = os.environ.get("TACIT_FACE_PACKAGE_DIR", os.path.join(REPO, "node_modules", "@vladmandic", "face-api"))
BUILD = os.path.join(HERE, "build.py")

FILES = ["detector.onnx", "landmarks68.onnx", "recognition.onnx", "manifest.json"]

# key -> (file, manifest input, graph input shape, output name, output shape)
CONTRACTS = {
    "detector": ("detector.onnx", [416, 416], [1, 3, 416, 416], "grid", [1, 25, 13, 13]),
    "landmarks": ("landmarks68.onnx", [112, 112], [1, 3, 112, 112], "landmarks", [1, 136]),
    "recognition": ("recognition.onnx", [150, 150], [1, 3, 150, 150], "descriptor", [1, 128]),
}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def run_build(package, out):
    return subprocess.run([sys.executable, "-B", BUILD, "--package", package, "--out", out],
                          capture_output=True, text=True, timeout=120)


def shape_of(value_info):
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


class FaceModels(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tacit-face-models-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_a_rebuild_writes_the_same_bytes(self):
        out = os.path.join(self.tmp, "out")
        result = run_build(PACKAGE_DIR, out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sorted(os.listdir(out)), sorted(FILES), "exactly the four files, no temporary leftovers")
        for name in FILES:
            self.assertEqual(read(os.path.join(out, name)), read(os.path.join(MODEL_DIR, name)),
                             f"{name} differs between the build and a re-run of build.py")

    def test_manifest_describes_the_files(self):
        manifest = json.loads(read(os.path.join(MODEL_DIR, "manifest.json")).decode("utf-8"))
        self.assertEqual(manifest["format"], 1)
        self.assertEqual(manifest["generated_by"], "tools/face-models/build.py")
        self.assertEqual(manifest["onnx_version"], onnx.__version__)
        self.assertEqual(sorted(manifest["models"]), sorted(CONTRACTS))
        for key, (file, size, _, _, _) in CONTRACTS.items():
            entry = manifest["models"][key]
            data = read(os.path.join(MODEL_DIR, entry["file"]))
            self.assertEqual(entry["file"], file)
            self.assertEqual(entry["sha256"], hashlib.sha256(data).hexdigest(), key)
            self.assertEqual(entry["bytes"], len(data), key)
            self.assertEqual(entry["input"], size, key)
            self.assertTrue(entry["source"].startswith("npm @vladmandic/face-api@1.7.15 model/"), entry["source"])
            for field in ("licence", "description"):
                self.assertTrue(entry[field], f"{key}.{field} is empty")

    def test_models_keep_their_contract(self):
        for key, (file, _, input_shape, output, output_shape) in CONTRACTS.items():
            model = onnx.load(os.path.join(MODEL_DIR, file))
            onnx.checker.check_model(model)
            graph = model.graph
            self.assertEqual([(i.name, shape_of(i)) for i in graph.input if i.name == "input"],
                             [("input", input_shape)], key)
            self.assertEqual([(o.name, shape_of(o)) for o in graph.output], [(output, output_shape)], key)
            self.assertEqual(model.producer_name, "tacit tools/face-models", key)
            self.assertEqual([o.version for o in model.opset_import], [9], key)
            # OpenCV 4.6 needs every Gemm with transB=1 and an explicit bias.
            for node in graph.node:
                if node.op_type == "Gemm":
                    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                    self.assertEqual(attributes.get("transB"), 1, key)
                    self.assertEqual(len(node.input), 3, key)

    def _copy_package(self):
        package = os.path.join(self.tmp, "face-api")
        shutil.copytree(PACKAGE_DIR, package)
        return package

    def test_a_tampered_input_is_refused(self):
        package = self._copy_package()
        path = os.path.join(package, "model", "face_landmark_68_model.bin")
        data = bytearray(read(path))
        data[len(data) // 2] ^= 0x01
        with open(path, "wb") as f:
            f.write(data)
        out = os.path.join(self.tmp, "out")
        result = run_build(package, out)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(path, result.stderr)
        self.assertIn("4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b", result.stderr)  # expected
        self.assertIn(hashlib.sha256(data).hexdigest(), result.stderr)  # actual
        self.assertFalse(os.path.exists(out) and os.listdir(out), "nothing may be written from a refused input")

    def test_a_missing_input_is_refused(self):
        package = self._copy_package()
        path = os.path.join(package, "model", "tiny_face_detector_model-weights_manifest.json")
        os.unlink(path)
        result = run_build(package, os.path.join(self.tmp, "out"))
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(path, result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
