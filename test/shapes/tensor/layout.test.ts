import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Transpose", () => {
  it("permutes dims (default: reversed) and values", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const a = g.op("Transpose", ["x"], { perm: at.ints([0, 2, 3, 1]) });
    const b = g.op("Transpose", ["x"]);
    const m = g.init("m", "int64", [2, 3], [1, 2, 3, 4, 5, 6]);
    const t = g.op("Transpose", [m], { perm: at.ints([1, 0]) });
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["N", "H", "W", "3"]);
    expect(r.shape(b)).toEqual(["W", "H", "3", "N"]);
    expect(r.shape(t)).toEqual(["3", "2"]);
    expect(r.value(t)).toEqual(["1", "4", "2", "5", "3", "6"]);
  });

  it("a perm that is not a permutation is reported", () => {
    const g = new GraphBuilder();
    g.input("x", [2, 3]);
    const y = g.op("Transpose", ["x"], { perm: at.ints([0, 0]) });
    const r = g.run(13);
    expect(r.shape(y)).toBeNull();
    expect(r.codes()).toEqual(["BAD_PERMUTATION"]);
  });
});

describe("Squeeze and Unsqueeze", () => {
  it("attribute axes before 13, input axes from 13, negative axes", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 3, 1, "W"]);
    const a = g.op("Squeeze", ["x"], { axes: at.ints([0, -2]) });
    const u = g.op("Unsqueeze", ["x"], { axes: at.ints([0, -1]) });
    const r11 = g.run(11);
    expect(r11.shape(a)).toEqual(["3", "W"]);
    expect(r11.shape(u)).toEqual(["1", "1", "3", "1", "W", "1"]);
    const g13 = new GraphBuilder();
    g13.input("x", [1, 3, 1, "W"]);
    const b = g13.op("Squeeze", ["x", g13.ints("ax", [2])]);
    const v = g13.op("Unsqueeze", ["x", g13.ints("ax2", [4, 1])]);
    const r13 = g13.run(13);
    expect(r13.shape(b)).toEqual(["1", "3", "W"]);
    expect(r13.shape(v)).toEqual(["1", "1", "3", "1", "1", "W"]);
  });

  it("squeezing all size-1 dims needs to know which dims are 1", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 3, 1]);
    g.input("y", [1, "H", 1]);
    const a = g.op("Squeeze", ["x"]);
    const b = g.op("Squeeze", ["y"]);
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["3"]);
    expect(r.shape(b)).toBeNull();
  });

  it("squeezing a dim that is not 1 is a contradiction", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 3]);
    g.op("Squeeze", ["x", g.ints("ax", [1])]);
    const r = g.run(13);
    expect(r.codes()).toEqual(["SQUEEZE_NOT_ONE"]);
    expect(r.r.contradictions[0]!.data).toEqual({ axis: 1, dims: [3], inputs: ["x"] });
  });

  it("carries values: a scalar size becomes a 1-element vector and back", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", "H"]);
    const s = g.op("Shape", ["x"]);
    const h = g.op("Gather", [s, g.ints("i", [1], true)]);
    const u = g.op("Unsqueeze", [h, g.ints("ax", [0])]);
    const q = g.op("Squeeze", [u, g.ints("ax0", [0])]);
    const r = g.run(13);
    expect(r.shape(h)).toEqual([]);
    expect(r.shape(u)).toEqual(["1"]);
    expect(r.value(u)).toEqual(["H"]);
    expect(r.shape(q)).toEqual([]);
    expect(r.value(q)).toEqual(["H"]);
  });
});

describe("MatMul and Gemm", () => {
  it("numpy matmul: batch broadcast and 1-D promotion", () => {
    const g = new GraphBuilder();
    g.input("a", ["B", 1, "M", "K"]);
    g.input("b", [4, "K", 7]);
    g.input("v", ["K"]);
    const y = g.op("MatMul", ["a", "b"]);
    const av = g.op("MatMul", ["a", "v"]);
    const va = g.op("MatMul", ["v", "b"]);
    const vv = g.op("MatMul", ["v", "v"]);
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["B", "4", "M", "7"]);
    expect(r.shape(av)).toEqual(["B", "1", "M"]);
    expect(r.shape(va)).toEqual(["4", "7"]);
    expect(r.shape(vv)).toEqual([]);
    expect(r.codes()).toEqual([]);
  });

  it("reports an inner-dimension mismatch", () => {
    const g = new GraphBuilder();
    g.input("a", [2, 3]);
    g.input("b", [4, 5]);
    g.op("MatMul", ["a", "b"]);
    const r = g.run(13);
    expect(r.codes()).toEqual(["MATMUL_MISMATCH"]);
    expect(r.r.contradictions[0]!.data).toEqual({ dims: [3, 4], inputs: ["a", "b"] });
  });

  it("Gemm with transA/transB and a broadcast bias", () => {
    const g = new GraphBuilder();
    g.input("a", ["K", "M"]);
    g.input("b", [10, "K"]);
    g.input("c", [10]);
    const y = g.op("Gemm", ["a", "b", "c"], { transA: at.int(1), transB: at.int(1) });
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["M", "10"]);
    expect(r.codes()).toEqual([]);
    const g2 = new GraphBuilder();
    g2.input("a", [3, 5]);
    g2.input("b", [5, 4]);
    g2.input("c", [3, 3]);
    g2.op("Gemm", ["a", "b", "c"]);
    expect(g2.run(13).codes()).toEqual(["BROADCAST_MISMATCH"]);
  });

  it("MatMulInteger gives int32", () => {
    const g = new GraphBuilder();
    g.input("a", [4, 3], "uint8");
    g.input("b", [3, 2], "uint8");
    const y = g.op("MatMulInteger", ["a", "b"]);
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["4", "2"]);
    expect(r.dtype(y)).toBe("int32");
  });
});
