/**
 * Cache-blocked float32 GEMM, `C = A * B`, in the classic packed form: A is packed once into
 * MR-row strips, B block by block (KC rows x NC columns) into NR-column strips, and an
 * MR x NR micro-kernel accumulates each tile of a small C staging block that stays in cache.
 *
 * Operands are supplied by callbacks, so that convolution never materialises its im2col matrix
 * (the B packer reads the input image directly) and the transposed convolution scatters each
 * finished C block straight into its output (col2im in the sink).
 *
 * The micro-kernel is WebAssembly SIMD when available (`wasm-gemm.ts`) and the unrolled
 * Float32Array loop below otherwise; both see the same packed layout in the same arena.
 */
import { WASM_MR, WASM_NR, wasmGemm, type WasmGemm } from "./wasm-gemm.js";

/** Micro-tile rows. */
export const MR = WASM_MR;
/** Micro-tile columns. */
export const NR = WASM_NR;
/** Depth of one packed block: one A strip (KC x MR) and one B strip (KC x NR) sit in L1. */
export const KC = 256;
/** Rows of the C staging block (a multiple of MR). */
export const MC = 64;
/** Columns of a packed B block / the staging block (a multiple of NR), at most. */
export const NC = 256;
/**
 * Budget for the packed B panel (all of K for NC columns), in floats: it is re-read for every
 * row block of A, so it should stay in L2. Deep products (Conv with K = C*k*k in the
 * thousands) get narrower column blocks.
 */
const B_PANEL_FLOATS = 1 << 17;
let ncOverride: number | null = null;

/** Override the column block width (benchmark experiments); `null` restores the default. */
export function setGemmNc(nc: number | null): void {
  ncOverride = nc;
}
/** Largest packed-A panel, in floats; taller A is processed in row panels. */
const A_PANEL_FLOATS = 1 << 22;

/**
 * The operands and destination of one GEMM. Packers must write zeros in the padding of a
 * partial strip (rows `>= mc` of the last A strip, columns `>= nc` of the last B strip).
 */
export interface GemmSpec {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** Write rows `[i0, i0+mc)`, depth `[k0, k0+kc)` of A as `ceil(mc/MR)` strips of `kc*MR` floats. */
  packA(dst: Float32Array, off: number, i0: number, mc: number, k0: number, kc: number): void;
  /** Write depth `[k0, k0+kc)`, columns `[j0, j0+nc)` of B as `ceil(nc/NR)` strips of `kc*NR` floats. */
  packB(dst: Float32Array, off: number, k0: number, kc: number, j0: number, nc: number): void;
  /** Receive the finished block `C[i0..i0+mc, j0..j0+nc]` = `stage[off + i*ld + j]`. */
  sink(stage: Float32Array, off: number, ld: number, i0: number, mc: number, j0: number, nc: number): void;
}

/** Which micro-kernel runs. */
export type GemmBackend = "wasm" | "js";

let forced: GemmBackend | null = null;

/** Force a micro-kernel (tests, benchmark); `null` restores the automatic choice. */
export function setGemmBackend(b: GemmBackend | null): void {
  forced = b;
}

/** The micro-kernel that will run: WebAssembly SIMD when the runtime has it. */
export function gemmBackend(): GemmBackend {
  if (forced === "js") return "js";
  const w = wasmGemm();
  if (forced === "wasm" && w === null) throw new Error("WebAssembly SIMD is not available in this runtime");
  return w === null ? "js" : "wasm";
}

// ---------------------------------------------------------------------------------------------
// Arena: one scratch area for packed A, packed B and the staging block. With WebAssembly it is
// the module's linear memory (grown on demand); otherwise a plain ArrayBuffer.

let jsArena = new Float32Array(0);

