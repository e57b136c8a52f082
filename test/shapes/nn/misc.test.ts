import { describe, expect, it } from "vitest";
import { ONNX_NN_OPS } from "../../../src/shapes/ops/index-nn.js";
import { type AttrValue, type DimSpec, infer, node, runOp } from "../../helpers/ir-builder.js";

function one(op: string, x: readonly DimSpec[], attrs: Record<string, AttrValue> = {}, opset = 17, outputs = ["y"]) {
  return infer({ opset, inputs: { x }, nodes: [node(op, ["x"], outputs, attrs)] });
}

describe("DepthToSpace / SpaceToDepth", () => {
  it("rearranges channels and space, symbolically", () => {
    expect(one("DepthToSpace", [1, 8, "H", "W"], { blocksize: 2 }).shape("y")).toBe("[1, 2, 2*H, 2*W]");
    expect(one("SpaceToDepth", [1, 3, 8, 6], { blocksize: 2 }).shape("y")).toBe("[1, 12, 4, 3]");
  });

  it("reports sizes that are not multiples of the block", () => {
    const d = one("DepthToSpace", [1, 6, 3, 3], { blocksize: 2 });
    expect(d.contradictions.map((c) => [c.code, c.data])).toEqual([["BLOCKSIZE_MISMATCH", { what: "channel count", dim: 6, divisor: 4 }]]);
    expect(d.shape("y")).toBe("[1, ?, 6, 6]");
    expect(one("SpaceToDepth", [1, 3, 7, 6], { blocksize: 2 }).codes()).toEqual(["BLOCKSIZE_MISMATCH"]);
    expect(one("DepthToSpace", [1, 8, 3, 3], {}).codes()).toEqual(["MISSING_ATTRIBUTE"]);
    expect(one("DepthToSpace", [1, 8, 3, 3], { blocksize: 2, mode: "XYZ" }).codes()).toEqual(["BAD_ATTRIBUTE"]);
    expect(one("DepthToSpace", [8, 3, 3], { blocksize: 2 }).codes()).toEqual(["RANK_MISMATCH"]);
  });
});

describe("normalization", () => {
  const bn = (x: readonly DimSpec[], c: number, attrs: Record<string, AttrValue> = {}, outputs = ["y"], opset = 15) =>
    infer({
      opset,
      inputs: { x },
      initializers: { s: { dims: [c] }, b: { dims: [c] }, m: { dims: [c] }, v: { dims: [c] } },
      nodes: [node("BatchNormalization", ["x", "s", "b", "m", "v"], outputs, attrs)],
    });

  it("BatchNormalization keeps X's shape and checks the per-channel inputs", () => {
    expect(bn([2, 3, "H", "W"], 3).shape("y")).toBe("[2, 3, H, W]");
    const bad = bn([2, 3, 4, 4], 4);
    expect(bad.contradictions.map((c) => [c.code, c.data])).toEqual([
      ["CHANNEL_MISMATCH", { input: "scale", expected: 3, actual: 4 }],
      ["CHANNEL_MISMATCH", { input: "B", expected: 3, actual: 4 }],
      ["CHANNEL_MISMATCH", { input: "input_mean", expected: 3, actual: 4 }],
      ["CHANNEL_MISMATCH", { input: "input_var", expected: 3, actual: 4 }],
    ]);
  });

  it("BatchNormalization-14+: running statistics only in training mode", () => {
    const t = bn(["N", 3, 4, 4], 3, { training_mode: 1 }, ["y", "rm", "rv"]);
    expect([t.shape("y"), t.shape("rm"), t.shape("rv")]).toEqual(["[N, 3, 4, 4]", "[3]", "[3]"]);
    expect(t.codes()).toEqual([]);
    const e = bn([2, 3, 4, 4], 3, {}, ["y", "rm", "rv"]);
    expect(e.codes()).toEqual(["OUTPUT_COUNT_MISMATCH"]);
    // Opset 9: four optional statistics outputs, all per channel.
    const o = bn([2, 3, 4, 4], 3, {}, ["y", "m1", "v1", "sm", "sv"], 9);
    expect([o.shape("m1"), o.shape("sv")]).toEqual(["[3]", "[3]"]);
    expect(o.codes()).toEqual([]);
  });

  it("LayerNormalization: statistics keep the leading axes, stash_type sets their dtype", () => {
    const r = infer({
      inputs: { x: ["B", "T", 64] },
      initializers: { s: { dims: [64] }, b: { dims: [64] } },
      nodes: [node("LayerNormalization", ["x", "s", "b"], ["y", "mean", "inv"], { axis: -1, stash_type: 11 })],
    });
    expect([r.shape("y"), r.shape("mean"), r.shape("inv")]).toEqual(["[B, T, 64]", "[B, T, 1]", "[B, T, 1]"]);
    expect(r.info("mean")?.dtype).toBe("float64");
    const bad = infer({
      inputs: { x: ["B", "T", 64] },
      initializers: { s: { dims: [32] } },
      nodes: [node("LayerNormalization", ["x", "s"], ["y"])],
    });
    expect(bad.contradictions.map((c) => [c.code, c.data])).toEqual([["BROADCAST_MISMATCH", { input: "Scale", axis: 2, expected: 64, actual: 32 }]]);
    expect(one("LayerNormalization", [2, 3], { axis: 2 }).codes()).toEqual(["BAD_ATTRIBUTE"]);
  });

  it("GroupNormalization: channels divisible by num_groups; scale per group (18) or per channel (21)", () => {
    const g = (opset: number, c: number) =>
      infer({ opset, inputs: { x: [1, 6, 5, 5] }, initializers: { s: { dims: [c] }, b: { dims: [c] } }, nodes: [node("GroupNormalization", ["x", "s", "b"], ["y"], { num_groups: 3 })] });
    expect(g(18, 3).codes()).toEqual([]);
    expect(g(21, 6).codes()).toEqual([]);
    expect(g(21, 3).codes()).toEqual(["CHANNEL_MISMATCH", "CHANNEL_MISMATCH"]);
    expect(g(21, 6).shape("y")).toBe("[1, 6, 5, 5]");
    const d = infer({ opset: 18, inputs: { x: [1, 5, 2] }, nodes: [node("GroupNormalization", ["x", "", ""], ["y"], { num_groups: 2 })] });
    expect(d.contradictions.map((c) => [c.code, c.data])).toEqual([["GROUP_MISMATCH", { channels: 5, group: 2 }]]);
  });

  it("InstanceNormalization, LRN, MeanVarianceNormalization, LpNormalization keep the shape", () => {
    const i = infer({ inputs: { x: [2, 3, "L"] }, initializers: { s: { dims: [3] }, b: { dims: [2] } }, nodes: [node("InstanceNormalization", ["x", "s", "b"], ["y"])] });
    expect(i.shape("y")).toBe("[2, 3, L]");
    expect(i.codes()).toEqual(["CHANNEL_MISMATCH"]);
    expect(one("LRN", [1, 4, 5, 5], { size: 3 }).shape("y")).toBe("[1, 4, 5, 5]");
    expect(one("LRN", [1, 4, 5, 5]).codes()).toEqual(["MISSING_ATTRIBUTE"]);
    expect(one("MeanVarianceNormalization", ["N", 3, 4]).shape("y")).toBe("[N, 3, 4]");
    expect(one("LpNormalization", [3, 4], { axis: 0, p: 1 }).shape("y")).toBe("[3, 4]");
  });
});

