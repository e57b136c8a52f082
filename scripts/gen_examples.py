#!/usr/bin/python3
"""Generate the user-facing ONNX examples in examples/.

    /usr/bin/python3 scripts/gen_examples.py

The models are the ones of scripts/gen_torch_fixtures.py, exported under user-facing names with a
dynamic batch (and dynamic H, W where the model is fully convolutional). Like the fixtures, every
export is run by PyTorch and by onnxruntime-node at a few sizes, and generation stops if the two
disagree. The Keras JSON examples come from scripts/gen_keras_examples.mjs (node).
"""
import os

import gen_torch_fixtures as g

EXAMPLES = os.path.join(g.ROOT, "examples")

NHW = {"x": {0: "N", 2: "H", 3: "W"}}
N = {"x": {0: "N"}}
Z = {"z": {0: "N"}}

SPECS = [
    dict(name="mnist_ae", file="mnist-autoencoder.onnx", make=lambda: g.MnistAE((1, 1, 1)), opset=13, dynamic=N,
         outputs=["y"], runs=[g.img(28), g.img(28, 28, 4)]),
    dict(name="mnist_ae_fixed", file="mnist-autoencoder-fixed.onnx", make=lambda: g.MnistAE((0, 1, 1)), opset=13,
         dynamic=N, outputs=["y"], runs=[g.img(28), g.img(28, 28, 4)]),
    dict(name="unet_odd", file="unet-odd.onnx", make=lambda: g.UNet("convt"), opset=17, dynamic=NHW, outputs=["y"],
         runs=[g.img(64), g.img(32, 48, 2), g.img(33), g.img(62)]),
    dict(name="dyn8", file="dyn8.onnx", make=g.Dyn8, opset=17, dynamic=NHW, outputs=["y"],
         runs=[g.img(64), g.img(32, 24), g.img(28), g.img(33)]),
    dict(name="vae_decoder_bad", file="vae-decoder.onnx", make=lambda: g.VAEDecoder(8, minus_one=True), opset=13,
         dynamic=Z, inputs=["z"], outputs=["y"], runs=[{"z": [1, 8]}, {"z": [16, 8]}]),
    dict(name="gan_generator_off", file="gan-generator.onnx", make=lambda: g.GanGenerator("off28"), opset=13,
         dynamic=Z, inputs=["z"], outputs=["y"], runs=[{"z": [1, 100, 1, 1]}, {"z": [16, 100, 1, 1]}]),
    dict(name="resnet_odd", file="resnet-odd.onnx", make=g.ResNetOdd, opset=17, dynamic=NHW,
         outputs=["features", "logits"], runs=[g.img(32), g.img(33), g.img(225, 224, 2)]),
    dict(name="unet_interp", file="unet-interp.onnx", make=lambda: g.UNet("nearest"), opset=17, dynamic=NHW,
         outputs=["y"], runs=[g.img(64), g.img(33), g.img(62, 47)]),
]


def main():
    records = g.export_all(SPECS, EXAMPLES, sidecars=False)
    for spec, path, runs in records:
        shapes = "; ".join(
            f"{g.json.dumps(r['inputs'])} -> {g.json.dumps(r['outputs']) if r['error'] is None else 'error: ' + r['error'].splitlines()[0]}"
            for r in runs)
        print(f"{os.path.relpath(path, g.ROOT)}  {os.path.getsize(path)} B  opset {spec['opset']}  {shapes}")


if __name__ == "__main__":
    main()
