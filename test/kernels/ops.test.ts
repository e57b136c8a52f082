import { describe, expect, it } from "vitest";
import { binary, erf, gelu, variadic } from "../../src/kernels/elementwise.js";
import { RuntimeShapeError } from "../../src/kernels/errors.js";
import { matmul } from "../../src/kernels/matmul.js";
import { pad } from "../../src/kernels/pad.js";
import { averagePool, maxPool } from "../../src/kernels/pool.js";
import { RESIZE_DEFAULTS, resizeOutput, resizeTo } from "../../src/kernels/resize.js";
import { concat, reshape, slice, split, transpose } from "../../src/kernels/shape-ops.js";
import { floatTensor, roundToBfloat16, roundToHalf, tensorFrom, toNumbers } from "../../src/kernels/tensor.js";

const f = (dims: number[], values: number[]): ReturnType<typeof floatTensor> => floatTensor(dims, Float32Array.from(values));

describe("scalar math", () => {
  it("erf matches known values to 1e-14 relative, including the tails Gelu needs", () => {
    // erf(x) from Abramowitz & Stegun table 7.1 / high-precision references.
    const cases: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.5, 0.9995930479825550],
      [3, 0.9999779095030014],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, want] of cases) expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(1e-14 * Math.abs(want));
    // 1 + erf(-4/sqrt2) = erfc(4/sqrt2) = 6.334248366623996e-5: no cancellation loss beyond 1e-10.
    expect(Math.abs(1 + erf(-4 / Math.SQRT2) - 6.334248366623996e-5)).toBeLessThan(1e-10 * 6.3e-5 + 1e-16);
    expect(gelu(-4, "none")).toBeCloseTo(-4 * 0.5 * 6.334248366623996e-5, 12);
  });

  it("rounds to float16 and bfloat16 with ties to even", () => {
    expect(roundToHalf(1 + 2 ** -11)).toBe(1); // tie -> even (1.0)
    expect(roundToHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie -> even (odd -> up)
    expect(roundToHalf(65504)).toBe(65504);
    expect(roundToHalf(65519)).toBe(65504);
    expect(roundToHalf(65520)).toBe(Infinity);
    expect(roundToHalf(2 ** -24)).toBe(2 ** -24); // smallest subnormal
    expect(roundToHalf(2 ** -26)).toBe(0);
    expect(roundToHalf(-0.1)).toBe(-0.0999755859375);
    expect(roundToBfloat16(1 + 2 ** -8)).toBe(1);
    expect(roundToBfloat16(3.14159)).toBe(3.140625);
  });
});

