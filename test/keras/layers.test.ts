/**
 * Keras layer shape functions, one small model per rule. Expected sizes are worked out from the
 * Keras formulas in the comments (Keras 2 `conv_utils`, Keras 3 `compute_*_output_shape`).
 */
import { describe, expect, test } from "vitest";
import { evalDim } from "../../src/ir/dim.js";
import { loadKerasText } from "../../src/loaders/keras/index.js";
import { propagate } from "../../src/shapes/propagate.js";
import { codes, factsOf, fnJson, fnLayer, inputLayer, nodeShape, runSeq } from "./helpers.js";

const conv = (filters: number, k: number | number[], s: number | number[], padding: string, extra: Record<string, unknown> = {}) => ({ filters, kernel_size: k, strides: s, padding, ...extra });

describe("Conv1D/2D/3D", () => {
  test("valid, same, dilation, odd sizes", () => {
    const r = runSeq([23, 17, 3], [
      ["Conv2D", conv(4, 3, 2, "valid")], // floor((23-3)/2)+1 = 11, floor((17-3)/2)+1 = 8
      ["Conv2D", conv(4, 3, 3, "same")], // ceil(11/3) = 4, ceil(8/3) = 3
    ]);
    expect(nodeShape(r, "l0")).toBe("[x_d0, 11, 8, 4]");
    expect(nodeShape(r, "l1")).toBe("[x_d0, 4, 3, 4]");
    const d = runSeq([23, 17, 3], [["Conv2D", conv(2, 3, 1, "valid", { dilation_rate: [2, 1] })]]); // ek 5 and 3: 19, 15
    expect(nodeShape(d, "l0")).toBe("[x_d0, 19, 15, 2]");
    expect(d.contradictions).toEqual([]);
  });

  test("Conv1D causal, Conv3D same, channels_first", () => {
    expect(nodeShape(runSeq([10, 4], [["Conv1D", conv(3, 3, 2, "causal", { dilation_rate: 2 })]]), "l0")).toBe("[x_d0, 5, 3]");
    expect(nodeShape(runSeq([9, 10, 11, 2], [["Conv3D", conv(3, 3, 2, "same")]]), "l0")).toBe("[x_d0, 5, 5, 6, 3]");
    expect(nodeShape(runSeq([3, 9, 10], [["Conv2D", conv(6, 3, 2, "valid", { data_format: "channels_first" })]]), "l0")).toBe("[x_d0, 6, 4, 4]");
  });

  test("symbolic sizes", () => {
    const r = runSeq([null, null, 3], [["Conv2D", conv(4, 3, 2, "valid")]]);
    // floor((H-3)/2) + 1 == ceil(H/2) - 1
    expect(nodeShape(r, "l0")).toBe("[x_d0, ceil(H/2) - 1, ceil(W/2) - 1, 4]");
    expect(r.constraints.map((c) => [c.what, c.min])).toEqual([
      ["output height of Conv2D", 1],
      ["output width of Conv2D", 1],
    ]);
  });

  test("groups must divide filters and input channels; rank is checked; too-small input", () => {
    const g = runSeq([8, 8, 4], [["Conv2D", conv(6, 3, 1, "same", { groups: 3 })]]);
    expect(g.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { axis: 3, channels: 4, groups: 3, what: "input" }]]);
    const f = runSeq([8, 8, 4], [["Conv2D", conv(6, 3, 1, "same", { groups: 4 })]]);
    expect(f.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { filters: 6, groups: 4, what: "filters" }]]);
    const rank = runSeq([8, 4], [["Conv2D", conv(6, 3, 1, "same")]]);
    expect(codes(rank)).toEqual(["RANK_MISMATCH"]);
    expect(nodeShape(rank, "l0")).toBe("[?]");
    const small = runSeq([2, 8, 1], [["Conv2D", conv(1, 3, 1, "valid")]]);
    expect(small.contradictions.map((c) => [c.code, c.message])).toEqual([["NONPOSITIVE_DIM", "output height of Conv2D is 0"]]);
  });

  test("SeparableConv2D and DepthwiseConv2D", () => {
    expect(nodeShape(runSeq([8, 8, 3], [["SeparableConv2D", conv(5, 3, 1, "same", { depth_multiplier: 2 })]]), "l0")).toBe("[x_d0, 8, 8, 5]");
    expect(nodeShape(runSeq([8, 8, 3], [["DepthwiseConv2D", { kernel_size: 3, padding: "valid", depth_multiplier: 2 }]]), "l0")).toBe("[x_d0, 6, 6, 6]");
    expect(nodeShape(runSeq([9, 3], [["SeparableConv1D", conv(4, 3, 2, "valid")]]), "l0")).toBe("[x_d0, 4, 4]");
    expect(nodeShape(runSeq([9, 3], [["DepthwiseConv1D", { kernel_size: 3, strides: 2, padding: "same" }]]), "l0")).toBe("[x_d0, 5, 3]");
  });

  test("a malformed config is a fact and leaves the output unknown; an unknown entry is reported", () => {
    const r = runSeq([8, 8, 3], [["Conv2D", { filters: 2, kernel_size: "big", padding: "same" }]]);
    expect(nodeShape(r, "l0")).toBe("[?]");
    expect(factsOf(r, "malformed-config")).toEqual([{ attribute: "kernel_size", message: `'kernel_size' must be an integer or a list of 2 integers, got "big"` }]);
    const u = runSeq([8, 8, 3], [["Conv2D", conv(2, 3, 1, "same", { mystery_option: 1 })]]);
    expect(factsOf(u, "unmodelled-attribute")).toEqual([{ attribute: "mystery_option" }]);
  });
});

