import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Einsum", () => {
  function einsum(eq: string, shapes: (number | string)[][]) {
    const g = new GraphBuilder();
    const names = shapes.map((s, i) => g.input(`x${i}`, s));
    const y = g.op("Einsum", names, { equation: at.str(eq) });
    const r = g.run(12);
    return { shape: r.shape(y), codes: r.codes() };
  }

  it("explicit and implicit outputs, diagonals and ellipses (numpy semantics)", () => {
    expect(einsum("bij,bjk->bik", [["B", "M", "K"], ["B", "K", 7]]).shape).toEqual(["B", "M", "7"]);
    expect(einsum("ij->ji", [[3, 4]]).shape).toEqual(["4", "3"]);
    expect(einsum("ij->i", [[3, 4]]).shape).toEqual(["3"]);
    expect(einsum("...ii ->...i", [[3, 5, 5]]).shape).toEqual(["3", "5"]);
    expect(einsum("ij,jk", [[2, 3], [3, 5]]).shape).toEqual(["2", "5"]);
    // Implicit mode sorts the once-used labels by code point: A, a, b, c.
    expect(einsum("ba,Ac", [[2, 3], [4, 5]]).shape).toEqual(["4", "3", "2", "5"]);
    expect(einsum("i,i", [[5], [5]]).shape).toEqual([]);
    expect(einsum("...j,...j->...", [["N", 1, 8], [4, 8]]).shape).toEqual(["N", "4"]);
  });

  it("a size-1 label stretches; two different sizes are a contradiction", () => {
    expect(einsum("ij,ij->ij", [[1, 3], [2, 3]])).toEqual({ shape: ["2", "3"], codes: [] });
    expect(einsum("ij,jk->ik", [[2, 3], [4, 5]]).codes).toEqual(["EINSUM_MISMATCH"]);
  });
});

describe("quantization", () => {
  it("keeps the shape; the dtype comes from the zero point, the scale, or the opset default", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 8]);
    const s = g.init("s", "float32", [], [0.5]);
    const z = g.init("z", "int8", [], [0]);
    const q = g.op("QuantizeLinear", ["x", s, z]);
    const q8 = g.op("QuantizeLinear", ["x", s]);
    const d = g.op("DequantizeLinear", [q, s, z]);
    const [y, ys, yz] = g.node("DynamicQuantizeLinear", ["x"], 3);
    const r = g.run(13);
    expect([r.shape(q), r.dtype(q)]).toEqual([["N", "8"], "int8"]);
    expect(r.dtype(q8)).toBe("uint8");
    expect([r.shape(d), r.dtype(d)]).toEqual([["N", "8"], "float32"]);
    expect([r.shape(y!), r.dtype(y!), r.shape(ys!), r.shape(yz!)]).toEqual([["N", "8"], "uint8", [], []]);
  });
});

describe("generators and signal ops", () => {
  it("random ops, windows, MelWeightMatrix and DFT", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 10, 1]);
    const ru = g.op("RandomUniform", [], { shape: at.ints([2, 3]), dtype: at.int(11) });
    const rl = g.op("RandomNormalLike", ["x"]);
    const b = g.op("Bernoulli", ["x"], { dtype: at.int(9) });
    const w = g.op("HannWindow", [g.ints("size", [10], true)]);
    const mel = g.op("MelWeightMatrix", [g.ints("bins", [8], true), g.ints("len", [16], true), g.ints("sr", [8192], true), g.init("lo", "float32", [], [0]), g.init("hi", "float32", [], [4096])]);
    const dft = g.op("DFT", ["x"], { axis: at.int(1) });
    const one = g.op("DFT", ["x", g.ints("dl", [16], true)], { axis: at.int(1), onesided: at.int(1) });
    const r = g.run(17);
    expect([r.shape(ru), r.dtype(ru)]).toEqual([["2", "3"], "float64"]);
    expect(r.shape(rl)).toEqual(["N", "10", "1"]);
    expect(r.dtype(b)).toBe("bool");
    expect([r.shape(w), r.dtype(w)]).toEqual([["10"], "float32"]);
    expect(r.shape(mel)).toEqual(["9", "8"]);
    expect(r.shape(dft)).toEqual(["N", "10", "2"]);
    expect(r.shape(one)).toEqual(["N", "9", "2"]);
  });
});

describe("losses, Unique, Det", () => {
  it("loss shapes follow the reduction", () => {
    const g = new GraphBuilder();
    g.input("scores", ["N", 5, "D"]);
    g.input("labels", ["N", "D"], "int64");
    const mean = g.op("NegativeLogLikelihoodLoss", ["scores", "labels"]);
    const none = g.op("NegativeLogLikelihoodLoss", ["scores", "labels"], { reduction: at.str("none") });
    const [l, lp] = g.node("SoftmaxCrossEntropyLoss", ["scores", "labels"], 2, { reduction: at.str("sum") });
    const r = g.run(13);
    expect(r.shape(mean)).toEqual([]);
    expect(r.shape(none)).toEqual(["N", "D"]);
    expect(r.shape(l!)).toEqual([]);
    expect(r.shape(lp!)).toEqual(["N", "5", "D"]);
  });

  it("Unique: data-dependent length, known for known data", () => {
    const g = new GraphBuilder();
    g.input("x", [2, 4, 2]);
    const [y, idx, inv, cnt] = g.node("Unique", ["x"], 4, { axis: at.int(1) });
    const [ky, , kinv] = g.node("Unique", [g.init("k", "float32", [2, 3], [2, 1, 1, 3, 4, 3])], 4);
    const r = g.run(11);
    expect(r.shape(y!)).toEqual(["2", "?", "2"]);
    expect(r.shape(idx!)).toEqual(["?"]);
    expect(r.shape(inv!)).toEqual(["4"]);
    expect(r.shape(cnt!)).toEqual(["?"]);
    expect(r.shape(ky!)).toEqual(["4"]);
    expect(r.shape(kinv!)).toEqual(["6"]);
    const g2 = new GraphBuilder();
    const [ay, ai, aInv] = g2.node("Unique", [g2.init("k", "float32", [2, 4], [1, 2, 1, 2, 3, 4, 3, 5])], 4, { axis: at.int(1) });
    const r2 = g2.run(11);
    expect(r2.shape(ay!)).toEqual(["2", "3"]);
    expect(r2.shape(ai!)).toEqual(["3"]);
    expect(r2.shape(aInv!)).toEqual(["4"]);
  });

  it("Det drops the matrix dims and rejects a non-square matrix", () => {
    const g = new GraphBuilder();
    g.input("a", ["B", 3, 3]);
    g.input("b", [2, 3]);
    const y = g.op("Det", ["a"]);
    g.op("Det", ["b"]);
    const r = g.run(11);
    expect(r.shape(y)).toEqual(["B"]);
    expect(r.codes()).toEqual(["NOT_SQUARE"]);
  });
});
