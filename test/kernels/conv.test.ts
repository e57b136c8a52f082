import { afterEach, describe, expect, it } from "vitest";
import { conv, convDirect, convTranspose, convTransposeDirect, type ConvTransposeAttrs } from "../../src/kernels/conv.js";
import { RuntimeShapeError } from "../../src/kernels/errors.js";
import { gemmBackend, setGemmBackend, sgemm } from "../../src/kernels/gemm.js";
import { floatTensor, mulberry32, randomFloat } from "../../src/kernels/tensor.js";
import { expectClose } from "./helpers.js";

afterEach(() => setGemmBackend(null));

describe("sgemm", () => {
  for (const backend of ["wasm", "js"] as const) {
    it(`matches a double-precision triple loop (${backend}, odd sizes, transposes, accumulate)`, () => {
      setGemmBackend(backend);
      expect(gemmBackend()).toBe(backend);
      const rnd = mulberry32(7);
      // 1100 x 4096 exceeds the packed-A panel budget (2^22 floats): A is processed in row panels.
      for (const [M, N, K] of [[5, 9, 300], [67, 259, 13], [4, 8, 1], [1, 1000, 7], [130, 3, 520], [1100, 9, 4096]] as const) {
        for (const transA of M > 1000 ? [false] : [false, true]) {
          for (const transB of M > 1000 ? [true] : [false, true]) {
            const a = Float32Array.from({ length: M * K }, () => rnd() - 0.5);
            const b = Float32Array.from({ length: K * N }, () => rnd() - 0.5);
            const c0 = Float32Array.from({ length: M * N }, () => rnd() - 0.5);
            const c = c0.slice();
            sgemm(M, N, K, a, 0, transA ? M : K, transA, b, 0, transB ? K : N, transB, c, 0, N, true);
            const ref = new Float64Array(M * N);
            for (let i = 0; i < M; i++) {
              for (let j = 0; j < N; j++) {
                let s = c0[i * N + j] as number;
                for (let k = 0; k < K; k++) {
                  const av = transA ? a[k * M + i] : a[i * K + k];
                  const bv = transB ? b[j * K + k] : b[k * N + j];
                  s += (av as number) * (bv as number);
                }
                ref[i * N + j] = s;
              }
            }
            expectClose(c, ref, 1e-5, 1e-5, `M${M} N${N} K${K} tA${transA} tB${transB}`);
          }
        }
      }
    });
  }
});

interface Case {
  x: number[];
  w: number[];
  bias: boolean;
  attrs: ConvTransposeAttrs;
}

