"""face-api's 68-point landmark net (face_landmark_68_model) as an ONNX graph.

Model contract (what src/biometric relies on):
  input  "input": float32 [1, 3, 112, 112], RGB, 0..255, NCHW: the face's detection
         box padded to a centred square (face-api pads equally on both sides of the
         short axis) and resized to 112x112. The graph subtracts the mean
         (122.782, 117.001, 104.298) and divides by 255 itself.
  output "landmarks": float32 [1, 136] = x0, y0, x1, y1, ..., x67, y67, relative to
         the 112x112 input (0..1 inside it; points may fall slightly outside).
         Multiply by the padded square's side and subtract the padding to get
         image coordinates. The points follow the usual 68-point layout
         (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).

Architecture (face-api's FaceFeatureExtractor + a fully connected layer):
  four dense blocks of four convolutions each; the first convolution of a block
  has stride 2 (a plain 3x3 conv in block 0, a depthwise-separable one after),
  the others stride 1, all TF 'same' padding, with dense shortcuts:
    out1 = relu(conv0(x)); out2 = conv1(out1); in3 = relu(out1 + out2);
    out3 = conv2(in3); in4 = relu(out1 + out2 + out3); out4 = conv3(in4);
    block = relu(out1 + out2 + out3 + out4)
  112 -> 56 -> 28 -> 14 -> 7 pixels, 32/64/128/256 channels; then a 7x7 average
  pool and FC 256 -> 136 (Gemm with transB=1 and its bias, as OpenCV 4.6 needs).
"""

from onnx_graph import Graph, same_pads

INPUT_SIZE = 112
MEAN_RGB = (122.782, 117.001, 104.298)


def convert(weights):
    """Builds the landmark net from the weights of face_landmark_68_model."""
    g = Graph()

    def conv(x, name, kernel, bias, stride, n, group=1):
        """A conv with TF 'same' padding; kernel already in ONNX layout."""
        k = kernel.shape[2]
        before, after, out = same_pads(k, stride, n)
        inputs = [x, g.const(name + "/W", kernel)]
        if bias is not None:
            inputs.append(g.const(name + "/B", bias))
        y = g.node("Conv", inputs, name, kernel_shape=[k, k], strides=[stride, stride],
                   pads=[before, before, after, after], group=group)
        return y, out

    def separable(x, p, stride, n):
        depthwise = weights[p + "/depthwise_filter"]  # [3, 3, cin, 1] -> [cin, 1, 3, 3]
        pointwise = weights[p + "/pointwise_filter"]  # [1, 1, cin, cout] -> [cout, cin, 1, 1]
        x, n = conv(x, p + "/depthwise", depthwise.transpose(2, 3, 0, 1), None, stride, n, group=depthwise.shape[2])
        return conv(x, p + "/pointwise", pointwise.transpose(3, 2, 0, 1), weights[p + "/bias"], 1, n)

    def add(a, b, name):
        return g.node("Add", [a, b], name)

    def relu(a, name):
        return g.node("Relu", [a], name)

    def dense_block(x, p, n, first):
        if first:
            out1, n = conv(x, p + "/conv0", weights[p + "/conv0/filters"].transpose(3, 2, 0, 1),
                           weights[p + "/conv0/bias"], 2, n)
        else:
            out1, n = separable(x, p + "/conv0", 2, n)
        out1 = relu(out1, p + "/out1")
        out2, _ = separable(out1, p + "/conv1", 1, n)
        in3 = relu(add(out1, out2, p + "/sum12"), p + "/in3")
        out3, _ = separable(in3, p + "/conv2", 1, n)
        in4 = relu(add(out1, add(out2, out3, p + "/sum23"), p + "/sum123"), p + "/in4")
        out4, _ = separable(in4, p + "/conv3", 1, n)
        total = add(out1, add(out2, add(out3, out4, p + "/sum34"), p + "/sum234"), p + "/sum1234")
        return relu(total, p + "/out"), n

    x = g.normalise("input", MEAN_RGB, 1.0 / 255.0)
    n = INPUT_SIZE
    for i in range(4):
        x, n = dense_block(x, f"dense{i}", n, first=(i == 0))
    assert n == 7
    x = g.node("AveragePool", [x], "pool", kernel_shape=[7, 7], strides=[2, 2])
    x = g.node("Flatten", [x], "flat", axis=1)
    # TF's matMul(x, W) with W [256, 136] is Gemm(x, W^T) with transB=1.
    g.node("Gemm", [x, g.const("fc/W", weights["fc/weights"].T), g.const("fc/B", weights["fc/bias"])],
           "landmarks", transB=1)

    doc = ("face-api 68-point face landmark net. Input RGB 0..255 NCHW 112x112 (the detection box padded to a "
           "centred square); normalisation (x - mean) / 255 in the graph. Output x0, y0, ..., x67, y67 relative "
           "to the input (0..1).")
    return g.model("face_landmark_68", [1, 3, INPUT_SIZE, INPUT_SIZE], "landmarks", [1, 136], doc)