describe("Conv1D/2D/3DTranspose", () => {
  const ct = (k: number, s: number, padding: string, extra: Record<string, unknown> = {}) => ["Conv2DTranspose", { filters: 2, kernel_size: k, strides: s, padding, ...extra }] as const;

  test("output_padding null: valid (n-1)s + max(k', s); same n*s", () => {
    const r = runSeq([7, 7, 3], [ct(3, 2, "valid", { output_padding: null })]);
    expect(nodeShape(r, "l0")).toBe("[x_d0, 15, 15, 2]");
    expect(factsOf(r, "conv-transpose")[0]).toEqual({ axis: 1, input: 7, kernel: 3, stride: 2, dilation: 1, padding: "valid", outputPadding: null, output: 15, legal: { lo: 15, hi: 16 } });
    // kernel smaller than the stride: 6*3 + max(2, 3) = 21
    expect(nodeShape(runSeq([7, 7, 3], [ct(2, 3, "valid")]), "l0")).toBe("[x_d0, 21, 21, 2]");
    expect(nodeShape(runSeq([7, 7, 3], [ct(3, 2, "same")]), "l0")).toBe("[x_d0, 14, 14, 2]");
  });

  test("output_padding 0 is not null: same with an even kernel gives (n-1)s, outside the legal range", () => {
    const r = runSeq([7, 7, 3], [ct(4, 2, "same", { output_padding: [0, 0] })]);
    // (7-1)*2 + (4 mod 2) + 0 = 12; the legal sizes for same are 13..14
    expect(nodeShape(r, "l0")).toBe("[x_d0, 12, 12, 2]");
    expect(factsOf(r, "conv-transpose")[0]).toMatchObject({ outputPadding: 0, output: 12, legal: { lo: 13, hi: 14 } });
    // with output_padding 1 and k 3: 12 + 1 + 1 = 14; valid k3 op 1: 12 + 3 + 1 = 16
    expect(nodeShape(runSeq([7, 7, 3], [ct(3, 2, "same", { output_padding: 1 })]), "l0")).toBe("[x_d0, 14, 14, 2]");
    expect(nodeShape(runSeq([7, 7, 3], [ct(3, 2, "valid", { output_padding: [1, 0] })]), "l0")).toBe("[x_d0, 16, 15, 2]");
  });

  test("output_padding >= stride: OUTPUT_PADDING_OUT_OF_RANGE", () => {
    const r = runSeq([7, 7, 3], [ct(3, 2, "valid", { output_padding: [2, 1] })]);
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["OUTPUT_PADDING_OUT_OF_RANGE", { axis: 1, outputPadding: 2, stride: 2, attribute: "output_padding" }]]);
  });

  test("TF.js divergence is recorded when output_padding or dilation is set", () => {
    const r = runSeq([7, 7, 3], [ct(3, 1, "valid", { dilation_rate: 2 })]);
    // ek = 5: 6 + 5 = 11; TF.js ignores dilation: 7 + max(3-1, 0) = 9
    expect(nodeShape(r, "l0")).toBe("[x_d0, 11, 11, 2]");
    expect(factsOf(r, "runtime-divergence")).toEqual([
      { runtime: "tfjs", attributes: ["dilation_rate"], keras: [11, 11], tfjs: [9, 9], differs: true, reason: "tfjs-layers ignores output_padding and dilation_rate on transposed convolutions" },
    ]);
    const p = runSeq([7, 7, 3], [ct(3, 2, "same", { output_padding: [1, 1] })]);
    expect(factsOf(p, "runtime-divergence")).toEqual([
      { runtime: "tfjs", attributes: ["output_padding"], keras: [14, 14], tfjs: [14, 14], differs: false, reason: "tfjs-layers ignores output_padding and dilation_rate on transposed convolutions" },
    ]);
    expect(factsOf(runSeq([7, 7, 3], [ct(3, 2, "same")]), "runtime-divergence")).toEqual([]);
  });

  test("Keras 3 files without output_padding: the default is assumed and said so; Keras 2 files: not", () => {
    const k3 = runSeq([7, 7, 3], [ct(3, 2, "same")], {}, "3.4.0");
    expect(factsOf(k3, "assumed-default")).toHaveLength(1);
    expect(factsOf(runSeq([7, 7, 3], [ct(3, 2, "same")]), "assumed-default")).toEqual([]);
  });

  test("1D, 3D, channels_first, symbolic", () => {
    expect(nodeShape(runSeq([10, 4], [["Conv1DTranspose", { filters: 3, kernel_size: 3, strides: 2, padding: "valid" }]]), "l0")).toBe("[x_d0, 21, 3]");
    expect(nodeShape(runSeq([3, 4, 5, 1], [["Conv3DTranspose", { filters: 2, kernel_size: 3, strides: 2, padding: "same" }]]), "l0")).toBe("[x_d0, 6, 8, 10, 2]");
    expect(nodeShape(runSeq([4, 7, 7], [ct(3, 2, "same", { data_format: "channels_first" })]), "l0")).toBe("[x_d0, 2, 14, 14]");
    expect(nodeShape(runSeq([null, null, 3], [ct(3, 2, "valid")]), "l0")).toBe("[x_d0, 2*H + 1, 2*W + 1, 2]");
  });
});

