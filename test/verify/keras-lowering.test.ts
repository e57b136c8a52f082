/**
 * Keras layers lowered to the ONNX kernels: the runtime sizes are Keras' (hand-computed from
 * Keras 2 `deconv_output_length` / `conv_output_length` and the TF padding rules), and they agree
 * with the static propagation for a grid of configurations.
 */
import { describe, expect, it } from "vitest";
import { loadKerasText } from "../../src/loaders/keras/index.js";
import { propagate } from "../../src/shapes/propagate.js";
import { runModel } from "../../src/kernels/index.js";
import { LoweringError, VerifyError, lowerKeras, verifyModel } from "../../src/verify/index.js";
import { type LayerSpec, seqJson } from "../keras/helpers.js";

function model(inputShape: readonly (number | null)[], layers: readonly LayerSpec[]) {
  return loadKerasText(seqJson(inputShape, layers), "seq.json");
}

/** The runtime shape of the last layer's value, after checking that verify found nothing wrong. */
function runtimeShape(inputShape: readonly (number | null)[], layers: readonly LayerSpec[]): readonly number[] | null {
  const r = verifyModel(model(inputShape, layers), {});
  expect(r.discrepancies).toEqual([]);
  expect(r.cannotRun).toBeNull();
  return r.values.find((v) => v.name === `l${layers.length - 1}`)?.shape ?? null;
}

function convT(k: number, s: number, padding: string, op: number | null, d = 1): LayerSpec {
  return ["Conv2DTranspose", { filters: 2, kernel_size: [k, k], strides: [s, s], padding, dilation_rate: [d, d], output_padding: op === null ? null : [op, op] }];
}

describe("Keras transposed convolutions at run time", () => {
  // [kernel, stride, padding, output_padding, dilation, input HxW, Keras output HxW]
  const cases: [number, number, string, number | null, number, [number, number], [number, number]][] = [
    [3, 2, "same", null, 1, [4, 5], [8, 10]], // i*s
    [3, 2, "same", 0, 1, [4, 5], [7, 9]], // (i-1)s + ek - 2*floor(ek/2) + op
    [3, 2, "same", 1, 1, [4, 5], [8, 10]],
    [2, 2, "same", 0, 1, [4, 5], [6, 8]], // even kernel: op=0 is (i-1)s, not i*s
    [2, 2, "same", null, 1, [4, 5], [8, 10]],
    [1, 2, "valid", null, 1, [4, 5], [8, 10]], // ek < s: i*s + max(ek-s, 0) = i*s
    [1, 2, "valid", 0, 1, [4, 5], [7, 9]], // (i-1)s + ek + op
    [4, 3, "valid", null, 1, [7, 7], [22, 22]], // DESIGN.md: 7 -> 22, output_padding 1 restores 23
    [4, 3, "valid", 1, 1, [7, 7], [23, 23]],
    [4, 3, "same", 2, 1, [8, 8], [23, 23]], // peers.md: 21 + 0 + 2
    [3, 1, "valid", null, 2, [4, 5], [8, 9]], // ek = 5
    [3, 1, "same", null, 2, [4, 5], [4, 5]],
    [5, 3, "same", null, 1, [3, 4], [9, 12]],
  ];
  for (const [k, s, padding, op, d, input, out] of cases) {
    it(`k=${k} s=${s} ${padding} output_padding=${op} dilation=${d}: ${input.join("x")} -> ${out.join("x")}`, () => {
      expect(runtimeShape([...input, 3], [convT(k, s, padding, op, d)])).toEqual([1, ...out, 2]);
    });
  }

  it("channels_first and Conv1DTranspose / Conv3DTranspose", () => {
    expect(runtimeShape([3, 4, 5], [["Conv2DTranspose", { filters: 2, kernel_size: 3, strides: 2, padding: "same", data_format: "channels_first" }]])).toEqual([1, 2, 8, 10]);
    expect(runtimeShape([5, 3], [["Conv1DTranspose", { filters: 2, kernel_size: 4, strides: 3, padding: "same", output_padding: 1 }]])).toEqual([1, 13, 2]);
    expect(runtimeShape([2, 3, 4, 1], [["Conv3DTranspose", { filters: 2, kernel_size: 3, strides: 2, padding: "valid" }]])).toEqual([1, 5, 7, 9, 2]);
  });
});

