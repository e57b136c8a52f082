import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

describe("Constant", () => {
  it("value tensors and the scalar/list attribute forms", () => {
    const g = new GraphBuilder();
    const t = g.op("Constant", [], { value: at.tensor("int64", [2, 2], [1, 2, 3, 4]) });
    const f = g.op("Constant", [], { value_float: at.float(0.5) });
    const fs = g.op("Constant", [], { value_floats: at.floats([1, 2.5]) });
    const i = g.op("Constant", [], { value_int: at.int(3) });
    const is = g.op("Constant", [], { value_ints: at.ints([4, 5, 6]) });
    const s = g.op("Constant", [], { value_strings: { type: "strings", value: ["a", "b"] } });
    const r = g.run(13);
    expect(r.shape(t)).toEqual(["2", "2"]);
    expect(r.value(t)).toEqual(["1", "2", "3", "4"]);
    expect([r.shape(f), r.dtype(f), r.value(f)]).toEqual([[], "float32", ["0.5"]]);
    expect([r.shape(fs), r.value(fs)]).toEqual([["2"], ["1", "2.5"]]);
    expect([r.shape(i), r.dtype(i), r.value(i)]).toEqual([[], "int64", ["3"]]);
    expect([r.shape(is), r.value(is)]).toEqual([["3"], ["4", "5", "6"]]);
    expect([r.shape(s), r.dtype(s), r.value(s)]).toEqual([["2"], "string", undefined]);
  });

  it("keeps INT64 sentinels (inexact doubles) so Slice can clamp them; arithmetic on them is unknown", () => {
    const g = new GraphBuilder();
    g.input("x", ["H"]);
    const big = g.op("Constant", [], { value: at.tensor("int64", [1], [9223372036854775807], true) });
    const y = g.op("Slice", ["x", g.ints("z", [1]), big]);
    const sum = g.op("Add", [big, g.ints("one", [1])]);
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["H - 1"]);
    expect(r.value(sum)).toBeUndefined();
  });

  it("an int64 initializer with an inexact sentinel is read through the decoded constant", () => {
    const g = new GraphBuilder();
    g.input("x", ["H"]);
    const e = g.init("e", "int64", [1], [9223372036854775807], true);
    const y = g.op("Slice", ["x", g.ints("z", [2]), e]);
    expect(g.run(13).shape(y)).toEqual(["max(0, H - 2)"]);
  });
});

describe("If", () => {
  function branch(name: string, dims: number[], outName: string): GraphBuilder {
    const b = new GraphBuilder(name);
    b.node("Constant", [], [outName], { value: at.tensor("float32", dims, new Array(dims.reduce((p, d) => p * d, 1)).fill(0)) });
    b.output(outName);
    return b;
  }

  it("merges both branches when the condition is unknown: equal dims kept, others unknown", () => {
    const g = new GraphBuilder();
    g.input("c", [], "bool");
    const y = g.op("If", ["c"], { then_branch: at.graph(branch("t", [2, 3], "a").graph()), else_branch: at.graph(branch("e", [2, 4], "b").graph()) });
    const z = g.op("If", ["c"], { then_branch: at.graph(branch("t2", [2], "p").graph()), else_branch: at.graph(branch("e2", [2, 1], "q").graph()) });
    const r = g.run(13);
    expect(r.shape(y)).toEqual(["2", "?"]);
    expect(r.shape(z)).toBeNull();
  });

  it("propagates only the taken branch when the condition is known, with outer-scope shapes", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", "H"]);
    const t = new GraphBuilder("then");
    t.node("Transpose", ["x"], ["tx"]);
    t.output("tx");
    const e = new GraphBuilder("else");
    e.node("Identity", ["x"], ["ex"]);
    e.output("ex");
    const cond = g.op("Equal", [g.ints("one", [1], true), g.ints("uno", [1], true)]);
    const y = g.op("If", [cond], { then_branch: at.graph(t.graph()), else_branch: at.graph(e.graph()) });
    const r = g.run(13);
    expect(r.value(cond)).toEqual(["1"]);
    expect(r.shape(y)).toEqual(["H", "N"]);
  });
});

