import { describe, expect, it } from "vitest";
import { evalDim, sym } from "../../../src/ir/dim.js";
import { sliceAxis } from "../../../src/shapes/ops/slice.js";
import { GraphBuilder, at } from "./helpers.js";

const INT64_MAX = 9223372036854775807;
const INT64_MIN = -9223372036854775808;

/** Reference length of Python/numpy `range(d)[s:e:t]` (ONNX Slice semantics). */
function refLen(d: number, s: number, e: number, t: number): number {
  const norm = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
  const start = t > 0 ? norm(s, 0, d) : norm(s, 0, d - 1);
  const end = t > 0 ? norm(e, 0, d) : norm(e, -1, d - 1);
  return Math.max(0, t > 0 ? Math.ceil((end - start) / t) : Math.ceil((start - end) / -t));
}

function slice(shape: (number | string)[], starts: number[], ends: number[], axes?: number[], steps?: number[], opset = 13) {
  const g = new GraphBuilder();
  g.input("x", shape);
  const ins = ["x", g.ints("s", starts), g.ints("e", ends)];
  if (axes) ins.push(g.ints("a", axes));
  if (steps) {
    if (!axes) ins.push("");
    ins.push(g.ints("t", steps));
  }
  const y = g.op("Slice", ins);
  return g.run(opset).shape(y);
}

describe("Slice on concrete sizes", () => {
  it("matches the reference for negative indices, clamping and negative steps", () => {
    const cases: [number, number, number][] = [];
    const idx = [-12, -10, -3, -1, 0, 1, 2, 5, 9, 10, 12];
    for (const d of [1, 4, 10]) {
      for (const s of idx) for (const e of idx) for (const t of [1, 2, 3, -1, -2]) cases.push([s, e, t]);
      for (const [s, e, t] of cases) {
        const r = sliceAxis(d, s, e, t);
        expect(r.len, `d=${d} ${s}:${e}:${t}`).toBe(refLen(d, s, e, t));
      }
    }
  });

  it("handles ONNX backend-test style slices (default axes/steps, INT64 sentinels)", () => {
    expect(slice([20, 10, 5], [0, 0], [3, 10], [0, 1], [1, 1])).toEqual(["3", "10", "5"]);
    expect(slice([20, 10, 5], [0, 0, 3], [20, 10, 4])).toEqual(["20", "10", "1"]);
    expect(slice([20, 10, 5], [1], [1000], [1], [1])).toEqual(["20", "9", "5"]);
    expect(slice([20, 10, 5], [1000], [1000], [1], [1])).toEqual(["20", "0", "5"]);
    expect(slice([20, 10, 5], [20, 10, 4], [0, 0, 1], [0, 1, 2], [-1, -3, -2])).toEqual(["19", "3", "2"]);
    expect(slice([20, 10, 5], [0], [-1], [1], [1])).toEqual(["20", "9", "5"]);
    expect(slice([20, 10, 5], [0, 0, 3], [20, 10, 4], [0, -2, -1])).toEqual(["20", "10", "1"]);
  });

  it("opset 1 reads starts/ends/axes attributes", () => {
    const g = new GraphBuilder();
    g.input("x", [20, 10, 5]);
    const y = g.op("Slice", ["x"], { starts: at.ints([0, 0]), ends: at.ints([3, 10]), axes: at.ints([0, 1]) });
    expect(g.run(1).shape(y)).toEqual(["3", "10", "5"]);
  });
});

describe("Slice on symbolic sizes", () => {
  const H = sym("H");
  it("to the end, from the end, and reversing", () => {
    expect(slice(["N", "H"], [1], [INT64_MAX], [1])).toEqual(["N", "H - 1"]);
    expect(slice(["N", "H"], [0], [INT64_MAX], [1], [2])).toEqual(["N", "ceil(H/2)"]);
    expect(slice(["N", "H"], [-1], [INT64_MIN], [1], [-1])).toEqual(["N", "H"]);
    expect(slice(["N", "H"], [-3], [INT64_MAX], [-1])).toEqual(["N", "min(3, H)"]);
    expect(slice(["N", "H"], [0], [-1], [1])).toEqual(["N", "H - 1"]);
    expect(slice(["N", "H"], [2], [5], [1])).toEqual(["N", "max(0, min(5, H) - 2)"]);
  });

  it("keeps min/max exact: every symbolic length agrees with the reference", () => {
    const idx = [-7, -3, -1, 0, 1, 2, 5, INT64_MAX, INT64_MIN];
    for (const s of idx) {
      for (const e of idx) {
        for (const t of [1, 2, -1, -3]) {
          const r = sliceAxis(H, s, e, t);
          expect(r.len, `${s}:${e}:${t}`).not.toBeNull();
          for (const h of [1, 2, 3, 4, 6, 9]) {
            const clip = (v: number) => (v >= 2 ** 31 ? h + 100 : v <= -(2 ** 31) ? -(h + 100) : v);
            expect(evalDim(r.len!, { H: h }), `H=${h} ${s}:${e}:${t}`).toBe(refLen(h, clip(s), clip(e), t));
          }
        }
      }
    }
  });

  it("takes symbolic ends from values (x[:, :, :skip.size(2)])", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 4, "H", "W"]);
    g.input("skip", ["N", 4, "h", "w"]);
    const ss = g.op("Shape", ["skip"]);
    const hw = g.op("Slice", [ss, g.ints("a", [2]), g.ints("b", [4])]);
    const y = g.op("Slice", ["x", g.ints("z", [0, 0]), hw, g.ints("ax", [2, 3])]);
    const r = g.run(13);
    expect(r.value(hw)).toEqual(["h", "w"]);
    expect(r.shape(y)).toEqual(["N", "4", "min(H, h)", "min(W, w)"]);
  });

  it("unknown starts leave the sliced axes unknown, the others known", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 4, "H"]);
    g.input("st", [1], "int64");
    const y = g.op("Slice", ["x", "st", g.ints("e", [3]), g.ints("a", [1])]);
    expect(g.run(13).shape(y)).toEqual(["N", "?", "H"]);
  });

  it("slices values: Shape[2:], reversed with step -1", () => {
    const g = new GraphBuilder();
    g.input("x", ["N", 3, "H", "W"]);
    const s = g.op("Shape", ["x"]);
    const tail = g.op("Slice", [s, g.ints("a", [2]), g.ints("b", [INT64_MAX])]);
    const rev = g.op("Slice", [s, g.ints("c", [-1]), g.ints("d", [-9223372036854775807]), g.ints("ax", [0]), g.ints("st", [-1])]);
    const m = g.init("m", "int64", [2, 3], [1, 2, 3, 4, 5, 6]);
    const col = g.op("Slice", [m, g.ints("e", [1]), g.ints("f", [3]), g.ints("g", [1])]);
    const r = g.run(13);
    expect(r.value(tail)).toEqual(["H", "W"]);
    expect(r.value(rev)).toEqual(["W", "H", "3", "N"]);
    expect(r.shape(col)).toEqual(["2", "2"]);
    expect(r.value(col)).toEqual(["2", "3", "5", "6"]);
  });
});