describe("Keras forward layers at run time", () => {
  it("convolutions: same = ceil(i/s), valid, causal, separable, depthwise, channels_first", () => {
    expect(runtimeShape([7, 8, 3], [["Conv2D", { filters: 4, kernel_size: 3, strides: 2, padding: "same" }]])).toEqual([1, 4, 4, 4]);
    expect(runtimeShape([7, 8, 3], [["Conv2D", { filters: 4, kernel_size: 3, strides: 2, padding: "valid" }]])).toEqual([1, 3, 3, 4]);
    expect(runtimeShape([7, 3], [["Conv1D", { filters: 2, kernel_size: 3, dilation_rate: 2, padding: "causal" }]])).toEqual([1, 7, 2]);
    expect(runtimeShape([7, 8, 3], [["SeparableConv2D", { filters: 5, kernel_size: 3, padding: "valid", depth_multiplier: 2 }]])).toEqual([1, 5, 6, 5]);
    expect(runtimeShape([7, 8, 3], [["DepthwiseConv2D", { kernel_size: 3, strides: 2, padding: "same", depth_multiplier: 2 }]])).toEqual([1, 4, 4, 6]);
    expect(runtimeShape([3, 7, 8], [["Conv2D", { filters: 4, kernel_size: 3, padding: "same", data_format: "channels_first" }]])).toEqual([1, 4, 7, 8]);
  });

  it("pooling, upsampling, padding and cropping", () => {
    expect(runtimeShape([7, 8, 2], [["MaxPooling2D", { pool_size: 3, strides: 2, padding: "same" }]])).toEqual([1, 4, 4, 2]);
    expect(runtimeShape([7, 8, 2], [["AveragePooling2D", { pool_size: 3, strides: 2, padding: "valid" }]])).toEqual([1, 3, 3, 2]);
    expect(runtimeShape([7, 8, 2], [["MaxPooling2D", {}]])).toEqual([1, 3, 4, 2]);
    expect(runtimeShape([7, 8, 2], [["UpSampling2D", { size: [2, 3] }]])).toEqual([1, 14, 24, 2]);
    expect(runtimeShape([7, 8, 2], [["ZeroPadding2D", { padding: [[1, 2], [0, 3]] }]])).toEqual([1, 10, 11, 2]);
    expect(runtimeShape([7, 8, 2], [["Cropping2D", { cropping: [[1, 0], [2, 1]] }]])).toEqual([1, 6, 5, 2]);
    expect(runtimeShape([7, 2], [["ZeroPadding1D", { padding: [1, 2] }], ["Cropping1D", { cropping: 1 }], ["UpSampling1D", { size: 3 }]])).toEqual([1, 24, 2]);
    expect(runtimeShape([7, 8, 2], [["GlobalAveragePooling2D", {}]])).toEqual([1, 2]);
    expect(runtimeShape([7, 8, 2], [["GlobalMaxPooling2D", { keepdims: true }]])).toEqual([1, 1, 1, 2]);
  });

  it("core layers", () => {
    expect(runtimeShape([4, 5, 3], [["Flatten", {}], ["Dense", { units: 7, activation: "softmax" }]])).toEqual([1, 7]);
    expect(runtimeShape([4, 6], [["Reshape", { target_shape: [-1, 3] }], ["Dense", { units: 2, use_bias: false }]])).toEqual([1, 8, 2]);
    expect(runtimeShape([4, 5, 3], [["Permute", { dims: [3, 1, 2] }]])).toEqual([1, 3, 4, 5]);
    expect(runtimeShape([5], [["RepeatVector", { n: 3 }]])).toEqual([1, 3, 5]);
    expect(runtimeShape([5], [["Embedding", { input_dim: 10, output_dim: 4 }]])).toEqual([1, 5, 4]);
    expect(runtimeShape([4, 5, 3], [["BatchNormalization", {}], ["PReLU", { shared_axes: [1, 2] }], ["LayerNormalization", {}], ["Dropout", { rate: 0.5 }], ["Activation", { activation: "swish" }]])).toEqual([1, 4, 5, 3]);
  });

  it("agrees with the static propagation over a grid of conv, transposed conv and pool configurations", () => {
    let n = 0;
    for (const k of [1, 2, 3, 4]) {
      for (const s of [1, 2, 3]) {
        for (const padding of ["same", "valid"]) {
          for (const i of [1, 4, 5]) {
            for (const op of [null, 0, s - 1]) runtimeShape([i, i + 1, 2], [convT(k, s, padding, op)]), n++;
            runtimeShape([i + 2, i + 3, 2], [["Conv2D", { filters: 2, kernel_size: k, strides: s, padding }]]);
            runtimeShape([i + 2, i + 3, 2], [["MaxPooling2D", { pool_size: k, strides: s, padding }]]);
            n += 2;
          }
        }
      }
    }
    expect(n).toBe(360);
  });
});