describe("Loop and Scan", () => {
  it("Loop: invariant carried shapes are kept; scan outputs get the trip count of a for-loop", () => {
    const body = new GraphBuilder("body");
    body.input("i", [], "int64");
    body.input("cin", [], "bool");
    body.input("acc", null);
    body.node("Identity", ["cin"], ["cout"]);
    body.node("Add", ["acc", "acc"], ["acc2"]);
    body.node("ReduceSum", ["acc2"], ["red"], { keepdims: at.int(0) });
    for (const o of ["cout", "acc2", "red"]) body.output(o);
    const g = new GraphBuilder();
    g.input("x", ["N", 4]);
    const [fin, scan] = g.node("Loop", [g.ints("m", [5], true), "", "x"], 2, { body: at.graph(body.graph()) });
    const r = g.run(13);
    expect(r.shape(fin!)).toEqual(["N", "4"]);
    expect(r.shape(scan!)).toEqual(["5"]);
    const g2 = new GraphBuilder();
    g2.input("x", ["N", 4]);
    g2.input("c", [], "bool");
    const [, scan2] = g2.node("Loop", [g2.ints("m", [5], true), "c", "x"], 2, { body: at.graph(body.graph()) });
    expect(g2.run(13).shape(scan2!)).toEqual(["?"]);
  });

  it("Loop: a true condition the body keeps true (cond_out = Identity(cond_in)) runs all M iterations; false runs none", () => {
    const body = new GraphBuilder("body");
    body.input("i", [], "int64");
    body.input("cin", [], "bool");
    body.input("y", null);
    body.node("Identity", ["cin"], ["cout"]);
    body.node("Add", ["y", "y"], ["y2"]);
    body.node("Identity", ["y2"], ["s"]);
    for (const o of ["cout", "y2", "s"]) body.output(o);
    const build = (cond: number | null) => {
      const g = new GraphBuilder();
      g.input("x", [1]);
      const c = cond === null ? g.input("c", [], "bool") : g.init("c", "bool", [], [cond]);
      const [fin, scan] = g.node("Loop", [g.ints("m", [5], true), c, "x"], 2, { body: at.graph(body.graph()) });
      const r = g.run(11);
      return [r.shape(fin!), r.shape(scan!)];
    };
    expect(build(1)).toEqual([["1"], ["5", "1"]]);
    expect(build(null)).toEqual([["1"], ["?", "1"]]);
    expect(build(0)).toEqual([["1"], null]);
  });

  it("Loop: a carried value that grows is unknown along the growing axis", () => {
    const body = new GraphBuilder("body");
    body.input("i", [], "int64");
    body.input("cin", [], "bool");
    body.input("acc", null);
    body.node("Identity", ["cin"], ["cout"]);
    body.node("Concat", ["acc", "acc"], ["grown"], { axis: at.int(0) });
    for (const o of ["cout", "grown"]) body.output(o);
    const g = new GraphBuilder();
    g.input("x", [2, 4]);
    const [fin] = g.node("Loop", ["", g.init("t", "bool", [], [1]), "x"], 1, { body: at.graph(body.graph()) });
    expect(g.run(13).shape(fin!)).toEqual(["?", "4"]);
  });

  it("Scan (9+): states and scan outputs with the sequence length; Scan-8 with its batch axis", () => {
    const body = new GraphBuilder("body");
    body.input("s", null);
    body.input("xt", null);
    body.node("Add", ["s", "xt"], ["s2"]);
    body.node("Identity", ["s2"], ["o"]);
    body.output("s2");
    body.output("o");
    const g = new GraphBuilder();
    g.input("init", [2]);
    g.input("x", ["T", 2]);
    const [y, z] = g.node("Scan", ["init", "x"], 2, { body: at.graph(body.graph()), num_scan_inputs: at.int(1) });
    const [, w] = g.node("Scan", ["init", "x"], 2, { body: at.graph(body.graph()), num_scan_inputs: at.int(1), scan_output_axes: at.ints([1]) });
    const r = g.run(11);
    expect(r.shape(y!)).toEqual(["2"]);
    expect(r.shape(z!)).toEqual(["T", "2"]);
    expect(r.shape(w!)).toEqual(["2", "T"]);
    const g8 = new GraphBuilder();
    g8.input("init", [1, 2]);
    g8.input("x", [1, "T", 2]);
    const [y8, z8] = g8.node("Scan", ["", "init", "x"], 2, { body: at.graph(body.graph()), num_scan_inputs: at.int(1) });
    const r8 = g8.run(8);
    expect(r8.shape(y8!)).toEqual(["1", "2"]);
    expect(r8.shape(z8!)).toEqual(["1", "T", "2"]);
  });
});
