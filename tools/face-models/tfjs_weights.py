"""Reads TF.js weights: a weights manifest (JSON) and the binary shards it names.

A TF.js "weights manifest" is a list of groups; each group names its shard files
("paths", concatenated in order) and lists its tensors ("weights") in the order
they are stored. A tensor is either stored plainly (float32 or int32, 4 bytes per
value) or quantised: "quantization": {"dtype": "uint8"|"uint16", "scale", "min"}
stores q and means q * scale + min; {"dtype": "float16"} stores half floats.
face-api's models are almost entirely uint8-quantised.

The reader works on bytes already in memory (build.py reads each file once, checks
its SHA-256 and hands over those same bytes), so what is converted is exactly what
was checked. Every tensor must be consumed by the converter: Weights.check_all_used()
turns a changed or unexpected model file into an error rather than a silently
different network.
"""

import json

import numpy as np

# How each dtype is stored (little-endian, as TF.js writes it).
_PLAIN = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4")}
_QUANTISED = {"uint8": np.dtype("u1"), "uint16": np.dtype("<u2"), "float16": np.dtype("<f2")}


class WeightsError(Exception):
    """A manifest or shard that does not describe the tensors it claims to."""


class Weights:
    """Named tensors (float32 or int32 numpy arrays) that remember which were read."""

    def __init__(self, source, tensors):
        self._source = source
        self._tensors = tensors
        self._used = set()

    def __getitem__(self, name):
        if name not in self._tensors:
            raise WeightsError(f"{self._source}: no tensor named {name!r}")
        self._used.add(name)
        return self._tensors[name]

    def check_all_used(self):
        unused = sorted(set(self._tensors) - self._used)
        if unused:
            raise WeightsError(f"{self._source}: tensors not used by the converter: {', '.join(unused)}")


def _dequantise(raw, quantisation, dtype):
    qtype = quantisation["dtype"]
    if qtype == "float16":
        values = raw.astype(np.float32)
    else:
        # TF.js computes q * scale + min in double precision and stores the result
        # in a Float32Array; doing the same here gives its weights bit for bit.
        values = (raw.astype(np.float64) * float(quantisation["scale"]) + float(quantisation["min"])).astype(np.float32)
    if dtype == "int32":
        values = np.round(values).astype(np.int32)
    return values


def load(manifest_name, manifest_bytes, shards):
    """Parses a weights manifest.

    manifest_name: a name for error messages. manifest_bytes: the manifest's content.
    shards: {shard file name as written in the manifest: its bytes}.
    Returns a Weights holding one array per tensor, in the manifest's shapes.
    """
    manifest = json.loads(manifest_bytes.decode("utf-8"))
    if isinstance(manifest, dict):  # a model.json wraps the manifest in "weightsManifest"
        manifest = manifest["weightsManifest"]
    tensors = {}
    for group in manifest:
        missing = [p for p in group["paths"] if p not in shards]
        if missing:
            raise WeightsError(f"{manifest_name}: shard(s) not provided: {', '.join(missing)}")
        buffer = b"".join(shards[p] for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            name, shape, dtype = spec["name"], list(spec["shape"]), spec["dtype"]
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            quantisation = spec.get("quantization")
            stored = _QUANTISED[quantisation["dtype"]] if quantisation else _PLAIN[dtype]
            size = count * stored.itemsize
            if offset + size > len(buffer):
                raise WeightsError(f"{manifest_name}: tensor {name} runs past the end of its shard(s)")
            raw = np.frombuffer(buffer, dtype=stored, count=count, offset=offset)
            offset += size
            if quantisation:
                values = _dequantise(raw, quantisation, dtype)
            else:
                values = raw.astype(np.float32 if dtype == "float32" else np.int32)  # a native-order copy
            if name in tensors:
                raise WeightsError(f"{manifest_name}: tensor {name} appears twice")
            tensors[name] = values.reshape(shape)
        if offset != len(buffer):
            raise WeightsError(f"{manifest_name}: {len(buffer) - offset} bytes of shard(s) {group['paths']} not described")
    return Weights(manifest_name, tensors)
