"""A small ONNX graph builder shared by the three converters.

The graphs are written for OpenCV 4.6's cv::dnn ONNX importer, which supports a
subset of ONNX. So the converters keep to opset 9 (IR version 4) and a few plain
operators (Conv, Relu, LeakyRelu, Add, Sub, Mul, MaxPool, AveragePool,
GlobalAveragePool, Pad, Flatten, Gemm), and:
  - a fully connected layer is Gemm(transB=1) with an explicit bias: OpenCV 4.6
    rejects Gemm without a bias or with transB=0;
  - the input normalisation (mean subtraction and scaling) is part of the graph, so
    every model takes plain RGB 0..255, NCHW, float32.

Output bytes are deterministic: no timestamps, a fixed producer name, and
deterministic protobuf serialisation. The same onnx version and the same inputs
give the same file (build.py records the onnx version in manifest.json).
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 9
IR_VERSION = 4
PRODUCER_NAME = "tacit tools/face-models"
PRODUCER_VERSION = "1"


def same_pads(kernel, stride, size):
    """TF 'SAME' padding along one axis: (pad before, pad after, output size).

    TF puts the odd pixel of padding at the end, so stride 2 often needs
    asymmetric ONNX pads (0 before, 1 after).
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


class Graph:
    """Collects nodes and float32 initialisers; names are given by the converter."""

    def __init__(self):
        self.nodes = []
        self.initialisers = []
        self._names = set()

    def _claim(self, name):
        if name in self._names:
            raise ValueError(f"duplicate tensor name {name!r}")
        self._names.add(name)
        return name

    def const(self, name, array):
        """Adds a float32 constant and returns its name."""
        self.initialisers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), self._claim(name)))
        return name

    def node(self, op, inputs, output, **attributes):
        """Adds one single-output node and returns the output's name."""
        self.nodes.append(helper.make_node(op, list(inputs), [self._claim(output)], **attributes))
        return output

    def normalise(self, source, mean_rgb, scale):
        """(source - mean) * scale, per RGB channel of an NCHW input."""
        mean = np.asarray(mean_rgb, np.float32).reshape(1, 3, 1, 1)
        centred = self.node("Sub", [source, self.const("mean_rgb", mean)], "centred")
        return self.node("Mul", [centred, self.const("input_scale", np.array([scale], np.float32))], "normalised")

    def model(self, name, input_shape, output, output_shape, doc):
        """Wraps the graph (input "input") into a checked ModelProto."""
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(input_shape))],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, list(output_shape))],
            self.initialisers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name=PRODUCER_NAME, producer_version=PRODUCER_VERSION)
        model.ir_version = IR_VERSION
        model.doc_string = doc
        onnx.checker.check_model(model)
        return model


def serialise(model):
    """The model's bytes, serialised deterministically."""
    return model.SerializeToString(deterministic=True)


def parameter_count(model):
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer)
