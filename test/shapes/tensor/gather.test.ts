import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Gather family", () => {
  it("Gather: data[:axis] + indices + data[axis+1:], values with negative indices", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    g.input("emb", [1000, 64]);
    g.input("ids", ["B", "T"], "int64");
    const e = g.op("Gather", ["emb", "ids"]);
    const s = g.op("Shape", ["x"]);
    const last = g.op("Gather", [s, g.ints("m1", [-1], true)]);
    const two = g.op("Gather", [s, g.ints("hw", [2, 3])]);
    const ax1 = g.op("Gather", ["x", g.ints("c", [0, 2])], { axis: at.int(1) });
    const r = g.run(13);
    expect(r.shape(e)).toEqual(["B", "T", "64"]);
    expect(r.shape(last)).toEqual([]);
    expect(r.value(last)).toEqual(["W"]);
    expect(r.value(two)).toEqual(["H", "W"]);
    expect(r.shape(ax1)).toEqual(["N", "2", "H", "W"]);
  });

  it("an index out of range is a contradiction", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3]);
    g.op("Gather", [g.op("Shape", ["x"]), g.ints("i", [2], true)]);
    const r = g.run(13);
    expect(r.codes()).toEqual(["INDEX_OUT_OF_RANGE"]);
  });

  it("GatherElements has the indices' shape; GatherND drops the indexed dims", () => {
    const g = new GraphBuilder();
    g.input("d", [2, 3, 4]);
    g.input("i", [2, 5, 4], "int64");
    g.input("j", ["K", 2], "int64");
    g.input("k", [2, "K", 1], "int64");
    const ge = g.op("GatherElements", ["d", "i"], { axis: at.int(1) });
    const gn = g.op("GatherND", ["d", "j"]);
    const gb = g.op("GatherND", ["d", "k"], { batch_dims: at.int(1) });
    const r = g.run(13);
    expect(r.shape(ge)).toEqual(["2", "5", "4"]);
    expect(r.shape(gn)).toEqual(["K", "4"]);
    expect(r.shape(gb)).toEqual(["2", "K", "4"]);
  });

  it("Scatter*, Trilu, ReverseSequence, EyeLike keep the data shape", () => {
    const g = new GraphBuilder();
    g.input("d", ["N", 4]);
    g.input("i", ["N", 1], "int64");
    g.input("u", ["N", 1]);
    const a = g.op("ScatterElements", ["d", "i", "u"], { axis: at.int(1) });
    const b = g.op("Trilu", ["d"]);
    const c = g.op("EyeLike", ["d"], { dtype: at.int(7) });
    const r = g.run(14);
    expect(r.shape(a)).toEqual(["N", "4"]);
    expect(r.shape(b)).toEqual(["N", "4"]);
    expect(r.shape(c)).toEqual(["N", "4"]);
    expect(r.dtype(c)).toBe("int64");
  });
});

describe("OneHot, TopK, NonZero, Compress", () => {
  it("OneHot inserts depth at axis (default last); the dtype is the values'", () => {
    const g = new GraphBuilder();
    g.input("idx", ["B", 3], "int64");
    const vals = g.init("v", "float32", [2], [0, 1]);
    const a = g.op("OneHot", ["idx", g.ints("depth", [10], true), vals]);
    const b = g.op("OneHot", ["idx", g.init("fd", "float32", [1], [12]), vals], { axis: at.int(1) });
    const c = g.op("OneHot", ["idx", g.ints("d3", [5], true), vals], { axis: at.int(-2) });
    const r = g.run(11);
    expect(r.shape(a)).toEqual(["B", "3", "10"]);
    expect(r.shape(b)).toEqual(["B", "12", "3"]);
    expect(r.shape(c)).toEqual(["B", "5", "3"]);
    expect(r.dtype(a)).toBe("float32");
  });

  it("TopK: k from the attribute (1) or the input (10+); k larger than the axis is reported", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 20]);
    const [v, i] = g.node("TopK", ["x", g.ints("k", [5])], 2);
    const r = g.run(11);
    expect(r.shape(v!)).toEqual(["N", "5"]);
    expect(r.shape(i!)).toEqual(["N", "5"]);
    expect(r.dtype(i!)).toBe("int64");
    const g1 = new GraphBuilder();
    g1.input("x", [4, 3]);
    g1.node("TopK", ["x"], 2, { k: at.int(4) });
    expect(g1.run(1).codes()).toEqual(["TOPK_TOO_LARGE"]);
  });

  it("NonZero and Compress have a data-dependent length, known only for known data", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3]);
    const nz = g.op("NonZero", ["x"]);
    const nzk = g.op("NonZero", [g.init("k", "float32", [2, 2], [1, 0, 0, 3])]);
    const cp = g.op("Compress", ["x", g.init("c", "bool", [3], [1, 0, 1])], { axis: at.int(1) });
    const cu = g.op("Compress", ["x", g.init("c2", "bool", [2], [1, 0])]);
    const r = g.run(11);
    expect(r.shape(nz)).toEqual(["2", "?"]);
    expect(r.shape(nzk)).toEqual(["2", "2"]);
    expect(r.shape(cp)).toEqual(["N", "2"]);
    expect(r.shape(cu)).toEqual(["?"]);
  });
});
