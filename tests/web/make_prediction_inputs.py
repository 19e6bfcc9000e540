"""Writes the inputs of the predictions table test (tests/web/predictions_test.mjs) into OUT_DIR
from the MNIST fixture, with numpy and onnx (independently of pare).

Usage: python make_prediction_inputs.py MODEL.onnx HELDOUT_PIXELS.npy COUNT OUT_DIR
Writes:
  digits/NN.png   the first COUNT held-out digits as 8-bit grayscale PNGs
  softmax.onnx    the MNIST CNN with a Softmax after its logits (output `probs`): scores that
                  already are probabilities
  features.onnx   the MNIST CNN cut after its second pooling (output `pool2`, [N, C, H, W]):
                  not a classification output
"""
import os
import sys

import numpy as np
import onnx
import onnx.utils
from onnx import helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_inputs import png_gray8  # noqa: E402


def main(model_path, heldout_path, count, out):
    os.makedirs(os.path.join(out, "digits"), exist_ok=True)
    for i, digit in enumerate(np.load(heldout_path)[: int(count)]):
        with open(os.path.join(out, "digits", f"{i:02d}.png"), "wb") as f:
            f.write(png_gray8(digit[0]))

    model = onnx.load(model_path)
    logits = model.graph.output[0]
    model.graph.node.append(helper.make_node("Softmax", [logits.name], ["probs"], axis=1, name="softmax"))
    probs = onnx.ValueInfoProto()
    probs.CopyFrom(logits)
    probs.name = "probs"
    del model.graph.output[:]
    model.graph.output.append(probs)
    onnx.checker.check_model(model)
    onnx.save_model(model, os.path.join(out, "softmax.onnx"))

    onnx.utils.extract_model(model_path, os.path.join(out, "features.onnx"), ["image"], ["pool2"])


if __name__ == "__main__":
    main(*sys.argv[1:])