describe("pooling, upsampling, padding, cropping", () => {
  test("pools", () => {
    expect(nodeShape(runSeq([7, 9, 2], [["MaxPooling2D", { pool_size: [2, 2], strides: null, padding: "valid" }]]), "l0")).toBe("[x_d0, 3, 4, 2]");
    expect(nodeShape(runSeq([7, 9, 2], [["AveragePooling2D", { pool_size: 3, strides: 2, padding: "same" }]]), "l0")).toBe("[x_d0, 4, 5, 2]");
    expect(nodeShape(runSeq([10, 4], [["MaxPooling1D", { pool_size: 3, strides: 1, padding: "valid" }]]), "l0")).toBe("[x_d0, 8, 4]");
    expect(nodeShape(runSeq([5, 6, 7, 1], [["MaxPooling3D", { pool_size: 2 }]]), "l0")).toBe("[x_d0, 2, 3, 3, 1]");
    expect(nodeShape(runSeq([null, 4], [["AveragePooling1D", { pool_size: 2, padding: "same" }]]), "l0")).toBe("[x_d0, ceil(L/2), 4]");
  });

  test("global pools, keepdims", () => {
    expect(nodeShape(runSeq([7, 9, 2], [["GlobalAveragePooling2D", {}]]), "l0")).toBe("[x_d0, 2]");
    expect(nodeShape(runSeq([7, 9, 2], [["GlobalMaxPooling2D", { keepdims: true }]]), "l0")).toBe("[x_d0, 1, 1, 2]");
    expect(nodeShape(runSeq([2, 7, 9], [["GlobalAveragePooling2D", { data_format: "channels_first" }]]), "l0")).toBe("[x_d0, 2]");
    expect(nodeShape(runSeq([7, 5], [["GlobalMaxPooling1D", {}]]), "l0")).toBe("[x_d0, 5]");
  });

  test("upsampling", () => {
    expect(nodeShape(runSeq([4, 5, 2], [["UpSampling2D", { size: [2, 3], interpolation: "nearest" }]]), "l0")).toBe("[x_d0, 8, 15, 2]");
    expect(nodeShape(runSeq([5, 2], [["UpSampling1D", { size: 3 }]]), "l0")).toBe("[x_d0, 15, 2]");
    expect(nodeShape(runSeq([1, 2, 3, 1], [["UpSampling3D", { size: 2 }]]), "l0")).toBe("[x_d0, 2, 4, 6, 1]");
    expect(nodeShape(runSeq([null, null, 2], [["UpSampling2D", {}]]), "l0")).toBe("[x_d0, 2*H, 2*W, 2]");
  });

  test("zero padding in every spelling", () => {
    expect(nodeShape(runSeq([5, 5, 1], [["ZeroPadding2D", { padding: [[1, 2], [3, 4]] }]]), "l0")).toBe("[x_d0, 8, 12, 1]");
    expect(nodeShape(runSeq([5, 5, 1], [["ZeroPadding2D", { padding: 1 }]]), "l0")).toBe("[x_d0, 7, 7, 1]");
    expect(nodeShape(runSeq([5, 5, 1], [["ZeroPadding2D", { padding: [1, 2] }]]), "l0")).toBe("[x_d0, 7, 9, 1]");
    expect(nodeShape(runSeq([5, 1], [["ZeroPadding1D", { padding: [2, 3] }]]), "l0")).toBe("[x_d0, 10, 1]");
    expect(nodeShape(runSeq([1, 2, 3, 1], [["ZeroPadding3D", { padding: 1 }]]), "l0")).toBe("[x_d0, 3, 4, 5, 1]");
  });

  test("cropping; cropping everything is a contradiction, symbolic sizes a constraint", () => {
    expect(nodeShape(runSeq([5, 5, 1], [["Cropping2D", { cropping: [[1, 1], [2, 2]] }]]), "l0")).toBe("[x_d0, 3, 1, 1]");
    expect(nodeShape(runSeq([6, 1], [["Cropping1D", { cropping: [1, 2] }]]), "l0")).toBe("[x_d0, 3, 1]");
    const all = runSeq([5, 5, 1], [["Cropping2D", { cropping: [[3, 2], [0, 0]] }]]);
    expect(all.contradictions.map((c) => [c.code, c.message])).toEqual([["NONPOSITIVE_DIM", "height left by Cropping2D (cropping 3+2 from 5) is 0"]]);
    const sym = runSeq([null, 5, 1], [["Cropping2D", { cropping: [[3, 2], [0, 0]] }]]);
    expect(nodeShape(sym, "l0")).toBe("[x_d0, H - 5, 5, 1]");
    expect(sym.constraints.map((c) => [String(c.dim), c.min])).toEqual([["H - 5", 1]]);
  });

  test("Resizing and CenterCrop", () => {
    expect(nodeShape(runSeq([null, null, 3], [["Resizing", { height: 64, width: 48 }]]), "l0")).toBe("[x_d0, 64, 48, 3]");
    expect(nodeShape(runSeq([100, 80, 3], [["CenterCrop", { height: 32, width: 32 }]]), "l0")).toBe("[x_d0, 32, 32, 3]");
  });
});

