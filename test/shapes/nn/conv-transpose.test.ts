import { describe, expect, it } from "vitest";
import { formatDim } from "../../../src/ir/dim.js";
import { type AttrValue, type DimSpec, infer, node } from "../../helpers/ir-builder.js";

/** One ConvTranspose on x (N, C, spatial...) with weight dims w. */
function convT(x: readonly DimSpec[], w: readonly number[], attrs: Record<string, AttrValue> = {}, opset = 17) {
  return infer({ opset, inputs: { x }, initializers: { w: { dims: w } }, nodes: [node("ConvTranspose", ["x", "w"], ["y"], attrs)] });
}

/** Facts with their dims printed (symbolic dims are Expr objects). */
function printed(facts: readonly Readonly<Record<string, unknown>>[]): unknown {
  return JSON.parse(JSON.stringify(facts, (_k, v: unknown) => (typeof v === "object" && v !== null && "key" in v ? formatDim(v as never) : v)));
}

describe("ConvTranspose shapes", () => {
  it("computes the onnx shape_inference_test table case X(25,48,16,16) W(48,32,3,3) s2 pads [1,1,2,2] -> (25,32,30,30)", () => {
    const r = convT([25, 48, 16, 16], [48, 32, 3, 3], { strides: [2, 2], pads: [1, 1, 2, 2] });
    expect(r.shape("y")).toBe("[25, 32, 30, 30]");
    expect(r.factsOf("conv-transpose")).toEqual([
      { axis: 2, input: 16, kernel: 3, stride: 2, dilation: 1, pads: [1, 2], outputPadding: 0, autoPad: "NOTSET", output: 30, legal: { lo: 30, hi: 31 } },
      { axis: 3, input: 16, kernel: 3, stride: 2, dilation: 1, pads: [1, 2], outputPadding: 0, autoPad: "NOTSET", output: 30, legal: { lo: 30, hi: 31 } },
    ]);
    expect(r.factsOf("runtime-divergence")).toEqual([]);
  });

  it("gives 22 for DESIGN.md's 23 -> Conv(k4, s3, VALID) -> 7 -> ConvTranspose(k4, s3), legal range [22, 24]", () => {
    const r = infer({
      inputs: { x: [1, 1, 23] },
      initializers: { w: { dims: [4, 1, 4] }, t: { dims: [4, 1, 4] } },
      nodes: [node("Conv", ["x", "w"], ["h"], { strides: [3], auto_pad: "VALID" }), node("ConvTranspose", ["h", "t"], ["y"], { strides: [3], auto_pad: "VALID" })],
    });
    expect(r.shape("h")).toBe("[1, 4, 7]");
    expect(r.shape("y")).toBe("[1, 1, 22]");
    expect(r.factsOf("conv-transpose")[0]).toMatchObject({ input: 7, output: 22, legal: { lo: 22, hi: 24 }, pads: [0, 0] });
  });

  it("keeps symbolic sizes in the conv-transpose fact, with the SAME legal range", () => {
    const r = convT([1, 8, "h", "w"], [8, 4, 3, 3], { strides: [2, 2], auto_pad: "SAME_UPPER" });
    expect(r.shape("y")).toBe("[1, 4, 2*h, 2*w]");
    expect(printed(r.factsOf("conv-transpose"))).toEqual([
      { axis: 2, input: "h", kernel: 3, stride: 2, dilation: 1, pads: [0, 1], outputPadding: 0, autoPad: "SAME_UPPER", output: "2*h", legal: { lo: "2*h - 1", hi: "2*h" } },
      { axis: 3, input: "w", kernel: 3, stride: 2, dilation: 1, pads: [0, 1], outputPadding: 0, autoPad: "SAME_UPPER", output: "2*w", legal: { lo: "2*w - 1", hi: "2*w" } },
    ]);
  });

  it("takes output channels from W.shape[1] * group and checks C == W.shape[0]", () => {
    expect(convT([1, 48, 4, 4], [48, 32, 3, 3], { group: 2 }).shape("y")).toBe("[1, 64, 6, 6]");
    const r = convT([1, 3, 4, 4], [4, 2, 3, 3]);
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { expected: 4, actual: 3, group: 1 }]]);
    const g = convT([1, 6, 4, 4], [6, 2, 3, 3], { group: 4 });
    expect(g.contradictions.map((c) => [c.code, c.data])).toEqual([["GROUP_MISMATCH", { inChannels: 6, group: 4 }]]);
  });

  it("D3: SAME with output_padding records the spec, onnx inference and onnxruntime values", () => {
    const r = convT([1, 1, 4], [1, 1, 3], { strides: [2], auto_pad: "SAME_UPPER", output_padding: [1] });
    expect(r.shape("y")).toBe("[1, 1, 8]");
    expect(r.factsOf("runtime-divergence", "D3")).toEqual([
      { id: "D3", axis: 2, input: 4, kernel: 3, stride: 2, dilation: 1, outputPadding: 1, spec: 8, onnxInference: 9, onnxruntime: 8, onnxReference: 8 },
    ]);
  });

  it("D4: SAME with a kernel smaller than the stride (onnx 1.12 gives 23 for i=8, k=2, s=3)", () => {
    const r = convT([1, 1, 8], [1, 1, 2], { strides: [3], auto_pad: "SAME_LOWER" });
    expect(r.shape("y")).toBe("[1, 1, 24]");
    expect(r.factsOf("runtime-divergence", "D4")).toEqual([
      { id: "D4", axis: 2, input: 8, kernel: 2, stride: 3, dilation: 1, outputPadding: 0, spec: 24, onnxInference: 23, onnxruntime: 23, onnxReference: 24 },
    ]);
    // The spec pads negatively (total -1) to reach i*s; SAME_LOWER puts the bigger half first.
    expect(r.factsOf("conv-transpose")[0]).toMatchObject({ pads: [0, -1], output: 24 });
    const s = convT([1, 1, "L"], [1, 1, 2], { strides: [3], auto_pad: "SAME_UPPER" });
    expect(printed(s.factsOf("runtime-divergence", "D4"))).toEqual([
      { id: "D4", axis: 2, input: "L", kernel: 2, stride: 3, dilation: 1, outputPadding: 0, spec: "3*L", onnxInference: "3*L - 1", onnxruntime: "3*L - 1", onnxReference: "3*L" },
    ]);
  });

  it("D2: SAME at opset < 11 is reported (ConvTranspose-1 text: output matches the input)", () => {
    const r = convT([1, 1, 5, 5], [1, 1, 3, 3], { strides: [2, 2], auto_pad: "SAME_UPPER" }, 9);
    expect(r.shape("y")).toBe("[1, 1, 10, 10]");
    expect(r.factsOf("runtime-divergence", "D2")).toEqual([{ id: "D2", opset: 9, convTranspose1Text: [5, 5], current: "input * stride" }]);
    expect(convT([1, 1, 5, 5], [1, 1, 3, 3], { strides: [2, 2], auto_pad: "SAME_UPPER" }, 11).factsOf("runtime-divergence")).toEqual([]);
  });

  it("D5: an odd output_shape pad goes to the begin (spec) where old onnxruntime put it at the end", () => {
    // F = 2*(3-1) + 3 = 7, output_shape 6: total 1.
    const r = convT([1, 1, 3], [1, 1, 3], { strides: [2], output_shape: [6] });
    expect(r.shape("y")).toBe("[1, 1, 6]");
    expect(r.factsOf("runtime-divergence", "D5")).toEqual([{ id: "D5", axis: 2, total: 1, spec: [1, 0], onnxruntimeBefore13311: [0, 1] }]);
    expect(r.factsOf("conv-transpose")[0]).toMatchObject({ outputShape: 6, pads: [1, 0], output: 6 });
    // SAME_UPPER splits the other way and has no history of disagreement.
    expect(convT([1, 1, 3], [1, 1, 3], { strides: [2], output_shape: [6], auto_pad: "SAME_UPPER" }).factsOf("runtime-divergence", "D5")).toEqual([]);
  });

  it("D6: accepts output_shape with N and C (the onnxruntime kernel reads it; its loader rejects it) and records it", () => {
    const r = convT([1, 2, 3, 3], [2, 1, 3, 3], { strides: [2, 2], output_shape: [1, 1, 7, 8] });
    expect(r.shape("y")).toBe("[1, 1, 7, 8]");
    expect(r.factsOf("runtime-divergence", "D6")).toMatchObject([{ id: "D6", outputShape: [1, 1, 7, 8], spatial: [7, 8] }]);
    const bad = convT([1, 2, 3, 3], [2, 1, 3, 3], { output_shape: [7, 8, 9] });
    expect(bad.codes()).toEqual(["BAD_ATTRIBUTE"]);
    expect(bad.shape("y")).toBe("[1, 1, ?, ?]");
  });

  it("D7: output_shape smaller than the input is a contradiction; the output still follows output_shape", () => {
    const r = convT([1, 1, 8], [1, 1, 3], { output_shape: [5] });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["OUTPUT_SHAPE_TOO_SMALL", { axis: 2, outputShape: 5, input: 8 }]]);
    expect(r.factsOf("runtime-divergence", "D7")).toEqual([{ id: "D7", axis: 2, input: 8, outputShape: 5, spec: 5, onnxInference: "rank-2 shape (early return)", onnxruntime: 5 }]);
    expect(r.shape("y")).toBe("[1, 1, 5]");
  });

  it("D8: output_padding not below max(stride, dilation) is a contradiction; below dilation only, a divergence", () => {
    const r = convT([1, 1, 4], [1, 1, 3], { strides: [2], output_padding: [2] });
    expect(r.contradictions.map((c) => c.code)).toEqual(["OUTPUT_PADDING_OUT_OF_RANGE"]);
    expect(r.contradictions[0]!.data).toMatchObject({ axis: 2, outputPadding: 2, stride: 2, dilation: 1, pytorchMax: 1, kerasMax: 1 });
    expect(r.shape("y")).toBe("[1, 1, 11]");
    // s=1, d=4, op=3: PyTorch runs it (19), Keras refuses.
    const d = convT([1, 1, 8], [1, 1, 3], { dilations: [4], output_padding: [3] });
    expect(d.codes()).toEqual([]);
    expect(d.shape("y")).toBe("[1, 1, 19]");
    expect(d.factsOf("runtime-divergence", "D8")).toMatchObject([{ id: "D8", outputPadding: 3, stride: 1, dilation: 4, pytorchMax: 3, kerasMax: 0 }]);
  });

  it("D9 and D10: pads with output_shape, and output_shape beyond F (the backend test's [10, 8] > [9, 7])", () => {
    const r = convT([1, 1, 3, 3], [1, 2, 3, 3], { strides: [3, 2], output_shape: [10, 8], pads: [1, 0, 1, 0] });
    expect(r.shape("y")).toBe("[1, 2, 10, 8]");
    expect(r.factsOf("runtime-divergence", "D9")).toEqual([{ id: "D9", pads: [1, 0, 1, 0], outputShape: [10, 8], spec: "pads ignored", onnxReference: "given pads used with output_shape" }]);
    expect(r.factsOf("runtime-divergence", "D10")).toEqual([
      { id: "D10", axis: 2, total: -1, cppTruncation: [-1, 0], onnxReference: [0, -1], onnxruntime: [0, 0], output: 10 },
      { id: "D10", axis: 3, total: -1, cppTruncation: [-1, 0], onnxReference: [0, -1], onnxruntime: [0, 0], output: 8 },
    ]);
  });

  it("uses kernel_shape when the weight's kernel dims are unknown, and dilations", () => {
    expect(convT([25, 48, 16, 16], [48, 32, 3, 3], { strides: [2, 2], pads: [1, 1, 2, 2], dilations: [3, 3] }).shape("y")).toBe("[25, 32, 34, 34]");
    const r = infer({
      inputs: { x: [25, 48, 16, 16], w: [48, 32, null, null] },
      nodes: [node("ConvTranspose", ["x", "w"], ["y"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 2, 2] })],
    });
    expect(r.shape("y")).toBe("[25, 32, 30, 30]");
  });

  it("requires cropping pads to leave something", () => {
    const r = convT([1, 1, 1], [1, 1, 2], { pads: [1, 1] });
    expect(r.codes()).toEqual(["NONPOSITIVE_DIM"]);
    expect(r.shape("y")).toBe("[1, 1, ?]");
    const s = convT([1, 1, "n"], [1, 1, 3], { strides: [2], pads: [2, 2] });
    expect(s.shape("y")).toBe("[1, 1, 2*n - 3]");
    expect(s.constraints.map((c) => `${String(c.dim)} >= ${c.min}`)).toEqual(["2*n - 3 >= 1"]);
  });
});