describe("activations and Dropout", () => {
  it("keep the input's shape and dtype", () => {
    for (const [op, opset] of [
      ["Relu", 14],
      ["LeakyRelu", 16],
      ["Elu", 6],
      ["Selu", 6],
      ["Sigmoid", 13],
      ["Tanh", 13],
      ["HardSigmoid", 6],
      ["Softplus", 1],
      ["Softsign", 1],
      ["ThresholdedRelu", 10],
      ["Celu", 12],
      ["HardSwish", 14],
      ["Mish", 18],
      ["Gelu", 20],
      ["Shrink", 9],
      ["Softmax", 13],
      ["LogSoftmax", 13],
      ["Hardmax", 13],
    ] as const) {
      const r = infer({ opset, inputs: { x: { dtype: "float16", shape: ["N", 3, "H"] } }, nodes: [node(op, ["x"], ["y"])] });
      expect(r.info("y"), op).toEqual({ dtype: "float16", shape: r.info("x")!.shape });
      expect(r.codes(), op).toEqual([]);
    }
  });

  it("Softmax checks its axis", () => {
    expect(one("Softmax", [2, 3], { axis: 2 }).codes()).toEqual(["BAD_ATTRIBUTE"]);
    expect(one("Softmax", [2, 3], { axis: -2 }).codes()).toEqual([]);
  });

  it("PRelu's slope must broadcast to X", () => {
    const ok = infer({ inputs: { x: [1, 8, 4, 4] }, initializers: { a: { dims: [8, 1, 1] } }, nodes: [node("PRelu", ["x", "a"], ["y"])] });
    expect(ok.shape("y")).toBe("[1, 8, 4, 4]");
    expect(ok.codes()).toEqual([]);
    const bad = infer({ inputs: { x: [1, 8, 4, 4] }, initializers: { a: { dims: [8] } }, nodes: [node("PRelu", ["x", "a"], ["y"])] });
    expect(bad.contradictions.map((c) => [c.code, c.data])).toEqual([["BROADCAST_MISMATCH", { input: "slope", axis: 3, expected: 4, actual: 8 }]]);
  });

  it("Dropout's mask has the input's shape; bool since Dropout-10", () => {
    const r = one("Dropout", ["N", 5], {}, 13, ["y", "mask"]);
    expect(r.info("mask")).toEqual({ dtype: "bool", shape: r.info("x")!.shape });
    expect(one("Dropout", [3], { ratio: 0.5 }, 7, ["y", "mask"]).info("mask")?.dtype).toBe("float32");
  });
});

describe("robustness", () => {
  it("never throws on unknown or missing inputs, for every nn op and version", () => {
    for (const def of ONNX_NN_OPS) {
      const ctxOpset = def.since;
      for (const inputs of [[], [null], [null, null, null, null, null], [{ dtype: null, shape: null }, { dtype: null, shape: null }]]) {
        expect(() => runOp({ op: def.type, opset: ctxOpset, inputs, outputs: 3 }), `${def.type}-${def.since}`).not.toThrow();
      }
      // Rank-1 and rank-0 inputs must be reported or passed through, not crash.
      expect(() => runOp({ op: def.type, opset: ctxOpset, inputs: [[5], [5]], outputs: 2 }), `${def.type}-${def.since}`).not.toThrow();
      expect(() => runOp({ op: def.type, opset: ctxOpset, inputs: [[], []], outputs: 2 }), `${def.type}-${def.since}`).not.toThrow();
    }
  });
});