function randomCases(seed: number, count: number, transpose: boolean): Case[] {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const out: Case[] = [];
  while (out.length < count) {
    const rank = int(1, 3);
    const group = int(1, 3);
    const cinG = int(1, 3);
    const coutG = int(1, 3);
    const spatial = Array.from({ length: rank }, () => int(rank === 3 ? 2 : 3, rank === 3 ? 6 : 11));
    const kernel = Array.from({ length: rank }, () => int(1, 4));
    const strides = Array.from({ length: rank }, () => int(1, 3));
    const dilations = Array.from({ length: rank }, () => int(1, 2));
    const modes = ["NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"] as const;
    const autoPad = modes[int(0, modes.length - 1)] ?? "NOTSET";
    const attrs: { -readonly [K in keyof ConvTransposeAttrs]: ConvTransposeAttrs[K] } = { group, strides, dilations, autoPad };
    if (autoPad === "NOTSET") attrs.pads = Array.from({ length: 2 * rank }, (_, i) => int(0, Math.max(0, ((kernel[i % rank] as number) - 1) * (dilations[i % rank] as number))));
    if (transpose) {
      attrs.outputPadding = strides.map((s, i) => int(0, Math.max(s, dilations[i] as number) - 1));
      if (rnd() < 0.2) {
        attrs.outputShape = spatial.map((n, i) => (n - 1) * (strides[i] as number) + ((kernel[i] as number) - 1) * (dilations[i] as number) + 1 - int(0, 2) + int(0, 1));
      }
    }
    const x = [int(1, 2), cinG * group, ...spatial];
    const w = transpose ? [cinG * group, coutG, ...kernel] : [coutG * group, cinG, ...kernel];
    // Skip forward convs whose window does not fit (tested separately).
    if (!transpose && spatial.some((n, i) => n + (attrs.pads ? (attrs.pads[i] as number) + (attrs.pads[rank + i] as number) : 0) < ((kernel[i] as number) - 1) * (dilations[i] as number) + 1) && autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") continue;
    out.push({ x, w, bias: rnd() < 0.5, attrs });
  }
  return out;
}

describe("Conv GEMM path vs direct loops", () => {
  for (const backend of ["wasm", "js"] as const) {
    it(`agrees on 150 random 1-D/2-D/3-D convolutions (${backend})`, () => {
      setGemmBackend(backend);
      let i = 0;
      for (const c of randomCases(11, 150, false)) {
        const x = randomFloat(c.x, 100 + i);
        const w = randomFloat(c.w, 200 + i);
        const b = c.bias ? randomFloat([c.w[0] as number], 300 + i) : null;
        const got = conv(x, w, b, c.attrs);
        const ref = convDirect(x.dims, x.data, w.dims, w.data, b === null ? null : b.data, c.attrs);
        expect(got.dims, JSON.stringify(c)).toEqual(ref.dims);
        expectClose(got.data, ref.data, 1e-5, 1e-5, JSON.stringify(c));
        i++;
      }
    });
    it(`agrees on 150 random transposed convolutions (${backend})`, () => {
      setGemmBackend(backend);
      let i = 0;
      for (const c of randomCases(12, 150, true)) {
        const x = randomFloat(c.x, 100 + i);
        const w = randomFloat(c.w, 200 + i);
        const b = c.bias ? randomFloat([(c.w[1] as number) * (c.attrs.group ?? 1)], 300 + i) : null;
        let ref;
        try {
          ref = convTransposeDirect(x.dims, x.data, w.dims, w.data, b === null ? null : b.data, c.attrs);
        } catch (e) {
          expect(e).toBeInstanceOf(RuntimeShapeError);
          expect(() => convTranspose(x, w, b, c.attrs)).toThrow(RuntimeShapeError);
          continue;
        }
        const got = convTranspose(x, w, b, c.attrs);
        expect(got.dims, JSON.stringify(c)).toEqual(ref.dims);
        expectClose(got.data, ref.data, 1e-5, 1e-5, JSON.stringify(c));
        i++;
      }
    });
  }
});

describe("transposed-conv sizes (DESIGN.md section 1 examples)", () => {
  const ones = (dims: number[]): ReturnType<typeof floatTensor> => floatTensor(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(1));
  it("23 -> Conv(k4, s3, VALID) -> 7 -> ConvTranspose(k4, s3) -> 22; output_padding 1 restores 23", () => {
    const x = ones([1, 1, 23, 23]);
    const w = ones([1, 1, 4, 4]);
    const y = conv(x, w, null, { strides: [3, 3], autoPad: "VALID" });
    expect(y.dims).toEqual([1, 1, 7, 7]);
    expect(convTranspose(y, w, null, { strides: [3, 3] }).dims).toEqual([1, 1, 22, 22]);
    expect(convTranspose(y, w, null, { strides: [3, 3], outputPadding: [1, 1] }).dims).toEqual([1, 1, 23, 23]);
    expect(convTranspose(y, w, null, { strides: [3, 3], outputShape: [24, 24] }).dims).toEqual([1, 1, 24, 24]);
  });
  it("MNIST decoder: 4 -> 8 -> 16 -> 32 with SAME (o = i*s)", () => {
    let t = ones([1, 1, 4, 4]);
    const w = ones([1, 1, 3, 3]);
    for (const want of [8, 16, 32]) {
      t = convTranspose(t, w, null, { strides: [2, 2], autoPad: "SAME_UPPER" });
      expect(t.dims).toEqual([1, 1, want, want]);
    }
  });
  it("SAME with a kernel shorter than the stride still gives i*s (spec; ORT gives full+op, D4)", () => {
    const y = convTranspose(ones([1, 1, 8]), ones([1, 1, 2]), null, { strides: [3], autoPad: "SAME_UPPER" });
    expect(y.dims).toEqual([1, 1, 24]);
  });
  it("output_shape beyond the full extent appends zeros at the end (floor split of a negative total, D10)", () => {
    const x = floatTensor([1, 1, 3], Float32Array.from([1, 2, 3]));
    const y = convTranspose(x, ones([1, 1, 3]), null, { strides: [3], outputShape: [10] });
    expect(Array.from(y.data)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 0]);
  });
  it("a conv window that does not fit is a RuntimeShapeError naming both shapes", () => {
    expect(() => conv(ones([1, 2, 3, 3]), ones([4, 2, 5, 5]), null)).toThrow(/\[1,2,3,3\] vs \[4,2,5,5\]/);
    expect(() => conv(ones([1, 3, 8, 8]), ones([4, 2, 3, 3]), null)).toThrow(RuntimeShapeError);
  });
});
