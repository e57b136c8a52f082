import { describe, expect, it } from "vitest";
import { evalDim } from "../../../src/ir/dim.js";
import { infer, node, runOp } from "../../helpers/ir-builder.js";

const conv = (x: string, w: string, y: string, attrs = {}) => node("Conv", [x, w], [y], attrs);
const convT = (x: string, w: string, y: string, attrs = {}) => node("ConvTranspose", [x, w], [y], attrs);

describe("Conv shapes", () => {
  it("runs a stride-2 SAME encoder on a symbolic size: ceil(H/2), ceil(H/4), ceil(H/8)", () => {
    const r = infer({
      inputs: { x: [1, 1, "H", "W"] },
      initializers: { w1: { dims: [4, 1, 3, 3] }, w2: { dims: [8, 4, 3, 3] }, w3: { dims: [16, 8, 3, 3] } },
      nodes: [
        conv("x", "w1", "e1", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        conv("e1", "w2", "e2", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        conv("e2", "w3", "e3", { strides: [2, 2], auto_pad: "SAME_LOWER" }),
      ],
    });
    expect(r.shape("e1")).toBe("[1, 4, ceil(H/2), ceil(W/2)]");
    expect(r.shape("e2")).toBe("[1, 8, ceil(H/4), ceil(W/4)]");
    expect(r.shape("e3")).toBe("[1, 16, ceil(H/8), ceil(W/8)]");
    expect(r.codes()).toEqual([]);
    // ceil(i/s) >= 1 for every positive i: SAME adds no size constraint.
    expect(r.constraints).toEqual([]);
  });

  it("gives 8*ceil(H/8) back through three stride-2 SAME transposed convolutions (DESIGN.md 1)", () => {
    const r = infer({
      inputs: { x: [1, 1, "H", "W"] },
      initializers: {
        w1: { dims: [4, 1, 3, 3] },
        w2: { dims: [8, 4, 3, 3] },
        w3: { dims: [16, 8, 3, 3] },
        t1: { dims: [16, 8, 3, 3] },
        t2: { dims: [8, 4, 3, 3] },
        t3: { dims: [4, 1, 3, 3] },
      },
      nodes: [
        conv("x", "w1", "e1", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        conv("e1", "w2", "e2", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        conv("e2", "w3", "e3", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        convT("e3", "t1", "d1", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        convT("d1", "t2", "d2", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
        convT("d2", "t3", "y", { strides: [2, 2], auto_pad: "SAME_UPPER" }),
      ],
    });
    expect(r.shape("d1")).toBe("[1, 8, 2*ceil(H/8), 2*ceil(W/8)]");
    expect(r.shape("y")).toBe("[1, 1, 8*ceil(H/8), 8*ceil(W/8)]");
    // k=3 >= s=2 and no output_padding: every reading of SAME agrees, nothing to report.
    expect(r.factsOf("runtime-divergence")).toEqual([]);
  });

  it("maps the MNIST autoencoder 28 -> 14 -> 7 -> 4 and its PyTorch decoder 4 -> 8 -> 16 -> 32", () => {
    const r = infer({
      inputs: { x: [1, 1, 28, 28] },
      initializers: {
        w1: { dims: [16, 1, 3, 3] },
        w2: { dims: [32, 16, 3, 3] },
        w3: { dims: [64, 32, 3, 3] },
        t1: { dims: [64, 32, 3, 3] },
        t2: { dims: [32, 16, 3, 3] },
        t3: { dims: [16, 1, 3, 3] },
      },
      nodes: [
        conv("x", "w1", "e1", { strides: [2, 2], pads: [1, 1, 1, 1] }),
        conv("e1", "w2", "e2", { strides: [2, 2], pads: [1, 1, 1, 1] }),
        conv("e2", "w3", "e3", { strides: [2, 2], pads: [1, 1, 1, 1] }),
        convT("e3", "t1", "d1", { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
        convT("d1", "t2", "d2", { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
        convT("d2", "t3", "y", { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
      ],
    });
    expect(["e1", "e2", "e3", "d1", "d2", "y"].map((v) => r.shape(v))).toEqual([
      "[1, 16, 14, 14]",
      "[1, 32, 7, 7]",
      "[1, 64, 4, 4]",
      "[1, 32, 8, 8]",
      "[1, 16, 16, 16]",
      "[1, 1, 32, 32]",
    ]);
  });

  it("writes the PyTorch export trap of peers.md 2.4 exactly: 3*ceil(H/3) - 1", () => {
    const r = infer({
      inputs: { x: [1, 1, "H", "W"] },
      initializers: { w: { dims: [4, 1, 4, 4] }, t: { dims: [4, 1, 4, 4] } },
      nodes: [conv("x", "w", "h", { strides: [3, 3] }), convT("h", "t", "y", { strides: [3, 3], output_padding: [1, 1] })],
    });
    expect(r.shape("h")).toBe("[1, 4, ceil(H/3) - 1, ceil(W/3) - 1]");
    expect(r.shape("y")).toBe("[1, 1, 3*ceil(H/3) - 1, 3*ceil(W/3) - 1]");
    const y = r.info("y")!.shape![2]!;
    for (const h of [23, 24, 25, 26]) expect(evalDim(y, { H: h })).toBe(3 * Math.floor((h - 4) / 3) + 5);
    // The conv needs H >= 4 to produce anything.
    expect(r.constraints.map((c) => `${c.what}: ${String(c.dim)} >= ${c.min}`)).toContain("output length of Conv on axis 2: ceil(H/3) - 1 >= 1");
  });

  it("notes that onnxruntime refuses a dilated SAME convolution", () => {
    const r = infer({ inputs: { x: [1, 1, 9, 9] }, initializers: { w: { dims: [1, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { dilations: [2, 1], auto_pad: "SAME_LOWER" })] });
    expect(r.shape("y")).toBe("[1, 1, 9, 9]");
    expect(r.factsOf("runtime-divergence", "ort-same-conv-dilation")).toMatchObject([{ autoPad: "SAME_LOWER", dilations: [2, 1] }]);
  });

  it("records a conv fact per spatial axis", () => {
    const r = infer({ inputs: { x: [1, 1, 23, 9] }, initializers: { w: { dims: [4, 1, 4, 3] } }, nodes: [conv("x", "w", "y", { strides: [3, 1], auto_pad: "VALID" })] });
    expect(r.shape("y")).toBe("[1, 4, 7, 7]");
    expect(r.factsOf("conv")).toEqual([
      { op: "Conv", axis: 2, input: 23, kernel: 4, stride: 3, dilation: 1, pads: [0, 0], autoPad: "VALID", output: 7 },
      { op: "Conv", axis: 3, input: 9, kernel: 3, stride: 1, dilation: 1, pads: [0, 0], autoPad: "VALID", output: 7 },
    ]);
  });

  it("reports channel mismatches with the expected count, the actual one and the group", () => {
    const r = infer({ inputs: { x: [1, 3, 8, 8] }, initializers: { w: { dims: [8, 4, 3, 3] } }, nodes: [conv("x", "w", "y")] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { expected: 4, actual: 3, group: 1 }]]);
    expect(r.shape("y")).toBe("[1, 8, 6, 6]");
  });

  it("checks grouped convolutions: C == W.shape[1]*group and W.shape[0] % group", () => {
    const ok = infer({ inputs: { x: [1, 8, 8, 8] }, initializers: { w: { dims: [6, 4, 3, 3] } }, nodes: [conv("x", "w", "y", { group: 2 })] });
    expect(ok.codes()).toEqual([]);
    const bad = infer({ inputs: { x: [1, 8, 8, 8] }, initializers: { w: { dims: [6, 4, 3, 3] } }, nodes: [conv("x", "w", "y", { group: 4 })] });
    expect(bad.contradictions.map((c) => [c.code, c.data])).toEqual([
      ["CHANNEL_MISMATCH", { expected: 16, actual: 8, group: 4 }],
      ["GROUP_MISMATCH", { outChannels: 6, group: 4 }],
    ]);
  });

  it("finds a symbolic channel mismatch only when it holds for every size", () => {
    const never = infer({ inputs: { x: [1, "C", 8, 8] }, initializers: { w: { dims: [8, 4, 3, 3] } }, nodes: [conv("x", "w", "y")] });
    expect(never.codes()).toEqual([]);
  });

  it("reports a bias of the wrong length", () => {
    const r = infer({ inputs: { x: [1, 3, 8, 8] }, initializers: { w: { dims: [8, 3, 3, 3] }, b: { dims: [4] } }, nodes: [node("Conv", ["x", "w", "b"], ["y"])] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { expected: 8, actual: 4, what: "bias" }]]);
  });

  it("reports a kernel larger than its input and leaves that size unknown", () => {
    const r = infer({ inputs: { x: [1, 1, 2, 8] }, initializers: { w: { dims: [1, 1, 3, 3] } }, nodes: [conv("x", "w", "y")] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["NONPOSITIVE_DIM", { dim: 0, what: "output length of Conv on axis 2", min: 1 }]]);
    expect(r.shape("y")).toBe("[1, 1, ?, 6]");
  });

  it("checks kernel_shape against the weight and pads against auto_pad", () => {
    const r = infer({ inputs: { x: [1, 1, 9, 9] }, initializers: { w: { dims: [1, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { kernel_shape: [3, 5] })] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["KERNEL_SHAPE_MISMATCH", { axis: 3, attribute: 5, weight: 3 }]]);
    expect(r.shape("y")).toBe("[1, 1, 7, 5]");
    const p = infer({ inputs: { x: [1, 1, 9, 9] }, initializers: { w: { dims: [1, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { pads: [1, 1, 1, 1], auto_pad: "SAME_UPPER", strides: [2, 2] })] });
    expect(p.codes()).toEqual(["PADS_WITH_AUTO_PAD"]);
    expect(p.shape("y")).toBe("[1, 1, 5, 5]");
    const v = infer({ inputs: { x: [1, 1, 9, 9] }, initializers: { w: { dims: [1, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { pads: [0, 0, 0, 0], auto_pad: "VALID" })] });
    expect(v.codes()).toEqual([]);
  });

  it("rejects attributes of the wrong length or value and keeps the known dims", () => {
    const r = infer({ inputs: { x: [2, 1, 9, 9] }, initializers: { w: { dims: [5, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { strides: [2] })] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["BAD_ATTRIBUTE", { attribute: "strides", expected: 2, actual: 1 }]]);
    expect(r.shape("y")).toBe("[2, 5, ?, ?]");
    const z = infer({ inputs: { x: [2, 1, 9, 9] }, initializers: { w: { dims: [5, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { strides: [0, 1] })] });
    expect(z.codes()).toEqual(["BAD_ATTRIBUTE"]);
    const a = infer({ inputs: { x: [2, 1, 9, 9] }, initializers: { w: { dims: [5, 1, 3, 3] } }, nodes: [conv("x", "w", "y", { auto_pad: "SAME" })] });
    expect(a.codes()).toEqual(["BAD_ATTRIBUTE"]);
  });

  it("leaves unknown what it cannot know, without throwing", () => {
    expect(runOp({ op: "Conv", inputs: [null, null] }).shape()).toBe("unknown");
    expect(runOp({ op: "Conv", inputs: [[1, 3, 8, 8], { dtype: "float32", shape: null }] }).shape()).toBe("[1, ?, ?, ?]");
    expect(runOp({ op: "Conv", inputs: [[1, 3, 8, 8], { dtype: "float32", shape: null }], attrs: { kernel_shape: [3, 3] } }).shape()).toBe("[1, ?, 6, 6]");
    expect(runOp({ op: "Conv", inputs: [{ dtype: "float32", shape: null }, [8, 3, 3, 3]] }).shape()).toBe("[?, 8, ?, ?]");
    expect(runOp({ op: "Conv", inputs: [[1, 3, 8, 8], [8, 3, "k", 3]] }).shape()).toBe("[1, 8, ?, 6]");
  });

  it("types ConvInteger as int32 and QLinearConv as its y_zero_point", () => {
    const ci = runOp({ op: "ConvInteger", opset: 10, inputs: [{ dtype: "uint8", shape: [1, 1, 3, 3] }, { dtype: "uint8", shape: [1, 1, 2, 2] }] });
    expect(ci.outputs?.[0]).toEqual({ dtype: "int32", shape: [1, 1, 2, 2] });
    const q = runOp({
      op: "QLinearConv",
      opset: 10,
      inputs: [{ dtype: "uint8", shape: [1, 2, 7, 7] }, [], [], { dtype: "int8", shape: [4, 2, 3, 3] }, [], [], [], { dtype: "uint8", shape: [] }],
      attrs: { pads: [1, 1, 1, 1] },
    });
    expect(q.outputs?.[0]).toEqual({ dtype: "uint8", shape: [1, 4, 7, 7] });
  });
});
