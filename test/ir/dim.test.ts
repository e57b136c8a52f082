import { describe, expect, it } from "vitest";
import { DimOverflowError } from "../../src/ir/checked-int.js";
import { add, ceilDiv, evalDim, floorDiv, formatDim, max, min, mul, sub, substitute, sym, symbolsOf } from "../../src/ir/dim.js";

const H = sym("H");
const W = sym("W");

describe("dim algebra", () => {
  it("keeps integers as integers", () => {
    expect(add(3, 4)).toBe(7);
    expect(floorDiv(-7, 2)).toBe(-4);
    expect(ceilDiv(7, 2)).toBe(4);
    expect(sub(add(H, 3), H)).toBe(3);
  });

  it("collapses nested ceil divisions: ceil(ceil(H/2)/2) == ceil(H/4)", () => {
    expect(formatDim(ceilDiv(ceilDiv(H, 2), 2))).toBe("ceil(H/4)");
    expect(formatDim(ceilDiv(ceilDiv(ceilDiv(H, 2), 2), 2))).toBe("ceil(H/8)");
    expect(formatDim(floorDiv(floorDiv(H, 2), 2))).toBe("floor(H/4)");
  });

  it("pulls multiples of the divisor out of a floor", () => {
    expect(formatDim(floorDiv(add(mul(H, 4), 6), 4))).toBe("H + 1");
    expect(formatDim(floorDiv(add(mul(H, 2), 2), 4))).toBe("ceil(H/2)");
    expect(formatDim(floorDiv(add(mul(H, 2), 3), 4))).toBe("ceil(H/2)");
  });

  it("writes the PyTorch export trap of peers.md 2.4 in its simplest form", () => {
    const o = add(mul(floorDiv(sub(H, 4), 3), 3), 5);
    expect(formatDim(o)).toBe("3*ceil(H/3) - 1");
    for (const h of [4, 5, 6, 23, 24, 25]) expect(evalDim(o, { H: h })).toBe(3 * Math.floor((h - 4) / 3) + 5);
  });

  it("evaluates exactly against brute force on random expressions", () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let trial = 0; trial < 300; trial++) {
      let e = H;
      let f = (h: number) => h;
      for (let step = 0; step < 4; step++) {
        const op = rnd(5);
        const c = rnd(7) + 1;
        const g = f;
        if (op === 0) { e = add(e, c - 3); f = (h) => g(h) + c - 3; }
        else if (op === 1) { e = mul(e, c); f = (h) => g(h) * c; }
        else if (op === 2) { e = floorDiv(e, c); f = (h) => Math.floor(g(h) / c); }
        else if (op === 3) { e = ceilDiv(e, c); f = (h) => Math.ceil(g(h) / c); }
        else { e = max(e, c); f = (h) => Math.max(g(h), c); }
      }
      for (let h = 1; h < 60; h++) expect(evalDim(e, { H: h })).toBe(f(h) + 0);
    }
  });

  it("min/max drop arguments at a constant distance", () => {
    expect(formatDim(min(H, add(H, 1)))).toBe("H");
    expect(formatDim(max(H, add(H, 1)))).toBe("H + 1");
    expect(formatDim(min(H, 7))).toBe("min(7, H)");
    expect(evalDim(min(H, 7), { H: 3 })).toBe(3);
  });

  it("substitutes and lists symbols", () => {
    const e = add(ceilDiv(H, 2), W);
    expect([...symbolsOf(e)].sort()).toEqual(["H", "W"]);
    expect(substitute(e, new Map([["H", 9], ["W", 1]]))).toBe(6);
    expect(formatDim(substitute(e, new Map([["H", sym("X")]])))).toBe("W + ceil(X/2)");
  });

  it("rejects overflow", () => {
    expect(() => mul(2 ** 52, 4)).toThrow(DimOverflowError);
    expect(() => mul(H, 2 ** 53)).toThrow(DimOverflowError);
  });
});
