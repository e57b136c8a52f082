import { describe, expect, it } from "vitest";
import { sym } from "../../../src/ir/dim.js";
import { type AttrValue, type DimSpec, type InitSpec, floats, info, infer, node, runOp } from "../../helpers/ir-builder.js";

/** Resize-13 of x with a constant scales or sizes tensor. */
function resize(x: readonly DimSpec[], arg: { scales?: number[]; sizes?: number[] }, attrs: Record<string, AttrValue> = {}, opset = 13) {
  const initializers: Record<string, InitSpec> = {};
  if (arg.scales) initializers["scales"] = { dims: [arg.scales.length], dtype: "float32", values: arg.scales.map(Math.fround) };
  if (arg.sizes) initializers["sizes"] = { dims: [arg.sizes.length], dtype: "int64", values: arg.sizes };
  const inputs = arg.sizes ? ["x", "", "", "sizes"] : ["x", "", "scales"];
  return infer({ opset, inputs: { x }, initializers, nodes: [node("Resize", inputs, ["y"], attrs)] });
}

describe("Resize and Upsample shapes", () => {
  it("scales a symbolic size exactly: x2 -> 2*H, x0.5 -> floor(H/2), x1.5 -> W + floor(W/2)", () => {
    expect(resize([1, 3, "H", "W"], { scales: [1, 1, 2, 2] }).shape("y")).toBe("[1, 3, 2*H, 2*W]");
    const r = resize([1, 3, "H", "W"], { scales: [1, 1, 0.5, 1.5] });
    expect(r.shape("y")).toBe("[1, 3, floor(H/2), W + floor(W/2)]");
    // Downscaling needs H >= 2.
    expect(r.constraints.map((c) => `${String(c.dim)} >= ${c.min}`)).toEqual(["floor(H/2) >= 1"]);
    expect(resize([1, 3, 1, 4], { scales: [1, 1, 0.5, 0.5] }).codes()).toEqual(["NONPOSITIVE_DIM"]);
  });

  it("the classic U-Net break: 23 -> MaxPool(2) -> 11 -> Upsample x2 -> 22 (peers.md 2.2)", () => {
    const r = infer({
      opset: 9,
      inputs: { x: [1, 1, 23, 23] },
      initializers: { s: { dims: [4], values: [1, 1, 2, 2] } },
      nodes: [node("MaxPool", ["x"], ["p"], { kernel_shape: [2, 2], strides: [2, 2] }), node("Upsample", ["p", "s"], ["y"])],
    });
    expect(r.shape("y")).toBe("[1, 1, 22, 22]");
  });

  it("multiplies in float32 as ONNX inference and onnxruntime do (10 * 0.7f = 7)", () => {
    expect(resize([1, 1, 10, 20], { scales: [1, 1, 0.7, 0.7] }).shape("y")).toBe("[1, 1, 7, 14]");
    // A float32 scale rounded down from 7/10 cannot be kept exact for a symbolic size.
    expect(resize([1, 1, "H", 10], { scales: [1, 1, 0.7, 0.7] }).shape("y")).toBe("[1, 1, ?, 7]");
    // One rounded up (0.6f > 0.6) floors like 3/5.
    expect(resize([1, 1, "H", 10], { scales: [1, 1, 0.6, 0.6] }).shape("y")).toBe("[1, 1, floor((3*H)/5), 6]");
  });

  it("uses sizes as given, and sizes computed from a skip connection's shape come out as its dims", () => {
    expect(resize([1, 3, 4, 4], { sizes: [1, 3, 9, 10] }).shape("y")).toBe("[1, 3, 9, 10]");
    // PyTorch interpolate(x, size=skip.shape[2:]): Shape -> Slice -> Concat -> Resize sizes.
    const r = infer({
      opset: 13,
      inputs: { x: [1, 64, "h", "w"], skip: [1, 32, "S", "T"] },
      initializers: {
        s0: { dims: [1], dtype: "int64", values: [0] },
        s2: { dims: [1], dtype: "int64", values: [2] },
        s4: { dims: [1], dtype: "int64", values: [4] },
      },
      nodes: [
        node("Shape", ["x"], ["xs"]),
        node("Slice", ["xs", "s0", "s2"], ["nc"]),
        node("Shape", ["skip"], ["ss"]),
        node("Slice", ["ss", "s2", "s4"], ["hw"]),
        node("Concat", ["nc", "hw"], ["sizes"], { axis: 0 }),
        node("Resize", ["x", "", "", "sizes"], ["y"], { mode: "nearest" }),
        node("Concat", ["y", "skip"], ["cat"], { axis: 1 }),
      ],
    });
    expect(r.shape("y")).toBe("[1, 64, S, T]");
    expect(r.shape("cat")).toBe("[1, 96, S, T]");
    expect(r.codes()).toEqual([]);
  });

  it("takes symbolic sizes directly from the propagated value", () => {
    const r = runOp({ op: "Resize", opset: 13, inputs: [[1, 3, "h", "w"], null, null, info("int64", [4], [1, 3, sym("S"), sym("T")])] });
    expect(r.shape()).toBe("[1, 3, S, T]");
    const a = runOp({ op: "Resize", opset: 18, inputs: [[1, 3, "h", "w"], null, null, info("int64", [2], [sym("S"), 8])], attrs: { axes: [-2, -1] } });
    expect(a.shape()).toBe("[1, 3, S, 8]");
    // keep_aspect_ratio_policy needs concrete sizes: a symbolic one leaves the resized axes unknown.
    const k = runOp({ op: "Resize", opset: 18, inputs: [[1, 3, "h", "w"], null, null, info("int64", [2], [sym("S"), 8])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: "not_larger" } });
    expect(k.shape()).toBe("[1, 3, ?, ?]");
  });

  it("requires exactly one of scales and sizes from Resize-13 on", () => {
    const both = infer({
      inputs: { x: [1, 1, 4, 4] },
      initializers: { sc: { dims: [4], values: [1, 1, 2, 2] }, sz: { dims: [4], dtype: "int64", values: [1, 1, 8, 8] } },
      nodes: [node("Resize", ["x", "", "sc", "sz"], ["y"])],
    });
    expect(both.codes()).toEqual(["RESIZE_SCALES_SIZES"]);
    expect(both.shape("y")).toBe("[1, 1, 8, 8]");
    const none = infer({ inputs: { x: [1, 1, 4, 4] }, nodes: [node("Resize", ["x"], ["y"])] });
    expect(none.codes()).toEqual(["RESIZE_SCALES_SIZES"]);
    expect(none.shape("y")).toBe("[?, ?, ?, ?]");
    // Resize-11: an empty scales tensor stands for "use sizes".
    const empty = infer({
      opset: 11,
      inputs: { x: [1, 1, 4, 4] },
      initializers: { roi: { dims: [0], values: [] }, sc: { dims: [0], values: [] }, sz: { dims: [4], dtype: "int64", values: [1, 1, 3, 2] } },
      nodes: [node("Resize", ["x", "roi", "sc", "sz"], ["y"])],
    });
    expect(empty.codes()).toEqual([]);
    expect(empty.shape("y")).toBe("[1, 1, 3, 2]");
  });

  it("checks the length of scales and sizes and the sign of scales", () => {
    expect(resize([1, 1, 4, 4], { scales: [2, 2] }).codes()).toEqual(["BAD_INPUT"]);
    expect(resize([1, 1, 4, 4], { scales: [2, 2] }).shape("y")).toBe("[?, ?, ?, ?]");
    expect(resize([1, 1, 4, 4], { scales: [1, 1, -2, 2] }).codes()).toEqual(["BAD_INPUT"]);
    expect(resize([1, 1, 4, 4], { scales: [1, 1, 2, 2] }, { axes: [2, 2] }, 18).codes()).toEqual(["BAD_ATTRIBUTE"]);
  });

  it("records when the doc's roi formula for tf_crop_and_resize would give another size", () => {
    const r = infer({
      opset: 13,
      inputs: { x: [1, 1, 10, 10] },
      initializers: { roi: { dims: [8], values: [0, 0, 0.25, 0, 1, 1, 0.75, 1] }, sc: { dims: [4], values: [1, 1, 2, 2] } },
      nodes: [node("Resize", ["x", "roi", "sc"], ["y"], { coordinate_transformation_mode: "tf_crop_and_resize" })],
    });
    expect(r.shape("y")).toBe("[1, 1, 20, 20]");
    expect(r.factsOf("runtime-divergence", "resize-roi")).toEqual([{ id: "resize-roi", axis: 2, input: 10, scale: 2, roi: [0.25, 0.75], spec: 10, onnxInference: 20, onnxruntime: 20 }]);
  });

  it("Upsample-7 reads the scales attribute, Upsample-1 height_scale/width_scale, Resize-10 input 1", () => {
    const u7 = infer({ opset: 7, inputs: { x: [1, 1, "H", 5] }, nodes: [node("Upsample", ["x"], ["y"], { scales: floats([1, 1, 2, 1.5]) })] });
    expect(u7.shape("y")).toBe("[1, 1, 2*H, 7]");
    const u1 = infer({ opset: 1, inputs: { x: [1, 1, 3, 5] }, nodes: [node("Upsample", ["x"], ["y"], { height_scale: 2.0, width_scale: 3.0 })] });
    expect(u1.shape("y")).toBe("[1, 1, 6, 15]");
    const r10 = infer({ opset: 10, inputs: { x: [1, 1, "H", 4] }, initializers: { s: { dims: [4], values: [1, 1, 2, 0.5] } }, nodes: [node("Resize", ["x", "s"], ["y"])] });
    expect(r10.shape("y")).toBe("[1, 1, 2*H, 2]");
  });

  it("leaves resized axes unknown when the scales are not known", () => {
    const r = infer({ opset: 13, inputs: { x: [1, 3, 8, 8], sc: [4] }, nodes: [node("Resize", ["x", "", "sc"], ["y"])] });
    expect(r.shape("y")).toBe("[?, ?, ?, ?]");
    expect(runOp({ op: "Resize", opset: 13, inputs: [null, null, null, null] }).shape()).toBe("unknown");
  });
});
