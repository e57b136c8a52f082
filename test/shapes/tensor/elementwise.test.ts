import { describe, expect, it } from "vitest";
import { GraphBuilder, at } from "./helpers.js";

function binary(op: string, a: (number | string | null)[] | null, b: (number | string | null)[] | null, opset = 17, attrs = {}) {
  const g = new GraphBuilder();
  g.input("a", a);
  g.input("b", b);
  const y = g.op(op, ["a", "b"], attrs);
  return { r: g.run(opset), y };
}

describe("numpy broadcasting", () => {
  it("broadcasts size-1 and missing leading dims", () => {
    const { r, y } = binary("Add", ["N", 3, "H", "W"], [3, 1, 1]);
    expect(r.shape(y)).toEqual(["N", "3", "H", "W"]);
    expect(r.codes()).toEqual([]);
  });

  it("keeps the non-1 dim and writes max() for two symbols that may broadcast", () => {
    expect(binary("Mul", ["H", 1], [1, "W"]).r.shape("mul0_0")).toEqual(["H", "W"]);
    const { r, y } = binary("Sub", ["H"], ["W"]);
    expect(r.shape(y)).toEqual(["max(H, W)"]);
    expect(r.codes()).toEqual([]);
  });

  it("a concrete non-1 dim wins over a symbol", () => {
    const { r, y } = binary("Add", ["H", 4], [5, "W"]);
    expect(r.shape(y)).toEqual(["5", "4"]);
    expect(r.codes()).toEqual([]);
  });

  it("unknown is not an error: an unknown dim against a symbol stays unknown", () => {
    const g = new GraphBuilder();
    g.input("x", [3, 4]);
    g.input("a", ["H", 1]);
    const nz = g.op("NonZero", ["x"]); // [2, ?]
    const t = g.op("Transpose", [nz]); // [?, 2]
    const y = g.op("Add", ["a", t]);
    const z = g.op("Add", [t, g.init("c", "float32", [5, 1, 1], new Array(5).fill(0))]);
    const r = g.run(17);
    expect(r.shape(t)).toEqual(["?", "2"]);
    expect(r.shape(y)).toEqual(["?", "2"]);
    expect(r.shape(z)).toEqual(["5", "?", "2"]);
    expect(r.codes()).toEqual([]);
    expect(binary("Add", null, [3]).r.shape("add0_0")).toBeNull();
  });

  it("reports a provable mismatch of concrete dims with axis, dims and inputs", () => {
    const { r, y } = binary("Add", [1, 22, 8], [23, 8]);
    expect(r.shape(y)).toEqual(["1", "?", "8"]);
    expect(r.codes()).toEqual(["BROADCAST_MISMATCH"]);
    const c = r.r.contradictions[0]!;
    expect(c.data).toEqual({ axis: 1, dims: [22, 23], inputs: ["a", "b"] });
  });

  it("reports symbolic dims that differ by a constant only when neither can be 1", () => {
    const g = new GraphBuilder();
    g.input("a", ["H"]);
    const two = g.init("two", "int64", [], [2]);
    void two;
    // [H] + [H+1]: H may be 1, so [1] + [2] is legal: nothing to report.
    const s = g.op("Shape", ["a"]);
    const p1 = g.op("Add", [s, g.ints("one", [1])]);
    const t = g.op("ConstantOfShape", [p1]);
    const y = g.op("Add", ["a", t]);
    // [2H] + [2H+2]: both are at least 2 and never equal.
    const d2 = g.op("Mul", [s, g.ints("k2", [2])]);
    const d3 = g.op("Add", [d2, g.ints("k3", [2])]);
    const u = g.op("ConstantOfShape", [d2]);
    const v = g.op("ConstantOfShape", [d3]);
    const z = g.op("Add", [u, v]);
    const r = g.run(17);
    expect(r.shape(y)).toEqual(["H + 1"]);
    expect(r.shape(z)).toEqual(["?"]);
    expect(r.codes()).toEqual(["BROADCAST_MISMATCH"]);
    expect(r.r.contradictions[0]!.data).toMatchObject({ axis: 0, inputs: [u, v] });
    expect(r.r.contradictions[0]!.message).toContain("2*H with 2*H + 2");
  });

  it("Where broadcasts three ways and takes X's dtype", () => {
    const g = new GraphBuilder();
    g.input("c", [1, "W"], "bool");
    g.input("x", ["H", 1], "int64");
    g.input("y", [], "int64");
    const w = g.op("Where", ["c", "x", "y"]);
    const r = g.run(17);
    expect(r.shape(w)).toEqual(["H", "W"]);
    expect(r.dtype(w)).toBe("int64");
  });

  it("comparisons and logic give bool", () => {
    for (const op of ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"]) {
      const { r, y } = binary(op, [2, 3], [3]);
      expect(r.dtype(y)).toBe("bool");
      expect(r.shape(y)).toEqual(["2", "3"]);
    }
  });

  it("variadic Max/Min/Sum/Mean broadcast all inputs from opset 8 and need equal shapes before", () => {
    const g = new GraphBuilder();
    g.input("a", [4, 1]);
    g.input("b", [5]);
    g.input("c", [1, 1]);
    const y = g.op("Sum", ["a", "b", "c"]);
    expect(g.run(8).shape(y)).toEqual(["4", "5"]);
    const r6 = g.run(6);
    expect(r6.codes()).toContain("BROADCAST_MISMATCH");
  });

  it("legacy broadcast (opset < 7): B matches a run of A's dims at axis", () => {
    const { r, y } = binary("Add", [2, 3, 4, 5], [3, 4], 6, { broadcast: at.int(1), axis: at.int(1) });
    expect(r.shape(y)).toEqual(["2", "3", "4", "5"]);
    expect(r.codes()).toEqual([]);
    const bad = binary("Mul", [2, 3, 4, 5], [3, 4], 6, { broadcast: at.int(1) });
    expect(bad.r.codes()).toEqual(["BROADCAST_MISMATCH", "BROADCAST_MISMATCH"]);
    expect(bad.r.r.contradictions[0]!.data).toEqual({ axis: 2, dims: [4, 3], inputs: ["a", "b"] });
    const noBroadcast = binary("Add", [2, 3], [3], 6);
    expect(noBroadcast.r.codes()).toEqual(["BROADCAST_MISMATCH"]);
  });

  it("unary math ops keep shape and dtype; IsNaN/IsInf give bool", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3]);
    const outs = ["Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Erf"].map((op) => g.op(op, ["x"]));
    const nan = g.op("IsNaN", ["x"]);
    const inf = g.op("IsInf", ["x"]);
    const r = g.run(17);
    for (const o of outs) {
      expect(r.shape(o)).toEqual(["N", "3"]);
      expect(r.dtype(o)).toBe("float32");
    }
    expect(r.dtype(nan)).toBe("bool");
    expect(r.dtype(inf)).toBe("bool");
    expect(r.facts("unmodelled-attribute")).toEqual([]);
  });
});