function arena(backend: GemmBackend, floats: number): Float32Array {
  if (backend === "wasm") {
    const w = wasmGemm() as WasmGemm;
    const need = floats * 4;
    const have = w.memory.buffer.byteLength;
    if (need > have) w.memory.grow(Math.ceil((need - have) / 65536));
    return new Float32Array(w.memory.buffer);
  }
  if (jsArena.length < floats) jsArena = new Float32Array(Math.max(floats, jsArena.length * 2));
  return jsArena;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Run a GEMM described by callbacks. */
export function gemm(spec: GemmSpec): void {
  const { M, N, K } = spec;
  if (M === 0 || N === 0) return;
  const backend = gemmBackend();
  const kPad = K === 0 ? 0 : K;
  const ncBlock = ncOverride ?? Math.max(4 * NR, Math.min(NC, Math.floor(B_PANEL_FLOATS / Math.max(1, K) / NR) * NR));
  const ncMaxPad = roundUp(Math.min(ncBlock, N), NR);
  // A panel height: all of M when it fits the panel budget.
  const mPadAll = roundUp(M, MR);
  const panelRows = Math.max(MC, Math.min(mPadAll, Math.floor(A_PANEL_FLOATS / Math.max(1, kPad) / MC) * MC));
  const aFloats = panelRows * kPad;
  const bFloats = ncMaxPad * kPad;
  const stageFloats = MC * ncMaxPad;
  const mem = arena(backend, aFloats + bFloats + stageFloats);
  const aBase = 0;
  const bBase = aFloats;
  const sBase = aFloats + bFloats;
  const macro = backend === "wasm" ? (wasmGemm() as WasmGemm).macro : null;

  for (let p0 = 0; p0 < M; p0 += panelRows) {
    const pm = Math.min(panelRows, M - p0);
    const pmPad = roundUp(pm, MR);
    // Pack the A panel: for each depth block, all its strips (block offset pmPad*k0).
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      spec.packA(mem, aBase + pmPad * k0, p0, pm, k0, kc);
    }
    for (let j0 = 0; j0 < N; j0 += ncBlock) {
      const nc = Math.min(ncBlock, N - j0);
      const ncPad = roundUp(nc, NR);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = Math.min(KC, K - k0);
        spec.packB(mem, bBase + ncPad * k0, k0, kc, j0, nc);
      }
      for (let i0 = 0; i0 < pm; i0 += MC) {
        const mc = Math.min(MC, pm - i0);
        const mcPad = roundUp(mc, MR);
        mem.fill(0, sBase, sBase + mcPad * ncPad);
        for (let k0 = 0; k0 < K; k0 += KC) {
          const kc = Math.min(KC, K - k0);
          const ap = aBase + pmPad * k0 + i0 * kc;
          const bp = bBase + ncPad * k0;
          if (macro !== null) macro(mcPad, ncPad, kc, ap * 4, bp * 4, sBase * 4, ncPad * 4);
          else macroJs(mem, mcPad, ncPad, kc, ap, bp, sBase, ncPad);
        }
        spec.sink(mem, sBase, ncPad, p0 + i0, mc, j0, nc);
      }
    }
  }
}

/** The JavaScript macro-kernel: same contract as the WebAssembly `macro`, offsets in floats. */
function macroJs(m: Float32Array, mc: number, nc: number, kc: number, ap: number, bp: number, c: number, ldc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    for (let ir = 0; ir < mc; ir += MR) {
      const a = ap + ir * kc;
      const b = bp + jr * kc;
      const ci = c + ir * ldc + jr;
      micro4x4(m, kc, a, b, ci, ldc);
      micro4x4(m, kc, a, b + 4, ci + 4, ldc);
    }
  }
}

/**
 * 4x4 tile of an MR x NR strip pair: 16 accumulators in locals, the k loop unrolled over the
 * tile. (A 4x8 tile in scalar JS spills; two 4x4 halves are faster.)
 */
function micro4x4(m: Float32Array, kc: number, ao: number, bo: number, ci: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = m[bo] as number, b1 = m[bo + 1] as number, b2 = m[bo + 2] as number, b3 = m[bo + 3] as number;
    let a = m[ao] as number;
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = m[ao + 1] as number;
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = m[ao + 2] as number;
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = m[ao + 3] as number;
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
    ao += MR;
    bo += NR;
  }
  m[ci] = (m[ci] as number) + c00; m[ci + 1] = (m[ci + 1] as number) + c01; m[ci + 2] = (m[ci + 2] as number) + c02; m[ci + 3] = (m[ci + 3] as number) + c03;
  ci += ldc;
  m[ci] = (m[ci] as number) + c10; m[ci + 1] = (m[ci + 1] as number) + c11; m[ci + 2] = (m[ci + 2] as number) + c12; m[ci + 3] = (m[ci + 3] as number) + c13;
  ci += ldc;
  m[ci] = (m[ci] as number) + c20; m[ci + 1] = (m[ci + 1] as number) + c21; m[ci + 2] = (m[ci + 2] as number) + c22; m[ci + 3] = (m[ci + 3] as number) + c23;
  ci += ldc;
  m[ci] = (m[ci] as number) + c30; m[ci + 1] = (m[ci + 1] as number) + c31; m[ci + 2] = (m[ci + 2] as number) + c32; m[ci + 3] = (m[ci + 3] as number) + c33;
}

