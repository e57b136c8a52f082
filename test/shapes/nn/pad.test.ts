import { describe, expect, it } from "vitest";
import { floorDiv, sub, sym } from "../../../src/ir/dim.js";
import { info, infer, node, runOp } from "../../helpers/ir-builder.js";

describe("Pad shapes", () => {
  it("adds begin and end pads per axis; negative pads crop", () => {
    const r = infer({
      inputs: { x: [1, 3, "H", 5] },
      initializers: { p: { dims: [8], dtype: "int64", values: [0, 0, 1, -1, 0, 0, 2, 3] } },
      nodes: [node("Pad", ["x", "p"], ["y"], { mode: "reflect" })],
    });
    expect(r.shape("y")).toBe("[1, 3, H + 3, 7]");
    // Non-negative pads only grow an axis: no constraint.
    expect(r.constraints).toEqual([]);
  });

  it("pads to a skip connection's size exactly with amounts computed from shapes (PyTorch F.pad)", () => {
    // diff = S - H; F.pad(x, [.., diff // 2, diff - diff // 2]) on the height axis.
    const diff = sub(sym("S"), sym("H"));
    const half = floorDiv(diff, 2);
    const r = runOp({ op: "Pad", opset: 13, inputs: [[1, 64, "H", "W"], info("int64", [8], [0, 0, half, 0, 0, 0, sub(diff, half), 0])] });
    expect(r.shape()).toBe("[1, 64, S, W]");
  });

  it("reports a crop that leaves less than nothing", () => {
    const r = infer({
      inputs: { x: [1, 4] },
      initializers: { p: { dims: [4], dtype: "int64", values: [0, -3, 0, -2] } },
      nodes: [node("Pad", ["x", "p"], ["y"])],
    });
    expect(r.contradictions.map((c) => [c.code, c.data])).toEqual([["NONPOSITIVE_DIM", { dim: -1, what: "output length of Pad on axis 1", min: 0 }]]);
    expect(r.shape("y")).toBe("[1, ?]");
  });

  it("reads Pad-1 paddings and Pad-2 pads attributes", () => {
    expect(infer({ opset: 1, inputs: { x: [2, 3] }, nodes: [node("Pad", ["x"], ["y"], { paddings: [1, 0, 2, 5] })] }).shape("y")).toBe("[5, 8]");
    expect(infer({ opset: 2, inputs: { x: [2, "n"] }, nodes: [node("Pad", ["x"], ["y"], { pads: [1, 0, 2, 5] })] }).shape("y")).toBe("[5, n + 5]");
    expect(infer({ opset: 2, inputs: { x: [2, 3] }, nodes: [node("Pad", ["x"], ["y"])] }).codes()).toEqual(["MISSING_ATTRIBUTE"]);
  });

  it("applies Pad-18 axes (negative ones too)", () => {
    const r = infer({
      opset: 18,
      inputs: { x: [1, 3, 8, 8] },
      initializers: { p: { dims: [4], dtype: "int64", values: [1, 2, 3, 4] }, a: { dims: [2], dtype: "int64", values: [-1, 2] } },
      nodes: [node("Pad", ["x", "p", "", "a"], ["y"])],
    });
    expect(r.shape("y")).toBe("[1, 3, 14, 12]");
  });

  it("checks the pads length and the mode for the opset", () => {
    const bad = infer({ inputs: { x: [1, 3] }, initializers: { p: { dims: [2], dtype: "int64", values: [1, 1] } }, nodes: [node("Pad", ["x", "p"], ["y"])] });
    expect(bad.codes()).toEqual(["BAD_INPUT"]);
    const wrap18 = infer({ opset: 18, inputs: { x: [4] }, initializers: { p: { dims: [2], dtype: "int64", values: [1, 1] } }, nodes: [node("Pad", ["x", "p"], ["y"], { mode: "wrap" })] });
    expect(wrap18.codes()).toEqual(["BAD_ATTRIBUTE"]);
    const wrap19 = infer({ opset: 19, inputs: { x: [4] }, initializers: { p: { dims: [2], dtype: "int64", values: [1, 1] } }, nodes: [node("Pad", ["x", "p"], ["y"], { mode: "wrap" })] });
    expect(wrap19.codes()).toEqual([]);
    expect(wrap19.shape("y")).toBe("[6]");
  });

  it("keeps the rank when the amounts are unknown", () => {
    expect(infer({ inputs: { x: [1, 3, 8], p: { dtype: "int64", shape: [6] } }, nodes: [node("Pad", ["x", "p"], ["y"])] }).shape("y")).toBe("[?, ?, ?]");
    // Known axes but unknown amounts: only those axes are unknown.
    const r = runOp({ op: "Pad", opset: 18, inputs: [[1, 3, 8], { dtype: "int64", shape: [2] }, null, info("int64", [1], [2])] });
    expect(r.shape()).toBe("[1, 3, ?]");
    expect(runOp({ op: "Pad", opset: 13, inputs: [null, null] }).shape()).toBe("unknown");
  });
});