describe("elementwise values", () => {
  it("evaluates integer arithmetic on shape values, with broadcasting", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const a = g.op("Add", [s, g.ints("one", [1], true)]);
    const m = g.op("Mul", [s, g.ints("two", [1, 1, 2, 2])]);
    const d = g.op("Div", [m, g.ints("four", [4], true)]);
    const mx = g.op("Max", [s, g.ints("seven", [7], true)]);
    const mn = g.op("Min", [s, g.ints("five", [5], true)]);
    const r = g.run(17);
    expect(r.value(a)).toEqual(["N + 1", "4", "H + 1", "W + 1"]);
    expect(r.value(m)).toEqual(["N", "3", "2*H", "2*W"]);
    expect(r.value(d)).toEqual(["floor(N/4)", "0", "floor(H/2)", "floor(W/2)"]);
    expect(r.value(mx)).toEqual(["max(7, N)", "7", "max(7, H)", "max(7, W)"]);
    expect(r.value(mn)).toEqual(["min(5, N)", "3", "min(5, H)", "min(5, W)"]);
  });

  it("comparisons decide what is provable", () => {
    const g = new GraphBuilder();
    g.input("x", ["H", 4]);
    const s = g.op("Shape", ["x"]);
    const eq = g.op("Equal", [s, g.ints("c4", [4], true)]);
    const lt = g.op("Less", [s, g.ints("c0", [0], true)]);
    const ge = g.op("GreaterOrEqual", [s, g.ints("c1", [1], true)]);
    const nt = g.op("Not", [lt]);
    const w = g.op("Where", [lt, g.ints("z", [0], true), s]);
    const r = g.run(17);
    expect(r.value(eq)).toEqual(["?", "1"]);
    expect(r.value(lt)).toEqual(["0", "0"]);
    expect(r.value(ge)).toEqual(["1", "1"]);
    expect(r.value(nt)).toEqual(["1", "1"]);
    expect(r.value(w)).toEqual(["H", "4"]);
  });

  it("Mod, Abs, Neg, Sign and Clip on values", () => {
    const g = new GraphBuilder();
    g.input("x", ["H", 6]);
    const s = g.op("Shape", ["x"]);
    const m = g.op("Mod", [s, g.ints("k", [4], true)]);
    const n = g.op("Neg", [s]);
    const ab = g.op("Abs", [n]);
    const sg = g.op("Sign", [n]);
    const c = g.op("Clip", [s, g.ints("lo", [2], true), g.ints("hi", [5], true)]);
    const r = g.run(13);
    expect(r.value(m)).toEqual(["H - 4*floor(H/4)", "2"]);
    expect(r.value(n)).toEqual(["-H", "-6"]);
    expect(r.value(ab)).toEqual(["H", "6"]);
    expect(r.value(sg)).toEqual(["-1", "-1"]);
    expect(r.value(c)).toEqual(["min(5, max(2, H))", "5"]);
  });

  it("float values are rounded to float32 and Pow/Sqrt evaluate concretely", () => {
    const g = new GraphBuilder();
    const a = g.init("a", "float32", [2], [0.1, 4]);
    const b = g.init("b", "float32", [2], [0.2, 0.5]);
    const s = g.op("Add", [a, b]);
    const p = g.op("Pow", [a, b]);
    const q = g.op("Sqrt", [b]);
    const r = g.run(17);
    expect(r.value(s)).toEqual([String(Math.fround(0.1 + 0.2)), "4.5"]);
    expect(r.value(p)![1]).toBe("2");
    expect(r.value(q)).toEqual([String(Math.fround(Math.sqrt(0.2))), String(Math.fround(Math.sqrt(0.5)))]);
  });

  it("bitwise ops and BitShift on concrete integers", () => {
    const g = new GraphBuilder();
    const a = g.init("a", "uint8", [2], [12, 200]);
    const b = g.init("b", "uint8", [2], [2, 1]);
    const l = g.op("BitShift", [a, b], { direction: at.str("LEFT") });
    const rr = g.op("BitShift", [a, b], { direction: at.str("RIGHT") });
    const x = g.op("BitwiseXor", [a, b]);
    const n = g.op("BitwiseNot", [a]);
    const sum = g.op("Add", [a, a]);
    const r = g.run(18);
    // 200 + 200 wraps in uint8: not modelled, so unknown rather than 400.
    expect(r.value(sum)).toEqual(["24", "?"]);
    expect(r.value(l)).toEqual(["48", "144"]);
    expect(r.value(rr)).toEqual(["3", "100"]);
    expect(r.value(x)).toEqual(["14", "201"]);
    expect(r.value(n)).toEqual(["243", "55"]);
  });
});

