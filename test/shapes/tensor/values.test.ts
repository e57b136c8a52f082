import { describe, expect, it } from "vitest";
import { type Dim, add, floorDiv, formatDim, max, min, mul, sub, sym } from "../../../src/ir/dim.js";
import {
  type Scalar,
  absS,
  addS,
  bounds,
  ceilS,
  compareS,
  divS,
  floorS,
  modS,
  mulS,
  roundS,
  scalarsOf,
  signOf,
  truncS,
  valueOf,
} from "../../../src/shapes/ops/values.js";

const H = sym("H");
const W = sym("W");
const q = (num: Dim, den = 1): Scalar => (typeof num === "number" ? num / den : { num, den });
const text = (s: Scalar): string => (s === null ? "null" : typeof s === "number" ? String(s) : s.den === 1 ? formatDim(s.num) : `(${formatDim(s.num)})/${s.den}`);
const i64 = { dtype: "int64" } as const;
const f32 = { dtype: "float32" } as const;

describe("bounds and signs over positive symbols", () => {
  it("bounds linear forms", () => {
    expect(bounds(H)).toEqual({ lo: 1, hi: Infinity });
    expect(bounds(sub(H, 5))).toEqual({ lo: -4, hi: Infinity });
    expect(bounds(sub(3, H))).toEqual({ lo: -Infinity, hi: 2 });
    expect(bounds(sub(H, W))).toEqual({ lo: -Infinity, hi: Infinity });
  });

  it("relaxes floors so that H - 2*floor(H/2) (H mod 2) is in [0, 1]", () => {
    const r = sub(H, mul(floorDiv(H, 2), 2));
    expect(formatDim(r)).toBe("H - 2*floor(H/2)");
    expect(bounds(r)).toEqual({ lo: 0, hi: 1 });
    expect(signOf(r)).toBe("nonneg");
    expect(bounds(sub(floorDiv(H, 2), floorDiv(H, 3)))).toEqual({ lo: 0, hi: Infinity });
  });

  it("bounds min and max atoms", () => {
    expect(bounds(min(H, 7))).toEqual({ lo: 1, hi: 7 });
    expect(bounds(max(H, 7))).toEqual({ lo: 7, hi: Infinity });
    expect(signOf(sub(max(H, 7), H))).toBe("nonneg");
    expect(signOf(sub(min(H, 7), 8))).toBe("neg");
  });

  it("names the sign", () => {
    expect(signOf(add(H, 1))).toBe("pos");
    expect(signOf(sub(0, H))).toBe("neg");
    expect(signOf(sub(H, 1))).toBe("nonneg");
    expect(signOf(sub(1, H))).toBe("nonpos");
    expect(signOf(sub(H, 2))).toBe("unknown");
  });
});

describe("scalar arithmetic", () => {
  it("integer division truncates toward zero, symbolically only with a provable sign", () => {
    expect(divS(7, 2, i64)).toBe(3);
    expect(divS(-7, 2, i64)).toBe(-3);
    expect(divS(7, -2, i64)).toBe(-3);
    expect(divS(7, 0, i64)).toBeNull();
    expect(text(divS(q(H), 2, i64))).toBe("floor(H/2)");
    expect(text(divS(q(sub(0, H)), 2, i64))).toBe("-floor(H/2)");
    expect(text(divS(q(sub(H, mul(floorDiv(H, 2), 2))), 2, i64))).toBe("0");
    expect(divS(q(sub(H, W)), 2, i64)).toBeNull();
  });

  it("float division of a size is an exact rational, floored or ceiled exactly", () => {
    const half = divS(q(H), 2, f32);
    expect(text(half)).toBe("(H)/2");
    expect(text(floorS(half))).toBe("floor(H/2)");
    expect(text(ceilS(half))).toBe("ceil(H/2)");
    expect(text(floorS(mulS(q(H), 1.5, f32)))).toBe("H + floor(H/2)");
    expect(text(floorS(mulS(q(H), 2, f32)))).toBe("2*H");
    // 0.1 is not an exact binary fraction: unknown rather than approximate.
    expect(mulS(q(H), 0.1, f32)).toBeNull();
    expect(mulS(q(H), q(W), f32)).toBeNull();
  });

  it("rounds half to even, symbolically only without ties", () => {
    expect(roundS(2.5)).toBe(2);
    expect(roundS(3.5)).toBe(4);
    expect(roundS(-2.5)).toBe(-2);
    expect(text(roundS(q(H, 3)))).toBe("floor((H + 1)/3)");
    expect(roundS(q(H, 2))).toBeNull();
  });

  it("truncates and takes absolute values by sign", () => {
    expect(truncS(-2.7)).toBe(-2);
    expect(text(truncS(q(H, 4)))).toBe("floor(H/4)");
    expect(text(truncS(q(sub(0, H), 4)))).toBe("-floor(H/4)");
    expect(truncS(q(sub(H, W), 4))).toBeNull();
    expect(text(absS(q(sub(0, H))))).toBe("H");
    expect(absS(q(sub(H, 3)))).toBeNull();
  });

  it("Mod follows Python for fmod=0 and C for fmod=1", () => {
    const m = { dtype: "int64" } as const;
    expect(modS(-7, 3, false, m)).toBe(2);
    expect(modS(7, -3, false, m)).toBe(-2);
    expect(modS(-7, 3, true, m)).toBe(-1);
    expect(text(modS(q(H), 4, false, m))).toBe("H - 4*floor(H/4)");
  });

  it("adds rationals and overflow gives unknown", () => {
    expect(text(addS(q(H, 2), q(H, 2), f32))).toBe("H");
    expect(addS(2 ** 53, 2 ** 53, i64)).toBeNull();
    expect(addS(9223372036854775807, -1, i64)).toBeNull();
  });

  it("compares by provable sign", () => {
    expect(compareS(q(H), 0)).toBe("gt");
    expect(compareS(q(sub(H, 1)), 0)).toBe("ge");
    expect(compareS(q(H), q(W))).toBe("unknown");
    expect(compareS(q(add(H, 1)), q(H))).toBe("gt");
    expect(compareS(q(H, 2), q(H, 2))).toBe("eq");
  });
});

describe("value arrays", () => {
  it("keeps non-integral symbolic rationals beside the public null", () => {
    const v = valueOf([q(H, 2), 3, q(H)], "float32");
    expect(v.map(formatDim)).toEqual(["?", "3", "H"]);
    const back = scalarsOf({ dtype: "float32", shape: [3], value: v });
    expect(back?.map(text)).toEqual(["(H)/2", "3", "H"]);
  });

  it("integer tensors drop non-integral elements", () => {
    expect(valueOf([q(H, 2), 2.5, 4], "int64").map(formatDim)).toEqual(["?", "?", "4"]);
  });
});