describe("core layers", () => {
  test("Dense on the last axis; rank 1 is refused; dtype policy", () => {
    expect(nodeShape(runSeq([5, 4], [["Dense", { units: 3 }]]), "l0")).toBe("[x_d0, 5, 3]");
    const m = runSeq([4], [["Dense", { units: 3, dtype: { class_name: "Policy", config: { name: "mixed_float16" } } }]]);
    expect(m.values.get("l0")?.dtype).toBe("float16");
  });

  test("Flatten, Reshape with -1, Permute, RepeatVector", () => {
    expect(nodeShape(runSeq([3, 4, 5], [["Flatten", {}]]), "l0")).toBe("[x_d0, 60]");
    expect(nodeShape(runSeq([null, 4, 3], [["Flatten", {}]]), "l0")).toBe("[x_d0, 12*H]");
    expect(nodeShape(runSeq([null, null, 3], [["Flatten", {}]]), "l0")).toBe("[x_d0, ?]");
    expect(nodeShape(runSeq([3, 8], [["Reshape", { target_shape: [-1, 4] }]]), "l0")).toBe("[x_d0, 6, 4]");
    expect(nodeShape(runSeq([3, 4, 2], [["Permute", { dims: [3, 1, 2] }]]), "l0")).toBe("[x_d0, 2, 3, 4]");
    expect(nodeShape(runSeq([5], [["RepeatVector", { n: 3 }]]), "l0")).toBe("[x_d0, 3, 5]");
  });

  test("Reshape that cannot hold the elements", () => {
    const a = runSeq([3, 8], [["Reshape", { target_shape: [5, -1] }]]);
    expect(a.contradictions.map((c) => [c.code, c.message])).toEqual([["RESHAPE_MISMATCH", "Reshape cannot split 24 elements into [5,-1] (not a multiple of 5)"]]);
    const b = runSeq([3, 8], [["Reshape", { target_shape: [5, 5] }]]);
    expect(b.contradictions.map((c) => c.code)).toEqual(["RESHAPE_MISMATCH"]);
    expect(nodeShape(b, "l0")).toBe("[x_d0, 5, 5]");
  });

  test("Embedding, shape-preserving layers, GroupNormalization", () => {
    const e = runSeq([7], [["Embedding", { input_dim: 100, output_dim: 16 }]]);
    expect(nodeShape(e, "l0")).toBe("[x_d0, 7, 16]");
    const p = runSeq([6, 6, 8], [
      ["BatchNormalization", { axis: -1 }],
      ["LeakyReLU", { alpha: 0.2 }],
      ["Dropout", { rate: 0.5 }],
      ["SpatialDropout2D", { rate: 0.1 }],
      ["GroupNormalization", { groups: 4 }],
      ["LayerNormalization", {}],
    ]);
    expect(nodeShape(p, "l5")).toBe("[x_d0, 6, 6, 8]");
    const g = runSeq([6, 6, 6], [["GroupNormalization", { groups: 4 }]]);
    expect(g.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { axis: 3, channels: 6, groups: 4, what: "groups" }]]);
  });
});

