/**
 * `--input-shape` on every Keras flavour: `propagate(model, {inputShapes})` binds the `None`
 * dims (batch and spatial) of a Keras graph input to sizes or names.
 */
import { describe, expect, test } from "vitest";
import { loadKerasFile } from "../../src/loaders/keras/index.js";
import { LoadError } from "../../src/loaders/load-error.js";
import { type InputBinding, propagate } from "../../src/shapes/propagate.js";
import { SAMPLES, SAMPLES_PRESENT, kerasFile, nodeShape } from "./helpers.js";

const cases: [file: string, flavour: string, input: string, binding: InputBinding, node: string, expected: string][] = [
  ["k1seq-model.json", "keras1-json", "cropping2d_8_input", [1, 160, 320, 3], "cropping2d_8", "[1, 100, 320, 3]"],
  ["k2seq-generator.json", "keras2-json", "dense_8_input", [1, 256], "conv2d_transpose_11", "[1, 28, 28, 1]"],
  ["k2nest-autoencoder.json", "keras2-json", "input_1", [1, 32, 32, 3], "decoder/conv2d_transpose_4", "[1, 32, 32, 3]"],
  ["tk214-config.json", "keras3-json", "image_input", [1, 28, 28, 3], "Conv5", "[1, 28, 28, 3]"],
  ["tk214-config.json", "keras3-json", "image_input", [1, 30, 30, 3], "Conv5", "[1, 32, 32, 3]"],
  ["k3unet-unet.json", "keras3-json", "input_layer_1", [1, 360, 480, 3], "conv2d_23", "[1, 360, 480, 1]"],
  ["k3-nested-offsets.json", "keras3-json", "image", [1, 28, 28, 1], "decoder/up_2", "[1, 28, 28, 1]"],
  ["k3siam-siamese_model.keras", "keras-zip", "input_layer_7", [1, 1, 13], "functional_4/dense_10", "[1, 1, 32]"],
  ["zip-deflated.keras", "keras-zip", "image", [1, 28, 28, 1], "head/logits", "[1, 10]"],
  ["h5-vlen-autoencoder.h5", "h5", "image", [1, 28, 28, 1], "out", "[1, 32, 32, 1]"],
  ["h5-keras3.h5", "h5", "img", [1, 28, 28, 3], "up", "[1, 28, 28, 3]"],
  ["h5-keras3.h5", "h5", "img", [1, 27, 27, 3], "up", "[1, 28, 28, 3]"],
  ["tfjsold-model.json", "tfjs", "input_4", [1, 128, 128, 3], "conv2d_91", "[1, 128, 128, 1]"],
  ["tfjsmimo-model.json", "tfjs", "input_2", [1, 100], "activation_3", "[1, 28, 28, 1]"],
];

describe.skipIf(!SAMPLES_PRESENT)("binding None input dims on every flavour", () => {
  test.each(cases)("%s (%s): %s = %j", async (file, flavour, input, binding, node, expected) => {
    const m = await loadKerasFile(kerasFile(file));
    expect(m.flavour).toBe(flavour);
    const r = propagate(m, { inputShapes: new Map([[input, binding]]) });
    expect(r.inputShapes.get(input)).toEqual(binding);
    expect(nodeShape(r, node)).toBe(expected);
    expect(r.contradictions).toEqual([]);
  });

  test("the key '' binds the first input; names rename the symbols", async () => {
    const m = await loadKerasFile(kerasFile("tk214-config.json"));
    const r = propagate(m, { inputShapes: new Map([["", ["B", "height", "width", 3]]]) });
    expect(nodeShape(r, "Conv5")).toBe("[B, 4*ceil(height/4), 4*ceil(width/4), 3]");
    expect([...r.bindings.keys()]).toEqual(["H", "W"]);
  });

  test("a size fixed in the file can be rebound (the 32x32 autoencoder checked at 28x28), but not its rank", async () => {
    const m = await loadKerasFile(kerasFile("k2nest-autoencoder.json"));
    const r = propagate(m, { inputShapes: new Map([["input_1", [1, 28, 28, 3]]]) });
    // 28 -> 14 -> 7 -> 4 through the encoder's stride-2 "same" convolutions; the decoder's
    // stride-2 transposed convolutions give 4 -> 8 -> 16 -> 32: it reconstructs multiples of 8 only.
    expect(nodeShape(r, "decoder/conv2d_transpose_4")).toBe("[1, 32, 32, 3]");
    expect(() => propagate(m, { inputShapes: new Map([["input_1", [1, 28, 28]]]) })).toThrow(LoadError);
  });
});

describe.skipIf(SAMPLES_PRESENT)("shared Keras samples", () => {
  test.skip(`absent: expected the public samples of shared/formats/keras at ${SAMPLES}`, () => {});
});