// ---------------------------------------------------------------------------------------------
// Packers and sinks for plain matrices.

/**
 * Packer of a strided matrix as the A operand. `trans=false`: `A[i,k] = a[off + i*ld + k]`;
 * `trans=true`: `A[i,k] = a[off + k*ld + i]`.
 */
export function packAMatrix(a: Float32Array, off: number, ld: number, trans: boolean): GemmSpec["packA"] {
  return (dst, o, i0, mc, k0, kc) => {
    for (let s = 0; s < mc; s += MR) {
      const base = o + s * kc;
      const rows = Math.min(MR, mc - s);
      if (!trans) {
        for (let r = 0; r < MR; r++) {
          if (r >= rows) {
            for (let p = 0; p < kc; p++) dst[base + p * MR + r] = 0;
            continue;
          }
          const src = off + (i0 + s + r) * ld + k0;
          for (let p = 0; p < kc; p++) dst[base + p * MR + r] = a[src + p] as number;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const src = off + (k0 + p) * ld + i0 + s;
          const d = base + p * MR;
          for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? (a[src + r] as number) : 0;
        }
      }
    }
  };
}

/**
 * Packer of a strided matrix as the B operand. `trans=false`: `B[k,j] = b[off + k*ld + j]`;
 * `trans=true`: `B[k,j] = b[off + j*ld + k]`.
 */
export function packBMatrix(b: Float32Array, off: number, ld: number, trans: boolean): GemmSpec["packB"] {
  return (dst, o, k0, kc, j0, nc) => {
    for (let t = 0; t < nc; t += NR) {
      const base = o + t * kc;
      const cols = Math.min(NR, nc - t);
      if (!trans) {
        for (let p = 0; p < kc; p++) {
          const src = off + (k0 + p) * ld + j0 + t;
          const d = base + p * NR;
          if (cols === NR) {
            dst[d] = b[src] as number; dst[d + 1] = b[src + 1] as number;
            dst[d + 2] = b[src + 2] as number; dst[d + 3] = b[src + 3] as number;
            dst[d + 4] = b[src + 4] as number; dst[d + 5] = b[src + 5] as number;
            dst[d + 6] = b[src + 6] as number; dst[d + 7] = b[src + 7] as number;
          } else {
            for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? (b[src + c] as number) : 0;
          }
        }
      } else {
        for (let c = 0; c < NR; c++) {
          if (c >= cols) {
            for (let p = 0; p < kc; p++) dst[base + p * NR + c] = 0;
            continue;
          }
          const src = off + (j0 + t + c) * ld + k0;
          for (let p = 0; p < kc; p++) dst[base + p * NR + c] = b[src + p] as number;
        }
      }
    }
  };
}

/** Sink into a row-major matrix `C[i,j] = c[off + i*ld + j]`, overwriting or accumulating. */
export function sinkMatrix(c: Float32Array, off: number, ld: number, accumulate: boolean): GemmSpec["sink"] {
  return (stage, so, sld, i0, mc, j0, nc) => {
    for (let i = 0; i < mc; i++) {
      const d = off + (i0 + i) * ld + j0;
      const s = so + i * sld;
      if (accumulate) for (let j = 0; j < nc; j++) c[d + j] = (c[d + j] as number) + (stage[s + j] as number);
      else for (let j = 0; j < nc; j++) c[d + j] = stage[s + j] as number;
    }
  };
}

/** Below this many multiply-adds the packing costs more than it saves. */
const SMALL_GEMM = 4096;

/**
 * `C = op(A) * op(B)` (or `C += ...` with `accumulate`) on strided Float32Array matrices:
 * `op(A)` is M x K, `op(B)` is K x N, C is M x N with row stride `ldc`.
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  transA: boolean,
  b: Float32Array,
  bOff: number,
  ldb: number,
  transB: boolean,
  c: Float32Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (M * N * K <= SMALL_GEMM) {
    // Accumulate in double: tiny products are exact enough that tests can compare bitwise-ish.
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
          const bv = transB ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
          s += (av as number) * (bv as number);
        }
        const d = cOff + i * ldc + j;
        c[d] = accumulate ? (c[d] as number) + s : s;
      }
    }
    return;
  }
  gemm({
    M,
    N,
    K,
    packA: packAMatrix(a, aOff, lda, transA),
    packB: packBMatrix(b, bOff, ldb, transB),
    sink: sinkMatrix(c, cOff, ldc, accumulate),
  });
}