describe("lowering", () => {
  it("wraps channels_last spatial layers in NHWC <-> NCHW transposes and keeps every Keras value's name", () => {
    const m = model([6, 6, 3], [["Conv2D", { filters: 4, kernel_size: 3, padding: "same", activation: "relu" }], ["Flatten", {}]]);
    const lowered = lowerKeras(m, propagate(m, { inputShapes: new Map([["", [1, 6, 6, 3]]]) }), 1);
    expect(lowered.model.graph.nodes.map((n) => [n.opType, n.outputs[0]!.startsWith("l0/#") ? "(helper)" : n.outputs[0]])).toEqual([
      ["Transpose", "(helper)"],
      ["Conv", "(helper)"],
      ["Transpose", "(helper)"],
      ["Relu", "l0"],
      ["Flatten", "l1"],
    ]);
    expect([...new Set(lowered.layerOf.values())]).toEqual(["l0", "l1"]);
    const conv = lowered.model.graph.nodes[1]!;
    expect(conv.attrs.get("auto_pad")).toEqual({ type: "string", value: "SAME_UPPER" });
    const w = lowered.model.graph.initializers.get(conv.inputs[1]!)!;
    expect(w.dims).toEqual([4, 3, 3, 3]);
  });

  it("draws the same weights for the same seed and others for another seed", () => {
    const m = model([6, 6, 3], [["Conv2D", { filters: 4, kernel_size: 3 }]]);
    const shapes = propagate(m, { inputShapes: new Map([["", [1, 6, 6, 3]]]) });
    const weights = (seed: number): number[] => {
      const l = lowerKeras(m, shapes, seed);
      const init = [...l.model.graph.initializers.values()].find((t) => t.dims.length === 4)!;
      return Array.from(l.readTensor(init).data as Float32Array);
    };
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
    const run = (seed: number) => runModel(lowerKeras(m, shapes, seed).model, { inputShapes: { x: [1, 6, 6, 3] }, seed, readTensor: lowerKeras(m, shapes, seed).readTensor });
    expect(Array.from(run(5).outputs.get("l0")!.data)).toEqual(Array.from(run(5).outputs.get("l0")!.data));
  });

  it("a layer it cannot run is a clear error", () => {
    expect(() => verifyModel(model([5, 3], [["LSTM", { units: 4 }]]), {})).toThrow(new VerifyError("CANNOT_RUN", "cannot run layer l0 (LSTM): no CPU lowering for this layer class"));
    expect(() => verifyModel(model([5], [["Dense", { units: 4, activation: "my_act" }]]), {})).toThrow("cannot run layer l0 (Dense): activation 'my_act' is not supported");
    const m = model([5, 3], [["GRU", { units: 4 }]]);
    expect(() => lowerKeras(m, propagate(m, { inputShapes: new Map([["", [1, 5, 3]]]) }), 1)).toThrow(LoweringError);
  });
});
