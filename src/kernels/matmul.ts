/**
 * MatMul (numpy semantics: 1-D promotion, batch broadcasting) and Gemm. Float32 runs through the
 * packed GEMM; other dtypes through a double-precision triple loop.
 */
import { broadcastShapes } from "./elementwise.js";
import { shapeFail } from "./errors.js";
import { sgemm } from "./gemm.js";
import { allocData, formatDims, sizeOf, stridesOf, type Tensor } from "./tensor.js";

function matmulLoop(M: number, N: number, K: number, a: ArrayLike<number>, aOff: number, lda: number, ta: boolean, b: ArrayLike<number>, bOff: number, ldb: number, tb: boolean, c: Float64Array, cOff: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = ta ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
        const bv = tb ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
        s += (av as number) * (bv as number);
      }
      c[cOff + i * N + j] = s;
    }
  }
}

/** MatMul with numpy semantics. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.dims.length === 0 || b.dims.length === 0) shapeFail("MatMul: scalar operands are not allowed", a.dims, b.dims);
  if (a.dtype !== b.dtype) shapeFail(`MatMul: operands are ${a.dtype} and ${b.dtype}`, a.dims, b.dims);
  const aD = a.dims.length === 1 ? [1, a.dims[0] as number] : [...a.dims];
  const bD = b.dims.length === 1 ? [b.dims[0] as number, 1] : [...b.dims];
  const M = aD[aD.length - 2] as number;
  const K = aD[aD.length - 1] as number;
  const K2 = bD[bD.length - 2] as number;
  const N = bD[bD.length - 1] as number;
  if (K !== K2) shapeFail(`MatMul: inner dimensions differ: ${formatDims(a.dims)} x ${formatDims(b.dims)} (${K} vs ${K2})`, a.dims, b.dims);
  const batch = broadcastShapes("MatMul", [aD.slice(0, -2), bD.slice(0, -2)]);
  const nb = sizeOf(batch);
  const aBatch = aD.slice(0, -2);
  const bBatch = bD.slice(0, -2);
  const batchOff = (dims: number[], i: number): number => {
    // Offset of batch index i (over `batch`) in an operand with batch dims `dims`.
    const st = stridesOf(dims);
    let rem = i;
    let off = 0;
    const bs = stridesOf(batch);
    for (let k = 0; k < batch.length; k++) {
      const c = Math.floor(rem / (bs[k] as number));
      rem -= c * (bs[k] as number);
      const di = k - (batch.length - dims.length);
      if (di >= 0 && (dims[di] as number) !== 1) off += c * (st[di] as number);
    }
    return off;
  };
  const outDims = [...batch, M, N];
  const isFloat = a.dtype === "float32";
  const out = isFloat ? new Float32Array(nb * M * N) : new Float64Array(nb * M * N);
  for (let i = 0; i < nb; i++) {
    const ao = batchOff(aBatch, i) * M * K;
    const bo = batchOff(bBatch, i) * K * N;
    if (isFloat) sgemm(M, N, K, a.data as Float32Array, ao, K, false, b.data as Float32Array, bo, N, false, out as Float32Array, i * M * N, N, false);
    else matmulLoop(M, N, K, a.data as ArrayLike<number>, ao, K, false, b.data as ArrayLike<number>, bo, N, false, out as Float64Array, i * M * N);
  }
  // Remove the promoted 1-dims again.
  let dims = outDims;
  if (a.dims.length === 1) dims = [...dims.slice(0, -2), N];
  if (b.dims.length === 1) dims = a.dims.length === 1 ? dims.slice(0, -1) : dims.slice(0, -1);
  if (isFloat) return { dtype: "float32", dims, data: out as Float32Array };
  const res = allocData(a.dtype, out.length);
  for (let i = 0; i < out.length; i++) res[i] = a.dtype === "int64" ? Math.trunc(out[i] as number) : (out[i] as number);
  return { dtype: a.dtype, dims, data: res };
}

/** Gemm: `alpha * op(A) * op(B) + beta * C` with C unidirectionally broadcast to M x N. */
export function gemmOp(a: Tensor, b: Tensor, c: Tensor | null, alpha: number, beta: number, transA: boolean, transB: boolean): Tensor {
  if (a.dims.length !== 2 || b.dims.length !== 2) shapeFail("Gemm: A and B must be 2-D", a.dims, b.dims);
  const M = (transA ? a.dims[1] : a.dims[0]) as number;
  const K = (transA ? a.dims[0] : a.dims[1]) as number;
  const K2 = (transB ? b.dims[1] : b.dims[0]) as number;
  const N = (transB ? b.dims[0] : b.dims[1]) as number;
  if (K !== K2) shapeFail(`Gemm: inner dimensions differ (${K} vs ${K2}, transA=${transA ? 1 : 0}, transB=${transB ? 1 : 0})`, a.dims, b.dims);
  const lda = a.dims[1] as number;
  const ldb = b.dims[1] as number;
  const isFloat = a.dtype === "float32" && b.dtype === "float32";
  let prod: ArrayLike<number>;
  if (isFloat) {
    const p = new Float32Array(M * N);
    sgemm(M, N, K, a.data as Float32Array, 0, lda, transA, b.data as Float32Array, 0, ldb, transB, p, 0, N, false);
    prod = p;
  } else {
    const p = new Float64Array(M * N);
    matmulLoop(M, N, K, a.data as ArrayLike<number>, 0, lda, transA, b.data as ArrayLike<number>, 0, ldb, transB, p, 0);
    prod = p;
  }
  const out = allocData(a.dtype, M * N);
  let cAt: ((i: number, j: number) => number) | null = null;
  if (c !== null) {
    const cd = c.dims;
    const ok = broadcastShapes("Gemm", [cd, [M, N]]);
    if (ok[0] !== M || ok[1] !== N) shapeFail(`Gemm: C ${formatDims(cd)} does not broadcast to [${M},${N}]`, a.dims, b.dims, cd);
    const rows = cd.length === 2 ? (cd[0] as number) : 1;
    const cols = cd.length >= 1 ? (cd[cd.length - 1] as number) : 1;
    cAt = (i, j) => c.data[(rows === 1 ? 0 : i) * cols + (cols === 1 ? 0 : j)] as number;
  }
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const v = alpha * (prod[i * N + j] as number) + (cAt === null ? 0 : beta * cAt(i, j));
      out[i * N + j] = a.dtype === "int64" ? Math.trunc(v) : v;
    }
  }
  return { dtype: a.dtype, dims: [M, N], data: out };
}
