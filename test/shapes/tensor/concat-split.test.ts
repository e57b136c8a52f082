import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Concat", () => {
  it("sums the axis symbolically and accepts a negative axis", () => {
    const g = new GraphBuilder();
    g.input("a", ["N", "C", "H", "W"]);
    g.input("b", ["N", 16, "H", "W"]);
    const y = g.op("Concat", ["a", "b"], { axis: at.int(-3) });
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["N", "C + 16", "H", "W"]);
    expect(r.codes()).toEqual([]);
  });

  it("reports a skip-connection mismatch (22 vs 23) with axis, dims and inputs", () => {
    const g = new GraphBuilder();
    g.input("up", [1, 8, 22, 22]);
    g.input("skip", [1, 8, 23, 22]);
    const y = g.op("Concat", ["up", "skip"], { axis: at.int(1) });
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["1", "16", "?", "22"]);
    expect(r.codes()).toEqual(["CONCAT_MISMATCH"]);
    expect(r.r.contradictions[0]!.data).toEqual({ axis: 2, concatAxis: 1, dims: [22, 23], inputs: ["up", "skip"] });
  });

  it("symbolic dims that may be equal are not a mismatch; a constant offset is", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 4, "H"]);
    const s = g.op("Shape", ["x"]);
    const h2 = g.op("Mul", [g.op("Div", [s, g.ints("two", [1, 1, 2])]), g.ints("two2", [1, 1, 2])]);
    const half = g.op("ConstantOfShape", [h2]); // [1, 4, 2*floor(H/2)]
    const ok = g.op("Concat", ["x", half], { axis: at.int(1) });
    const plus = g.op("ConstantOfShape", [g.op("Add", [s, g.ints("one", [0, 0, 1])])]); // [1, 4, H + 1]
    const bad = g.op("Concat", ["x", plus], { axis: at.int(1) });
    const r = g.run(13);
    expect(r.shape(half)).toEqual(["1", "4", "2*floor(H/2)"]);
    expect(r.shape(ok)).toEqual(["1", "8", "H"]);
    expect(r.shape(bad)).toEqual(["1", "8", "?"]);
    expect(r.codes()).toEqual(["CONCAT_MISMATCH"]);
    expect(r.r.contradictions[0]!.data).toMatchObject({ axis: 2, concatAxis: 1, inputs: ["x", plus] });
  });

  it("a rank mismatch is reported; Concat-1 defaults to axis 1", () => {
    const g = new GraphBuilder();
    g.input("a", [2, 3]);
    g.input("b", [2, 3, 1]);
    g.op("Concat", ["a", "b"], { axis: at.int(0) });
    expect(g.run(13).codes()).toEqual(["RANK_MISMATCH"]);
    const g1 = new GraphBuilder();
    g1.input("a", [2, 3]);
    g1.input("b", [2, 5]);
    const y = g1.op("Concat", ["a", "b"]);
    expect(g1.run(1).shape(y)).toEqual(["2", "8"]);
  });

  it("concatenates values, including 2-D values along axis 1", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const tail = g.op("Slice", [s, g.ints("st", [2]), g.ints("en", [4])]);
    const c = g.op("Concat", [g.ints("nc", [1, 3]), tail], { axis: at.int(0) });
    const m = g.init("m", "int64", [2, 1], [7, 8]);
    const n = g.init("n", "int64", [2, 2], [1, 2, 3, 4]);
    const c2 = g.op("Concat", [m, n], { axis: at.int(1) });
    const r = g.run(13);
    expect(r.value(c)).toEqual(["1", "3", "H", "W"]);
    expect(r.shape(c2)).toEqual(["2", "3"]);
    expect(r.value(c2)).toEqual(["7", "1", "2", "8", "3", "4"]);
  });
});

describe("Split", () => {
  it("splits evenly by the number of outputs, symbolically", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", "C", 6]);
    const [a, b, c] = g.node("Split", ["x"], 3, { axis: at.int(2) });
    const [p, q] = g.node("Split", ["x"], 2, { axis: at.int(1) });
    const r = g.run(13);
    for (const o of [a!, b!, c!]) expect(r.shape(o)).toEqual(["N", "C", "2"]);
    expect(r.shape(p!)).toEqual(["N", "floor(C/2)", "6"]);
    expect(r.shape(q!)).toEqual(["N", "floor(C/2)", "6"]);
  });

  it("uses the split attribute before 13 and the input from 13, checking the sum", () => {
    const g = new GraphBuilder();
    g.input("x", [2, 7]);
    const [a, b] = g.node("Split", ["x"], 2, { axis: at.int(1), split: at.ints([3, 4]) });
    const r11 = g.run(11);
    expect(r11.shape(a!)).toEqual(["2", "3"]);
    expect(r11.shape(b!)).toEqual(["2", "4"]);
    const g13 = new GraphBuilder();
    g13.input("x", [2, 7]);
    const [c, d] = g13.node("Split", ["x", g13.ints("sp", [2, 4])], 2, { axis: at.int(-1) });
    const r13 = g13.run(13);
    expect(r13.shape(c!)).toEqual(["2", "2"]);
    expect(r13.shape(d!)).toEqual(["2", "4"]);
    expect(r13.codes()).toEqual(["SPLIT_MISMATCH"]);
  });

  it("uneven equal split is an error before 18 and a smaller last chunk with num_outputs (18)", () => {
    const g = new GraphBuilder();
    g.input("x", [7]);
    g.node("Split", ["x"], 2);
    expect(g.run(13).codes()).toEqual(["SPLIT_UNEVEN"]);
    const g18 = new GraphBuilder();
    g18.input("x", [7, "H"]);
    const [a, b, c] = g18.node("Split", ["x"], 3, { num_outputs: at.int(3) });
    const [p, q] = g18.node("Split", ["x"], 2, { axis: at.int(1), num_outputs: at.int(2) });
    const r = g18.run(18);
    expect([a!, b!, c!].map((o) => r.shape(o)![0])).toEqual(["3", "3", "1"]);
    expect(r.shape(p!)).toEqual(["7", "ceil(H/2)"]);
    expect(r.shape(q!)).toEqual(["7", "H - ceil(H/2)"]);
    expect(r.codes()).toEqual([]);
  });

  it("splits values", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const [a, b] = g.node("Split", [s, g.ints("sp", [2, 2])], 2);
    const r = g.run(13);
    expect(r.value(a!)).toEqual(["N", "3"]);
    expect(r.value(b!)).toEqual(["H", "W"]);
  });
});