describe("merges", () => {
  test("Concatenate of 22 and 23: CONCAT_MISMATCH", () => {
    const text = fnJson(
      [
        inputLayer("x", [23, 23, 3]),
        fnLayer("down", "Conv2D", conv(4, 4, 3, "valid"), [[["x", 0, 0]]]), // 7
        fnLayer("up", "Conv2DTranspose", conv(4, 4, 3, "valid"), [[["down", 0, 0]]]), // 6*3 + 4 = 22
        fnLayer("skip", "Concatenate", { axis: -1 }, [[["up", 0, 0], ["x", 0, 0]]]),
      ],
      ["x"],
      [["skip", 0, 0]],
    );
    const r = propagate(loadKerasText(text, "u.json"));
    expect(nodeShape(r, "up")).toBe("[x_d0, 22, 22, 4]");
    expect(r.contradictions.map((c) => [c.node.name, c.code, c.data])).toEqual([
      ["skip", "CONCAT_MISMATCH", { axis: 1, concatAxis: 3, dims: [22, 23], inputs: ["up", "x"] }],
      ["skip", "CONCAT_MISMATCH", { axis: 2, concatAxis: 3, dims: [22, 23], inputs: ["up", "x"] }],
    ]);
    expect(nodeShape(r, "skip")).toBe("[x_d0, ?, ?, 7]");
    // The fix the legal range suggests: output_padding 1 on the transposed conv.
    const fixed = JSON.parse(text) as { config: { layers: { config: Record<string, unknown> }[] } };
    fixed.config.layers[2]!.config["output_padding"] = [1, 1];
    const f = propagate(loadKerasText(JSON.stringify(fixed), "u.json"));
    expect(f.contradictions).toEqual([]);
    expect(nodeShape(f, "skip")).toBe("[x_d0, 23, 23, 7]");
  });

  test("elementwise merges broadcast from the right, batch apart", () => {
    const mk = (a: (number | null)[], b: (number | null)[], cls = "Add", n = 2) =>
      propagate(
        loadKerasText(
          fnJson(
            [inputLayer("a", a), inputLayer("b", b), fnLayer("m", cls, {}, [[["a", 0, 0], ["b", 0, 0], ...(n > 2 ? [["a", 0, 0]] : [])]])],
            ["a", "b"],
            [["m", 0, 0]],
          ),
          "m.json",
        ),
      );
    expect(nodeShape(mk([4, 1], [4, 5]), "m")).toBe("[a_d0, 4, 5]");
    expect(nodeShape(mk([5], [4, 5], "Multiply"), "m")).toBe("[a_d0, 4, 5]");
    const bad = mk([4, 3], [4, 5], "Maximum");
    expect(bad.contradictions.map((c) => [c.code, c.data])).toEqual([["BROADCAST_MISMATCH", { axis: 2, dims: [3, 5], inputs: ["a", "b"] }]]);
    expect(codes(mk([4], [4], "Subtract", 3))).toEqual(["ARITY_MISMATCH"]);
    expect(nodeShape(mk([null, 3], [null, 3], "Average"), "m")).toBe("[a_d0, max(a_L, b_L), 3]");
  });

  test("Dot", () => {
    const mk = (a: number[], b: number[], axes: unknown) =>
      propagate(loadKerasText(fnJson([inputLayer("a", a), inputLayer("b", b), fnLayer("m", "Dot", { axes }, [[["a", 0, 0], ["b", 0, 0]]])], ["a", "b"], [["m", 0, 0]]), "d.json"));
    expect(nodeShape(mk([4], [4], 1), "m")).toBe("[a_d0, 1]");
    expect(nodeShape(mk([3, 4], [5, 4], [2, 2]), "m")).toBe("[a_d0, 3, 5]");
    expect(mk([3, 4], [5, 6], -1).contradictions.map((c) => [c.code, c.data])).toEqual([["DOT_MISMATCH", { axes: [2, 2], dims: [4, 6], inputs: ["a", "b"] }]]);
  });
});

