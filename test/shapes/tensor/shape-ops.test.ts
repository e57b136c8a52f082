import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Shape and Size", () => {
  it("Shape's value is the input's dims; start/end (15+) clamp like Python slices", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const a = g.op("Shape", ["x"], { start: at.int(1) });
    const b = g.op("Shape", ["x"], { start: at.int(-1) });
    const c = g.op("Shape", ["x"], { start: at.int(1), end: at.int(-1) });
    const d = g.op("Shape", ["x"], { start: at.int(-10), end: at.int(10) });
    const e = g.op("Shape", ["x"], { start: at.int(3), end: at.int(1) });
    const r = g.run(15);
    expect(r.shape(s)).toEqual(["4"]);
    expect(r.dtype(s)).toBe("int64");
    expect(r.value(s)).toEqual(["N", "3", "H", "W"]);
    expect(r.value(a)).toEqual(["3", "H", "W"]);
    expect(r.value(b)).toEqual(["W"]);
    expect(r.value(c)).toEqual(["3", "H"]);
    expect(r.value(d)).toEqual(["N", "3", "H", "W"]);
    expect(r.shape(e)).toEqual(["0"]);
    expect(r.value(e)).toEqual([]);
  });

  it("Size is the element count when it is linear", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, 4]);
    g.input("y", ["H", "W"]);
    const a = g.op("Size", ["x"]);
    const b = g.op("Size", ["y"]);
    const r = g.run(13);
    expect(r.shape(a)).toEqual([]);
    expect(r.value(a)).toEqual(["12*N"]);
    expect(r.value(b)).toBeUndefined();
  });
});

describe("ConstantOfShape, Expand, Tile, Range", () => {
  it("ConstantOfShape takes its shape from a value and its dtype from the value attribute", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3]);
    const s = g.op("Shape", ["x"]);
    const a = g.op("ConstantOfShape", [s]);
    const b = g.op("ConstantOfShape", [g.ints("sh", [2, 3])], { value: at.tensor("int64", [1], [7]) });
    const c = g.op("ConstantOfShape", [g.ints("z", [0])]);
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["N", "3"]);
    expect(r.dtype(a)).toBe("float32");
    expect(r.shape(b)).toEqual(["2", "3"]);
    expect(r.dtype(b)).toBe("int64");
    expect(r.value(b)).toEqual(["7", "7", "7", "7", "7", "7"]);
    expect(r.shape(c)).toEqual(["0"]);
  });

  it("Expand broadcasts both ways and reports a provable mismatch", () => {
    const g = new GraphBuilder();
    g.input("x", [3, 1]);
    const a = g.op("Expand", ["x", g.ints("s1", [2, 1, 6])]);
    const b = g.op("Expand", ["x", g.ints("s2", [3, 4])]);
    g.op("Expand", ["x", g.ints("s3", [2, 4])]);
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["2", "3", "6"]);
    expect(r.shape(b)).toEqual(["3", "4"]);
    expect(r.codes()).toEqual(["BROADCAST_MISMATCH"]);
  });

  it("Expand to a symbolic shape (x.expand(y.size(0), -1) style) and values", () => {
    const g = new GraphBuilder();
    g.input("x", [1, 8]);
    g.input("y", ["N", 8]);
    const e = g.op("Expand", ["x", g.op("Shape", ["y"])]);
    const v = g.op("Expand", [g.ints("k", [5]), g.ints("sh", [3])]);
    const r = g.run(13);
    expect(r.shape(e)).toEqual(["N", "8"]);
    expect(r.value(v)).toEqual(["5", "5", "5"]);
  });

  it("Tile multiplies dims, symbolically by constants; Tile-1 repeats one axis", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, 2]);
    const t = g.op("Tile", ["x", g.ints("rep", [2, 1, 3])]);
    const v = g.op("Tile", [g.init("m", "int64", [2], [1, 2]), g.ints("r2", [2])]);
    const r = g.run(13);
    expect(r.shape(t)).toEqual(["2*N", "3", "6"]);
    expect(r.value(v)).toEqual(["1", "2", "1", "2"]);
    const g1 = new GraphBuilder();
    g1.input("x", [2, 3]);
    const t1 = g1.op("Tile", ["x", g1.ints("tiles", [4], true), g1.ints("axis", [1], true)]);
    expect(g1.run(1).shape(t1)).toEqual(["2", "12"]);
  });

  it("Range: max(ceil((limit - start) / delta), 0) elements, also symbolic", () => {
    const g = new GraphBuilder();
    g.input("x", ["H"]);
    const a = g.op("Range", [g.ints("s", [3], true), g.ints("l", [1], true), g.ints("d", [-1], true)]);
    const f = g.op("Range", [g.init("fs", "float32", [], [1]), g.init("fl", "float32", [], [5]), g.init("fd", "float32", [], [1.5])]);
    const h = g.op("Gather", [g.op("Shape", ["x"]), g.ints("i", [0], true)]);
    const b = g.op("Range", [g.ints("z", [0], true), h, g.ints("two", [2], true)]);
    const c = g.op("Range", [h, g.ints("ten", [10], true), g.ints("one", [1], true)]);
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["2"]);
    expect(r.value(a)).toEqual(["3", "2"]);
    expect(r.shape(f)).toEqual(["3"]);
    expect(r.value(f)).toEqual(["1", "2.5", "4"]);
    expect(r.shape(b)).toEqual(["ceil(H/2)"]);
    expect(r.shape(c)).toEqual(["max(-H + 10, 0)"]);
  });
});
