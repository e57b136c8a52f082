import { describe, expect, it } from "vitest";
import { sym } from "../../../src/ir/dim.js";
import { info, infer, node, runOp } from "../../helpers/ir-builder.js";

describe("RNN, GRU, LSTM", () => {
  it("shapes Y, Y_h, Y_c for both layouts and both directions", () => {
    const r = infer({
      inputs: { x: ["T", "B", 10] },
      initializers: { w: { dims: [2, 80, 10] }, r: { dims: [2, 80, 20] } },
      nodes: [node("LSTM", ["x", "w", "r"], ["y", "yh", "yc"], { direction: "bidirectional", hidden_size: 20 })],
    });
    expect([r.shape("y"), r.shape("yh"), r.shape("yc")]).toEqual(["[T, 2, B, 20]", "[2, B, 20]", "[2, B, 20]"]);
    expect(r.codes()).toEqual([]);
    // layout=1 (opset 14), hidden size read from R when the attribute is absent.
    const g = infer({ opset: 14, inputs: { x: ["B", "T", 8] }, initializers: { w: { dims: [1, 48, 8] }, r: { dims: [1, 48, 16] } }, nodes: [node("GRU", ["x", "w", "r"], ["y", "yh"], { layout: 1 })] });
    expect([g.shape("y"), g.shape("yh")]).toEqual(["[B, T, 1, 16]", "[B, 1, 16]"]);
  });

  it("reports weights that do not fit the input or the hidden size", () => {
    const r = infer({
      inputs: { x: [5, 1, 12] },
      initializers: { w: { dims: [1, 20, 10] }, r: { dims: [1, 20, 20] } },
      nodes: [node("RNN", ["x", "w", "r"], ["y"], { hidden_size: 20 })],
    });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["CHANNEL_MISMATCH", { expected: 10, actual: 12, group: 1, axis: 2 }]]);
    const g = infer({ inputs: { x: [5, 1, 10] }, initializers: { w: { dims: [1, 40, 10] }, r: { dims: [1, 40, 20] } }, nodes: [node("GRU", ["x", "w", "r"], ["y"], { hidden_size: 20 })] });
    expect(g.contradictions.map((c) => [c.code, c.data])).toEqual([
      ["BAD_INPUT", { input: "W", expected: 60, actual: 40 }],
      ["BAD_INPUT", { input: "R", expected: 60, actual: 40 }],
    ]);
    expect(runOp({ op: "LSTM", inputs: [[5, 10], null, null] }).codes()).toEqual(["RANK_MISMATCH"]);
  });
});

describe("GridSample and AffineGrid", () => {
  it("takes the spatial output from the grid", () => {
    expect(runOp({ op: "GridSample", opset: 16, inputs: [["N", 3, 32, 32], ["N", 7, 9, 2]] }).shape()).toBe("[N, 3, 7, 9]");
    expect(runOp({ op: "GridSample", opset: 20, inputs: [[1, 3, 8, 8, 8], [1, 2, 3, 4, 3]] }).shape()).toBe("[1, 3, 2, 3, 4]");
    expect(runOp({ op: "GridSample", opset: 16, inputs: [[1, 3, 8, 8, 8], [1, 2, 3, 4, 3]] }).codes()).toEqual(["RANK_MISMATCH"]);
    expect(runOp({ op: "GridSample", opset: 16, inputs: [[1, 3, 8, 8], [2, 4, 4, 3]] }).codes()).toEqual(["BAD_INPUT", "BAD_INPUT"]);
  });

  it("AffineGrid reads the (possibly symbolic) size tensor", () => {
    const r = runOp({ op: "AffineGrid", opset: 20, inputs: [["N", 2, 3], info("int64", [4], [sym("N"), 3, sym("H"), 64])] });
    expect(r.shape()).toBe("[N, H, 64, 2]");
    expect(runOp({ op: "AffineGrid", opset: 20, inputs: [[1, 3, 4], info("int64", [5], [1, 3, 4, 5, 6])] }).shape()).toBe("[1, 4, 5, 6, 3]");
    expect(runOp({ op: "AffineGrid", opset: 20, inputs: [[1, 2, 3], info("int64", [5], [1, 3, 4, 5, 6])] }).codes()).toEqual(["BAD_INPUT"]);
  });
});