describe("recurrent layers and wrappers", () => {
  test("LSTM / GRU / SimpleRNN", () => {
    expect(nodeShape(runSeq([10, 4], [["LSTM", { units: 8, return_sequences: true }]]), "l0")).toBe("[x_d0, 10, 8]");
    expect(nodeShape(runSeq([10, 4], [["GRU", { units: 8 }]]), "l0")).toBe("[x_d0, 8]");
    expect(nodeShape(runSeq([null, 4], [["SimpleRNN", { units: 2, return_sequences: true }]]), "l0")).toBe("[x_d0, L, 2]");
  });

  test("Bidirectional and TimeDistributed use the inner layer's shape function", () => {
    const lstm = { class_name: "LSTM", config: { name: "inner", units: 8, return_sequences: true } };
    expect(nodeShape(runSeq([10, 4], [["Bidirectional", { layer: lstm }]]), "l0")).toBe("[x_d0, 10, 16]");
    expect(nodeShape(runSeq([10, 4], [["Bidirectional", { layer: lstm, merge_mode: "sum" }]]), "l0")).toBe("[x_d0, 10, 8]");
    expect(nodeShape(runSeq([10, 5], [["TimeDistributed", { layer: { class_name: "Dense", config: { name: "d", units: 3 } } }]]), "l0")).toBe("[x_d0, 10, 3]");
    const td = runSeq([6, 8, 8, 3], [["TimeDistributed", { layer: { class_name: "Conv2D", config: { name: "c", filters: 4, kernel_size: 3, padding: "valid" } } }]]);
    expect(nodeShape(td, "l0")).toBe("[x_d0, 6, 6, 6, 4]");
    // A contradiction inside the wrapped layer is reported on the wrapper node.
    const bad = runSeq([6, 2, 8, 3], [["TimeDistributed", { layer: { class_name: "Conv2D", config: { name: "c", filters: 4, kernel_size: 3, padding: "valid" } } }]]);
    expect(bad.contradictions.map((c) => [c.node.name, c.code])).toEqual([["l0", "NONPOSITIVE_DIM"]]);
  });
});