describe("broadcasting and shape failures", () => {
  it("broadcasts numpy-style and names both shapes when it cannot", () => {
    const a = f([2, 1, 3], [1, 2, 3, 4, 5, 6]);
    const b = f([4, 1], [10, 20, 30, 40]);
    const y = binary("Add", a, b, "float32", (x, z) => x + z);
    expect(y.dims).toEqual([2, 4, 3]);
    expect(toNumbers(y).slice(0, 6)).toEqual([11, 12, 13, 21, 22, 23]);
    expect(() => binary("Add", f([1, 64, 22, 22], new Array(64 * 22 * 22).fill(0)), f([1, 64, 23, 23], new Array(64 * 23 * 23).fill(0)), "float32", (x, z) => x + z)).toThrow(
      "Add: incompatible dimensions 22 and 23 at axis 2 of the broadcast shape (shapes [1,64,22,22] vs [1,64,23,23])",
    );
    expect(toNumbers(variadic("Mean", [f([2], [1, 2]), f([1], [3]), f([2], [5, 1])]))).toEqual([3, 2]);
  });

  it("Reshape, Concat, Split, Slice, Transpose and MatMul fail with RuntimeShapeError", () => {
    const x = f([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(reshape(x, [3, -1]).dims).toEqual([3, 2]);
    expect(reshape(x, [0, 3]).dims).toEqual([2, 3]);
    expect(() => reshape(x, [4, -1])).toThrow(RuntimeShapeError);
    expect(() => concat([x, f([2, 2], [1, 2, 3, 4])], 0)).toThrow(RuntimeShapeError);
    expect(toNumbers(concat([x, f([2, 1], [7, 8])], 1))).toEqual([1, 2, 3, 7, 4, 5, 6, 8]);
    expect(split(x, 1, [1, 2]).map((t) => toNumbers(t))).toEqual([
      [1, 4],
      [2, 3, 5, 6],
    ]);
    expect(() => split(x, 1, [1, 1])).toThrow(RuntimeShapeError);
    expect(toNumbers(slice(x, [-1], [-10], [1], [-2]))).toEqual([3, 1, 6, 4]);
    expect(toNumbers(transpose(x))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(matmul(f([3], [1, 2, 3]), f([3], [4, 5, 6])).dims).toEqual([]);
    expect(toNumbers(matmul(f([3], [1, 2, 3]), f([3], [4, 5, 6])))).toEqual([32]);
    expect(matmul(f([5, 1, 2, 3], new Array(30).fill(1)), f([4, 3, 7], new Array(84).fill(1))).dims).toEqual([5, 4, 2, 7]);
    expect(() => matmul(x, x)).toThrow("MatMul: inner dimensions differ: [2,3] x [2,3] (3 vs 2)");
  });
});

describe("pad and pool details", () => {
  it("reflects repeatedly for long pads, crops with negative pads, keeps the dtype", () => {
    const x = tensorFrom("int32", [3], [1, 2, 3]);
    // numpy.pad([1, 2, 3], 5, "reflect")
    expect(toNumbers(pad(x, [5, 5], "reflect", 0))).toEqual([2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]);
    expect(toNumbers(pad(x, [2, 1], "edge", 0))).toEqual([1, 1, 1, 2, 3, 3]);
    expect(toNumbers(pad(x, [2, 2], "wrap", 0))).toEqual([2, 3, 1, 2, 3, 1, 2]);
    expect(toNumbers(pad(x, [-1, 1], "constant", 9))).toEqual([2, 3, 9]);
    expect(pad(x, [0, 0], "constant", 0).dtype).toBe("int32");
  });

  it("ceil_mode drops a last window that would start in the end padding (ONNX >= 1.16, PyTorch)", () => {
    // i=5, k=3, s=3, pads 1/1: floor gives 2, the ceil formula 3, and the third window would start
    // at padded index 6 = i + pad_begin, inside the end padding: dropped -> 2 (peers.md D11).
    const x = f([1, 1, 5], [1, 2, 3, 4, 5]);
    const y = maxPool(x, { kernelShape: [3], strides: [3], pads: [1, 1], ceilMode: true }).y;
    expect(y.dims).toEqual([1, 1, 2]);
    // i=6, k=3, s=2, pads 0/0, ceil: windows at 0, 2, 4 (partial, starts inside): 3 outputs.
    const z = averagePool(f([1, 1, 6], [1, 2, 3, 4, 5, 6]), { kernelShape: [3], strides: [2], ceilMode: true });
    expect(toNumbers(z)).toEqual([2, 4, 5.5]);
    // count_include_pad counts the pads but not the overhang past the end pad.
    const w = averagePool(f([1, 1, 5], [1, 2, 3, 4, 5]), { kernelShape: [3], strides: [2], pads: [1, 0], ceilMode: true, countIncludePad: true });
    expect(toNumbers(w)).toEqual([1, 3, 4.5]);
  });

  it("Resize from scales keeps the fractional length_resized for align_corners (spec) and the integer one from sizes", () => {
    const x = f([1, 4], [1, 2, 3, 4]);
    const at = { ...RESIZE_DEFAULTS, mode: "linear" as const, coordMode: "align_corners" as const };
    const s = resizeOutput(x.dims, [1, 0.6], null, null, "align_corners");
    expect(s.outDims).toEqual([1, 2]);
    expect(toNumbers(resizeTo(x, s.outDims, s.scales, null, at, s.lengths))).toEqual([1, Math.fround(1 + 3 / 1.4)]);
    const z = resizeOutput(x.dims, null, [1, 2], null, "align_corners");
    expect(toNumbers(resizeTo(x, z.outDims, z.scales, null, at, z.lengths))).toEqual([1, 4]);
  });
});
