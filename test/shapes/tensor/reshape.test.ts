import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

function reshape(shape: (number | string)[], target: number[], opset = 14, attrs = {}) {
  const g = new GraphBuilder();
  g.input("x", shape);
  const y = g.op("Reshape", ["x", g.ints("s", target)], attrs);
  const r = g.run(opset);
  return { shape: r.shape(y), codes: r.codes() };
}

describe("Reshape", () => {
  it("follows the ONNX backend cases: 0 copies, -1 infers, allowzero keeps 0", () => {
    expect(reshape([2, 3, 4], [4, 2, 3]).shape).toEqual(["4", "2", "3"]);
    expect(reshape([2, 3, 4], [2, -1, 2]).shape).toEqual(["2", "6", "2"]);
    expect(reshape([2, 3, 4], [2, 0, 4, 1]).shape).toEqual(["2", "3", "4", "1"]);
    expect(reshape([2, 3, 4], [2, 0, 1, -1]).shape).toEqual(["2", "3", "1", "4"]);
    expect(reshape([2, 3, 4], [-1]).shape).toEqual(["24"]);
    expect(reshape([0, 3, 4], [3, 4, 0], 14, { allowzero: at.int(1) }).shape).toEqual(["3", "4", "0"]);
  });

  it("infers -1 symbolically by cancelling factors", () => {
    expect(reshape(["N", 3, 4, 4], [0, -1]).shape).toEqual(["N", "48"]);
    expect(reshape(["N", 3, "H", 4], [0, -1]).shape).toEqual(["N", "12*H"]);
    expect(reshape(["N", 3, "H", 4], [0, 0, -1, 2]).shape).toEqual(["N", "3", "2*H", "2"]);
    expect(reshape(["N", 6, "H"], [-1, 2, 0]).shape).toEqual(["3*N", "2", "H"]);
    // 3*H*W is not linear: unknown, not an error.
    expect(reshape(["N", 3, "H", "W"], [0, -1])).toEqual({ shape: ["N", "?"], codes: [] });
  });

  it("cancels a symbolic target dim against a constant multiple of it", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 8, "H"]);
    const s = g.op("Shape", ["x"]);
    const h2 = g.op("Mul", [g.op("Gather", [s, g.ints("i2", [2], true)]), g.ints("two", [2], true)]);
    const t = g.op("Concat", [g.ints("n0", [0]), g.ints("m1", [-1]), g.op("Unsqueeze", [h2, g.ints("ax", [0])])], { axis: at.int(0) });
    const y = g.op("Reshape", ["x", t]);
    expect(g.run(14).shape(y)).toEqual(["N", "4", "2*H"]);
  });

  it("reports element-count mismatches that are provable", () => {
    expect(reshape([2, 3, 4], [5, -1]).codes).toEqual(["RESHAPE_MISMATCH"]);
    expect(reshape(["N", 3, 4], [0, 13]).codes).toEqual(["RESHAPE_MISMATCH"]);
    expect(reshape(["N", 3, "H"], [0, 12]).codes).toEqual([]);
  });

  it("opset < 5 reads the shape attribute; an unknown target keeps only its rank", () => {
    const g = new GraphBuilder();
    g.input("x", [2, 6]);
    const y = g.op("Reshape", ["x"], { shape: at.ints([3, -1]) });
    expect(g.run(4).shape(y)).toEqual(["3", "4"]);
    const g2 = new GraphBuilder();
    g2.input("x", [2, 6]);
    g2.input("s", [3], "int64");
    const z = g2.op("Reshape", ["x", "s"]);
    expect(g2.run(13).shape(z)).toEqual(["?", "?", "?"]);
  });

  it("passes values through (Reshape of a pad vector to [-1, 2])", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const y = g.op("Reshape", [s, g.ints("t", [-1, 2])]);
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["2", "2"]);
    expect(r.value(y)).toEqual(["N", "3", "H", "W"]);
  });
});

describe("Flatten", () => {
  it("splits at axis (default 1, negative from 11, axis = rank allowed)", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, 4, 5]);
    const a = g.op("Flatten", ["x"]);
    const b = g.op("Flatten", ["x"], { axis: at.int(0) });
    const c = g.op("Flatten", ["x"], { axis: at.int(-2) });
    const d = g.op("Flatten", ["x"], { axis: at.int(4) });
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["N", "60"]);
    expect(r.shape(b)).toEqual(["1", "60*N"]);
    expect(r.shape(c)).toEqual(["3*N", "20"]);
    expect(r.shape(d)).toEqual(["60*N", "1"]);
  });

  it("a product of two symbols is unknown", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const a = g.op("Flatten", ["x"]);
    expect(g.run(13).shape(a)).toEqual(["N", "?"]);
  });
});
