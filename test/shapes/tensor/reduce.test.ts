import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("reductions", () => {
  it("axes attribute (before 13/18), keepdims, negative axes, default all axes", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const a = g.op("ReduceMean", ["x"], { axes: at.ints([2, -1]) });
    const b = g.op("ReduceMax", ["x"], { axes: at.ints([1]), keepdims: at.int(0) });
    const c = g.op("ReduceSum", ["x"], { keepdims: at.int(0) });
    const d = g.op("ReduceL2", ["x"]);
    const r = g.run(12);
    expect(r.shape(a)).toEqual(["N", "3", "1", "1"]);
    expect(r.shape(b)).toEqual(["N", "H", "W"]);
    expect(r.shape(c)).toEqual([]);
    expect(r.shape(d)).toEqual(["1", "1", "1", "1"]);
  });

  it("ReduceSum-13 and the others from 18 take axes as an input; noop_with_empty_axes", () => {
    const g = new GraphBuilder();
    g.input("x", [3, 2, 2]);
    const a = g.op("ReduceSum", ["x", g.ints("ax", [1])]);
    const b = g.op("ReduceSum", ["x", g.ints("none", [])], { noop_with_empty_axes: at.int(1) });
    const c = g.op("ReduceSum", ["x"], { keepdims: at.int(0) });
    const m = g.op("ReduceMean", ["x", g.ints("ax2", [-1])], { keepdims: at.int(0) });
    const r13 = g.run(13);
    expect(r13.shape(a)).toEqual(["3", "1", "2"]);
    expect(r13.shape(b)).toEqual(["3", "2", "2"]);
    expect(r13.shape(c)).toEqual([]);
    const r18 = g.run(18);
    expect(r18.shape(m)).toEqual(["3", "2"]);
  });

  it("unknown axes keep the rank with keepdims and the count without", () => {
    const g = new GraphBuilder();
    g.input("x", [3, 2, 2]);
    g.input("ax", [1], "int64");
    const a = g.op("ReduceSum", ["x", "ax"]);
    const b = g.op("ReduceSum", ["x", "ax"], { keepdims: at.int(0) });
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["?", "?", "?"]);
    expect(r.shape(b)).toEqual(["?", "?"]);
  });

  it("reduces values: ReduceProd of a shape is the element count", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, 4]);
    const s = g.op("Shape", ["x"]);
    const p = g.op("ReduceProd", [s], { keepdims: at.int(0) });
    const m = g.op("ReduceMax", [g.init("v", "int64", [2, 2], [1, 5, 7, 2])], { axes: at.ints([1]) });
    const r = g.run(13);
    expect(r.shape(p)).toEqual([]);
    expect(r.value(p)).toEqual(["12*N"]);
    expect(r.value(m)).toEqual(["5", "7"]);
  });

  it("ArgMax/ArgMin give int64 with keepdims", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 10]);
    const a = g.op("ArgMax", ["x"], { axis: at.int(1) });
    const b = g.op("ArgMin", ["x"], { axis: at.int(-1), keepdims: at.int(0) });
    const r = g.run(13);
    expect(r.shape(a)).toEqual(["N", "1"]);
    expect(r.shape(b)).toEqual(["N"]);
    expect(r.dtype(a)).toBe("int64");
  });

  it("CumSum keeps the shape", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 5]);
    const y = g.op("CumSum", ["x", g.ints("ax", [1], true)], { exclusive: at.int(1) });
    expect(g.run(14).shape(y)).toEqual(["N", "5"]);
  });
});
