/** Formula text of findings evaluated at concrete sizes, against `evalDim` on the dims themselves. */
import { describe, expect, it } from "vitest";
import { type Dim, add, ceilDiv, evalDim, floorDiv, formatDim, max, min, mul, sub, sym } from "../../src/ir/dim.js";
import { evalJsonDim, evalJsonShape } from "../../src/verify/formula.js";

const H = sym("H");
const W = sym("W");
const N = sym("input_1_H");

describe("evalJsonDim", () => {
  it("reads back every form formatDim writes", () => {
    const dims: Dim[] = [
      H,
      mul(H, 2),
      add(mul(H, 3), -1),
      sub(5, H),
      floorDiv(H, 4),
      mul(floorDiv(H, 4), 2),
      ceilDiv(W, 8),
      add(ceilDiv(ceilDiv(H, 2), 2), 1),
      floorDiv(add(H, 2), 3),
      floorDiv(add(mul(H, 2), W), 3),
      min(H, 7),
      max(add(H, 1), W),
      sub(mul(ceilDiv(H, 3), 3), 1),
      add(N, floorDiv(N, 2)),
      sub(H, mul(floorDiv(H, 8), 8)),
    ];
    for (const d of dims) {
      for (const [h, w, n] of [[1, 1, 1], [5, 9, 2], [33, 47, 17], [64, 7, 100]] as const) {
        const env = new Map([["H", h], ["W", w], ["input_1_H", n]]);
        expect(evalJsonDim(formatDim(d), env), `${formatDim(d)} at H=${h}, W=${w}`).toBe(evalDim(d, env));
      }
    }
  });

  it("unknown dims, unknown symbols and bad text give null", () => {
    const env = new Map([["H", 4]]);
    expect(evalJsonDim(null, env)).toBeNull();
    expect(evalJsonDim(7, env)).toBe(7);
    expect(evalJsonDim("W + 1", env)).toBeNull();
    expect(evalJsonDim("floor(H/0)", env)).toBeNull();
    expect(evalJsonDim("H +", env)).toBeNull();
    expect(evalJsonShape(["N", 1, "2*H", null], new Map([["N", 1], ["H", 4]]))).toEqual([1, 1, 8, null]);
    expect(evalJsonShape(null, env)).toBeNull();
  });
});
