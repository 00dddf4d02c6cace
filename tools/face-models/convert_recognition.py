"""dlib's 128-D face recogniser, from face-api's copy (face_recognition_model), as ONNX.

The network is Davis King's dlib_face_recognition_resnet_model_v1 (public domain);
face-api ships its weights quantised to uint8. The research (docs/face-models-
research.md §2.3) found every tensor within half a quantisation step of dlib's
float weights, and descriptors within cosine 0.9996 of dlib's own.

Model contract (what src/biometric relies on):
  input  "input": float32 [1, 3, 150, 150], RGB, 0..255, NCHW: a dlib face chip,
         i.e. the face aligned onto dlib's 68-point mean shape with 0.25 padding
         (dlib's get_face_chip_details(shape, 150, 0.25)). The graph subtracts the
         mean (122.782, 117.001, 104.298) and divides by 256 itself, exactly as
         dlib's input_rgb_image_sized<150> does (face-api divides by 255; the
         research found /256 reproduces dlib exactly).
  output "descriptor": float32 [1, 128], not normalised. dlib compares descriptors
         by Euclidean distance (its reference threshold is 0.6).

Architecture (dlib's ResNet, "ResNet-34 with layers removed and half the filters"):
  conv 7x7/2 valid (32) -> max-pool 3x3/2 valid -> 3 residual blocks (32) ->
  down-block (64) + 3 blocks -> down-block (128) + 2 -> down-block (256) + 2 ->
  down-block (256) -> global average pool -> FC 256 -> 128 without bias.
  Each conv is followed by an affine "scale" layer, folded into the conv here.
  A residual block is relu(x + conv2(relu(conv1(x)))) with 3x3 'same' convs. A
  down-block's conv1 is 3x3 stride 2 without padding and its shortcut is a 2x2/2
  average pool of x; where the two differ in size (4x4 vs 3x3, 2x2 vs 1x1) dlib's
  add_prev zero-pads the smaller at the bottom and right (a Pad node here), and
  the shortcut's missing channels are zeros (an exact 1x1 identity conv here).
  The FC layer is Gemm(transB=1) with an explicit zero bias, as OpenCV 4.6 needs.
"""

import numpy as np

from onnx_graph import Graph

INPUT_SIZE = 150
MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_DIVISOR = 256.0


def convert(weights):
    """Builds the recogniser from the weights of face_recognition_model."""
    g = Graph()

    def conv_scale(x, p, stride, pad, relu):
        """conv + bias, then * scale.weights + scale.biases, folded into one Conv."""
        kernel = weights[p + "/conv/filters"].astype(np.float64)  # [kh, kw, cin, cout]
        bias = weights[p + "/conv/bias"].astype(np.float64)
        scale = weights[p + "/scale/weights"].astype(np.float64)
        shift = weights[p + "/scale/biases"].astype(np.float64)
        folded_kernel = kernel.transpose(3, 2, 0, 1) * scale[:, None, None, None]
        folded_bias = bias * scale + shift
        k = kernel.shape[0]
        y = g.node("Conv", [x, g.const(p + "/W", folded_kernel), g.const(p + "/B", folded_bias)], p,
                   kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        return g.node("Relu", [y], p + "/relu") if relu else y

    def residual(x, p):
        y = conv_scale(x, p + "/conv1", 1, 1, relu=True)
        y = conv_scale(y, p + "/conv2", 1, 1, relu=False)
        return g.node("Relu", [g.node("Add", [y, x], p + "/add")], p + "/out")

    def residual_down(x, p, channels_in, size_in):
        y = conv_scale(x, p + "/conv1", 2, 0, relu=True)
        y = conv_scale(y, p + "/conv2", 1, 1, relu=False)
        channels_out = weights[p + "/conv2/conv/filters"].shape[3]
        size_conv = (size_in - 3) // 2 + 1
        size_pool = (size_in - 2) // 2 + 1
        shortcut = g.node("AveragePool", [x], p + "/shortcut", kernel_shape=[2, 2], strides=[2, 2])
        if size_pool != size_conv:
            d = size_pool - size_conv
            y = g.node("Pad", [y], p + "/pad_hw", mode="constant", pads=[0, 0, 0, 0, 0, 0, d, d])
        if channels_out != channels_in:
            identity = np.zeros((channels_out, channels_in, 1, 1), np.float32)
            identity[np.arange(channels_in), np.arange(channels_in), 0, 0] = 1.0
            shortcut = g.node("Conv", [shortcut, g.const(p + "/pad_channels/W", identity)], p + "/pad_channels",
                              kernel_shape=[1, 1])
        out = g.node("Relu", [g.node("Add", [shortcut, y], p + "/add")], p + "/out")
        return out, size_pool

    x = g.normalise("input", MEAN_RGB, 1.0 / INPUT_DIVISOR)
    x = conv_scale(x, "conv32_down", 2, 0, relu=True)  # 150 -> 72
    x = g.node("MaxPool", [x], "pool", kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
    size = 35
    for p in ("conv32_1", "conv32_2", "conv32_3"):
        x = residual(x, p)
    x, size = residual_down(x, "conv64_down", 32, size)  # 17
    for p in ("conv64_1", "conv64_2", "conv64_3"):
        x = residual(x, p)
    x, size = residual_down(x, "conv128_down", 64, size)  # 8
    for p in ("conv128_1", "conv128_2"):
        x = residual(x, p)
    x, size = residual_down(x, "conv256_down", 128, size)  # 4 (conv path 3, padded)
    for p in ("conv256_1", "conv256_2"):
        x = residual(x, p)
    x, size = residual_down(x, "conv256_down_out", 256, size)  # 2 (conv path 1, padded)
    x = g.node("GlobalAveragePool", [x], "gap")
    x = g.node("Flatten", [x], "flat", axis=1)
    fc = weights["fc"]  # [256, 128]
    g.node("Gemm", [x, g.const("fc/W", fc.T), g.const("fc/B", np.zeros(fc.shape[1], np.float32))],
           "descriptor", transB=1)

    doc = ("dlib face recognition ResNet (dlib_face_recognition_resnet_model_v1), weights from face-api's uint8 copy. "
           "Input RGB 0..255 NCHW 150x150 dlib face chip (0.25 padding); normalisation (x - mean) / 256 in the graph. "
           "Output: 128-D descriptor, not normalised (dlib: Euclidean distance, threshold 0.6).")
    return g.model("dlib_face_recognition_resnet", [1, 3, INPUT_SIZE, INPUT_SIZE], "descriptor", [1, 128], doc)
