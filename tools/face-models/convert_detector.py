"""face-api's TinyFaceDetector (tiny_face_detector_model) as an ONNX graph.

Model contract (what src/biometric relies on):
  input  "input": float32 [1, 3, 416, 416], RGB, 0..255, NCHW. The caller pads the
         image to a square at the bottom and right, then resizes it to the input
         size. The graph subtracts the mean (117.001, 114.697, 97.404) and divides
         by 255 itself. The file is declared at 416, but OpenCV 4.6 runs it at any
         multiple of 32 (e.g. 320) with the same weights: every padding in the
         graph is explicit and, for sizes 32k, the same for every k.
  output "grid": float32 [1, 25, S/32, S/32], the raw Tiny-YOLOv2 head (13x13 at 416,
         10x10 at 320). Channel c = 5 * anchor + field, field 0..4 = tx, ty, tw, th,
         t_score, for the 5 anchors (width, height, in grid cells):
         (1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061),
         (4.266906, 5.178857), (9.041765, 10.66308).
         For grid cell (row, col) of an n x n grid, as face-api decodes it:
           score  = sigmoid(t_score)
           centre = ((col + sigmoid(tx)) / n, (row + sigmoid(ty)) / n)
           size   = (exp(tw) * anchor_w / n, exp(th) * anchor_h / n)
         relative to the padded square; face-api then applies non-maximum
         suppression with IoU 0.4.

Architecture (face-api's TinyYolov2 "mobilenet" variant):
  conv0 3x3 valid + LeakyReLU(0.1), then five times [max-pool 2x2 stride 2 'same',
  depthwise-separable conv 3x3 'same' + bias + LeakyReLU(0.1)], a max-pool 2x2
  stride 1 'same', and conv8 1x1 to 25 channels. TF.js 'same' pooling pads at the
  end; ONNX MaxPool ignores padded cells, as TF does.
"""

from onnx_graph import Graph, same_pads

INPUT_SIZE = 416
MEAN_RGB = (117.001, 114.697, 97.404)
LEAKY_ALPHA = 0.1


def _tf_to_onnx_kernel(kernel):
    """TF [kh, kw, cin, cout] -> ONNX [cout, cin, kh, kw]."""
    return kernel.transpose(3, 2, 0, 1)


def convert(weights, size=INPUT_SIZE):
    """Builds the detector from the weights of tiny_face_detector_model."""
    if size % 32:
        raise ValueError("the detector's input size must be a multiple of 32")
    g = Graph()
    x = g.normalise("input", MEAN_RGB, 1.0 / 255.0)

    x = g.node("Conv", [x, g.const("conv0/W", _tf_to_onnx_kernel(weights["conv0/filters"])),
                        g.const("conv0/B", weights["conv0/bias"])],
               "conv0", kernel_shape=[3, 3])
    x = g.node("LeakyRelu", [x], "conv0/leaky", alpha=LEAKY_ALPHA)
    n = size - 2  # 3x3 'valid'

    def max_pool(x, name, stride, n):
        before, after, out = same_pads(2, stride, n)
        y = g.node("MaxPool", [x], name, kernel_shape=[2, 2], strides=[stride, stride],
                   pads=[before, before, after, after])
        return y, out

    def separable(x, p):
        depthwise = weights[p + "/depthwise_filter"]  # [3, 3, cin, 1]
        pointwise = weights[p + "/pointwise_filter"]  # [1, 1, cin, cout]
        channels = depthwise.shape[2]
        x = g.node("Conv", [x, g.const(p + "/depthwise/W", depthwise.transpose(2, 3, 0, 1))], p + "/depthwise",
                   kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=channels)
        x = g.node("Conv", [x, g.const(p + "/pointwise/W", _tf_to_onnx_kernel(pointwise)),
                            g.const(p + "/pointwise/B", weights[p + "/bias"])],
                   p + "/pointwise", kernel_shape=[1, 1])
        return g.node("LeakyRelu", [x], p + "/leaky", alpha=LEAKY_ALPHA)

    for i in range(1, 6):
        x, n = max_pool(x, f"pool{i}", 2, n)
        x = separable(x, f"conv{i}")
    x, n = max_pool(x, "pool6", 1, n)
    g.node("Conv", [x, g.const("conv8/W", _tf_to_onnx_kernel(weights["conv8/filters"])),
                    g.const("conv8/B", weights["conv8/bias"])],
           "grid", kernel_shape=[1, 1])

    doc = ("face-api TinyFaceDetector (Tiny-YOLOv2, depthwise-separable, 5 anchors, 1 class). "
           f"Input RGB 0..255 NCHW {size}x{size} (any multiple of 32 runs); normalisation (x - mean) / 255 "
           "in the graph. Output: the raw 25-channel head, channel = 5 * anchor + (tx, ty, tw, th, score).")
    return g.model("tiny_face_detector", [1, 3, size, size], "grid", [1, 25, n, n], doc)