describe("nested model inputs", () => {
  test("a nested model called on a shape it was not built for: declared-conflict fact, the real shape flows on", () => {
    const inner = {
      name: "inner",
      class_name: "Functional",
      config: { name: "inner", layers: [inputLayer("i", [4]), fnLayer("d", "Dense", { units: 3 }, [[["i", 0, 0]]])], input_layers: [["i", 0, 0]], output_layers: [["d", 0, 0]] },
      inbound_nodes: [[["x", 0, 0, {}]]],
    };
    const r = propagate(loadKerasText(fnJson([inputLayer("x", [6]), inner], ["x"], [["inner", 1, 0]]), "n.json"));
    expect(factsOf(r, "declared-conflict")).toEqual([{ declared: [null, 4], actual: [r.inputShapes.get("x")![0], 6], what: "nested model input" }]);
    expect(nodeShape(r, "inner/d")).toBe("[x_d0, 3]");
  });
});

describe("symbolic results evaluate like the Keras formulas", () => {
  test("conv / transposed conv chain at many sizes", () => {
    const r = runSeq([null, null, 1], [
      ["Conv2D", conv(4, 3, 2, "same")],
      ["Conv2D", conv(4, 4, 3, "valid")],
      ["Conv2DTranspose", conv(4, 4, 3, "valid")],
      ["Conv2DTranspose", conv(1, 3, 2, "same", { output_padding: 1 })],
    ]);
    const out = r.values.get("l3")!.shape!;
    for (let h = 7; h <= 60; h++) {
      const a = Math.ceil(h / 2);
      const b = Math.floor((a - 4) / 3) + 1;
      const c = (b - 1) * 3 + Math.max(4, 3);
      const d = (c - 1) * 2 + (3 % 2) + 1;
      expect(evalDim(out[1]!, { H: h, W: h })).toBe(d);
    }
  });
});