describe("Cast, CastLike, Identity", () => {
  it("Cast sets the dtype (enum from opset 6, name in opset 1) and converts values", () => {
    const g = new GraphBuilder();
    g.input("x", ["H", 5]);
    const s = g.op("Shape", ["x"]);
    const f = g.op("Cast", [s], { to: at.int(1) });
    const h = g.op("Div", [f, g.init("two", "float32", [], [2])]);
    const back = g.op("Cast", [h], { to: at.int(7) });
    const bool = g.op("Cast", [s], { to: at.int(9) });
    const r = g.run(13);
    expect(r.dtype(f)).toBe("float32");
    expect(r.value(f)).toEqual(["H", "5"]);
    // H/2 is not an integer: public value unknown, but truncation to int64 is exact (H > 0).
    expect(r.value(h)).toEqual(["?", "2.5"]);
    expect(r.value(back)).toEqual(["floor(H/2)", "2"]);
    expect(r.value(bool)).toEqual(["1", "1"]);
    const g1 = new GraphBuilder();
    g1.input("x", [2]);
    const y = g1.op("Cast", ["x"], { to: at.str("INT32") });
    expect(g1.run(1).dtype(y)).toBe("int32");
  });

  it("an out-of-range integer cast is unknown rather than wrapped", () => {
    const g = new GraphBuilder();
    const a = g.init("a", "int64", [2], [300, -5]);
    const u8 = g.op("Cast", [a], { to: at.int(2) });
    const i8 = g.op("Cast", [a], { to: at.int(3) });
    const r = g.run(13);
    expect(r.value(u8)).toBeUndefined();
    expect(r.value(i8)).toEqual(["?", "-5"]);
  });

  it("CastLike takes the second input's dtype; Identity passes shape and value", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 2]);
    g.input("t", [1], "int32");
    const s = g.op("Shape", ["x"]);
    const c = g.op("CastLike", [s, "t"]);
    const i = g.op("Identity", [s]);
    const r = g.run(15);
    expect(r.dtype(c)).toBe("int32");
    expect(r.value(c)).toEqual(["N", "2"]);
    expect(r.value(i)).toEqual(["N", "2"]);
    expect(r.shape(i)).toEqual(["2"]);
  });
});
