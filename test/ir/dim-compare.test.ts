import { describe, expect, it } from "vitest";
import { compareDims, smallestSatisfying } from "../../src/ir/dim-compare.js";
import { add, ceilDiv, evalDim, floorDiv, min, mul, sub, sym } from "../../src/ir/dim.js";

const H = sym("H");
const W = sym("W");

describe("compareDims", () => {
  it("decides constants", () => {
    expect(compareDims(3, 3).verdict).toBe("always");
    expect(compareDims(3, 4).verdict).toBe("never");
  });

  it("an MNIST decoder returns H only for multiples of 8", () => {
    const decoded = mul(ceilDiv(ceilDiv(ceilDiv(H, 2), 2), 2), 8);
    const c = compareDims(decoded, H);
    expect(c.verdict).toBe("sometimes");
    expect(c.condition).toBe("H % 8 == 0");
    expect(c.smallestFailing).toEqual({ H: 1 });
    expect(c.smallestHolding).toEqual({ H: 8 });
    expect(c.symbols[0]).toMatchObject({ modulus: 8, residues: [0] });
  });

  it("the PyTorch output_size trap holds only for H % 3 == 2 (peers.md 2.4)", () => {
    const o = add(mul(floorDiv(sub(H, 4), 3), 3), 5);
    const c = compareDims(o, H, { from: { H: 4 } });
    expect(c.condition).toBe("H % 3 == 2");
    expect(c.smallestFailing).toEqual({ H: 4 });
    expect(c.smallestHolding).toEqual({ H: 5 });
  });

  it("identical expressions in different forms are always equal", () => {
    expect(compareDims(ceilDiv(ceilDiv(H, 2), 2), ceilDiv(H, 4)).verdict).toBe("always");
    expect(compareDims(floorDiv(add(H, 1), 2), ceilDiv(H, 2)).verdict).toBe("always");
    // 2*floor(H/2) + (H mod 2) == H for all H
    expect(compareDims(add(mul(floorDiv(H, 2), 2), sub(H, mul(floorDiv(H, 2), 2))), H).verdict).toBe("always");
  });

  it("never equal", () => {
    const c = compareDims(add(H, 1), H);
    expect(c.verdict).toBe("never");
    expect(c.smallestHolding).toBeNull();
    expect(compareDims(mul(ceilDiv(H, 2), 2), add(mul(H, 2), 1)).verdict).toBe("never");
  });

  it("min/max thresholds give ranges", () => {
    const c = compareDims(min(H, 7), H);
    expect(c.verdict).toBe("sometimes");
    expect(c.condition).toBe("H <= 7");
    expect(c.smallestFailing).toEqual({ H: 8 });
  });

  it("isolated solutions of a non-zero slope", () => {
    const c = compareDims(mul(H, 2), add(H, 5));
    expect(c.verdict).toBe("sometimes");
    expect(c.condition).toBe("H == 5");
  });

  it("several residues and a lower bound", () => {
    // floor(H/4)*4 + 2 == H holds for H % 4 == 2
    expect(compareDims(add(mul(floorDiv(H, 4), 4), 2), H).condition).toBe("H % 4 == 2");
    // ceil(H/2)*2 == H or H+1: compare with floor form -> odd sizes differ
    const c = compareDims(mul(floorDiv(H, 2), 2), sub(H, 0));
    expect(c.condition).toBe("H % 2 == 0");
  });

  it("agrees with brute force on random one-symbol comparisons", () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      let e = H;
      for (let step = 0; step < 3; step++) {
        const c = rnd(4) + 2;
        const op = rnd(4);
        e = op === 0 ? ceilDiv(e, c) : op === 1 ? floorDiv(add(e, rnd(5) - 2), c) : op === 2 ? mul(e, c) : add(e, rnd(7) - 3);
      }
      const target = add(mul(H, rnd(3)), rnd(5));
      const res = compareDims(e, target);
      expect(res.verdict).not.toBe("unknown");
      for (let h = 1; h < 400; h++) {
        const eq = evalDim(e, { H: h }) === evalDim(target, { H: h });
        const sc = res.symbols[0];
        let predicted: boolean;
        if (res.verdict === "always") predicted = true;
        else if (res.verdict === "never") predicted = false;
        else predicted = sc!.extra.includes(h) || (h >= sc!.from && sc!.residues.includes(h % sc!.modulus));
        expect(predicted, `${String(e)} vs ${String(target)} at H=${h}`).toBe(eq);
      }
    }
  });

  it("separable two-symbol differences combine per axis", () => {
    const c = compareDims(add(mul(ceilDiv(H, 2), 2), W), add(H, W));
    expect(c.condition).toBe("H % 2 == 0");
    expect(compareDims(add(H, W), add(W, H)).verdict).toBe("always");
    const hw = compareDims(H, W);
    expect(hw.verdict).toBe("sometimes");
    expect(hw.condition).toBe("H - W == 0");
  });
});

describe("smallestSatisfying", () => {
  it("finds the smallest input for which a VALID conv stack runs", () => {
    // two VALID k5 convs: H-4 >= 1 and H-8 >= 1
    const c1 = sub(H, 4);
    const c2 = sub(H, 8);
    expect(smallestSatisfying([{ dim: c1, min: 1 }, { dim: c2, min: 1 }], "H")).toBe(9);
    expect(smallestSatisfying([{ dim: add(floorDiv(sub(H, 4), 3), 1), min: 1 }], "H")).toBe(4);
  });
});

describe("conditions", () => {
  it("intersects residue conditions and lower bounds exactly", async () => {
    const { intersectConditions, describeCondition, complementCondition, smallestFailing, smallestHolding } = await import("../../src/ir/dim-compare.js");
    const even = { symbol: "H", from: 1, modulus: 2, residues: [0], extra: [], domainFrom: 1 };
    const mult8 = { symbol: "H", from: 1, modulus: 8, residues: [0], extra: [], domainFrom: 1 };
    const atLeast = { symbol: "H", from: 32, modulus: 1, residues: [0], extra: [], domainFrom: 1 };
    const mult16 = { symbol: "H", from: 1, modulus: 16, residues: [0], extra: [], domainFrom: 1 };
    const c = intersectConditions("H", [even, mult8, atLeast, mult16])!;
    expect(describeCondition(c)).toBe("H % 16 == 0 and H >= 32");
    expect(smallestHolding(c)).toBe(32);
    expect(smallestFailing(c)).toBe(1);
    expect(describeCondition(complementCondition(mult8))).toBe("H % 8 != 0");
    const notC = complementCondition(c);
    for (let h = 1; h < 100; h++) {
      const inC = h >= 32 && h % 16 === 0;
      const inNot = notC.extra.includes(h) || (h >= notC.from && notC.residues.includes(h % notC.modulus));
      expect(inNot).toBe(!inC);
    }
  });
});
