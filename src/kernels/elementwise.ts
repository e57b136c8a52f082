/**
 * Elementwise kernels: numpy-style multidirectional broadcasting (ONNX "Broadcasting in ONNX"),
 * binary arithmetic / comparison / logic, variadic Sum/Max/Min/Mean, Where, and the unary
 * activations and math functions.
 *
 * Values are computed in double and stored through the output typed array, which rounds to
 * float32 or wraps integers like a C cast; int64 results are truncated explicitly because they
 * live in a Float64Array (see `tensor.ts`).
 */
import { shapeFail } from "./errors.js";
import { allocData, sizeOf, stridesOf, type KernelDType, type Tensor, type TensorData } from "./tensor.js";

/** The broadcast shape of several shapes, or a RuntimeShapeError naming them. */
export function broadcastShapes(op: string, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i];
      if (v === undefined || v === 1) continue;
      if (d === 1) d = v;
      else if (v !== d) {
        shapeFail(`${op}: incompatible dimensions ${d} and ${v} at axis ${i} of the broadcast shape`, ...shapes);
      }
    }
    // A 0-sized dim broadcasts with 1 and stays 0.
    out[i] = d;
  }
  return out;
}

/** Strides to read `dims` as if broadcast to `outDims` (0 on broadcast axes). */
export function broadcastStrides(dims: readonly number[], outDims: readonly number[]): number[] {
  const st = stridesOf(dims);
  const r = outDims.length;
  const out = new Array<number>(r).fill(0);
  for (let i = 0; i < dims.length; i++) {
    const oi = r - dims.length + i;
    out[oi] = (dims[i] as number) === 1 ? 0 : (st[i] as number);
  }
  return out;
}

/** Materialise `t` broadcast to `outDims` (Expand). */
export function broadcastTo(t: Tensor, outDims: readonly number[]): Tensor {
  const n = sizeOf(outDims);
  const out = allocData(t.dtype, n);
  const st = broadcastStrides(t.dims, outDims);
  forEachIndex(outDims, [st], (i, offs) => {
    out[i] = t.data[offs[0] as number] as number;
  });
  return { dtype: t.dtype, dims: [...outDims], data: out };
}

/**
 * Walk every index of `dims` in row-major order, giving the flat output index and, for each
 * stride vector, the matching input offset.
 */
export function forEachIndex(dims: readonly number[], strides: readonly (readonly number[])[], fn: (i: number, offs: number[]) => void): void {
  const n = sizeOf(dims);
  const r = dims.length;
  const k = strides.length;
  const offs = new Array<number>(k).fill(0);
  const ctr = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    fn(i, offs);
    for (let a = r - 1; a >= 0; a--) {
      ctr[a] = (ctr[a] as number) + 1;
      for (let j = 0; j < k; j++) offs[j] = (offs[j] as number) + ((strides[j] as number[])[a] as number);
      if ((ctr[a] as number) < (dims[a] as number)) break;
      for (let j = 0; j < k; j++) offs[j] = (offs[j] as number) - ((strides[j] as number[])[a] as number) * (dims[a] as number);
      ctr[a] = 0;
    }
  }
}

/** Store `v` into `out[i]` with int64 truncation (other types convert on store). */
function storeFn(dtype: KernelDType): (out: TensorData, i: number, v: number) => void {
  if (dtype === "int64" || dtype === "uint64") return (out, i, v) => (out[i] = Math.trunc(v));
  if (dtype === "bool") return (out, i, v) => (out[i] = v ? 1 : 0);
  return (out, i, v) => (out[i] = v);
}

/** A binary elementwise op with broadcasting. */
export function binary(op: string, a: Tensor, b: Tensor, outDtype: KernelDType, f: (x: number, y: number) => number): Tensor {
  const outDims = broadcastShapes(op, [a.dims, b.dims]);
  const n = sizeOf(outDims);
  const out = allocData(outDtype, n);
  const store = storeFn(outDtype);
  const ad = a.data;
  const bd = b.data;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) store(out, i, f(ad[i] as number, bd[i] as number));
  } else if (bd.length === 1 && ad.length === n) {
    const y = bd[0] as number;
    for (let i = 0; i < n; i++) store(out, i, f(ad[i] as number, y));
  } else if (ad.length === 1 && bd.length === n) {
    const x = ad[0] as number;
    for (let i = 0; i < n; i++) store(out, i, f(x, bd[i] as number));
  } else if (outDims.length > 0) {
    // Row by row over the last axis, so the odometer runs once per row, not per element.
    const sa = broadcastStrides(a.dims, outDims);
    const sb = broadcastStrides(b.dims, outDims);
    const r = outDims.length - 1;
    const L = outDims[r] as number;
    const la = sa[r] as number;
    const lb = sb[r] as number;
    const rowDims = outDims.slice(0, r);
    forEachIndex(rowDims, [sa.slice(0, r), sb.slice(0, r)], (row, offs) => {
      let ia = offs[0] as number;
      let ib = offs[1] as number;
      const base = row * L;
      for (let j = 0; j < L; j++, ia += la, ib += lb) store(out, base + j, f(ad[ia] as number, bd[ib] as number));
    });
  }
  return { dtype: outDtype, dims: outDims, data: out };
}

/** Float32 fast paths of Add/Sub/Mul/Div (the bulk of elementwise work in CNN graphs). */
export function floatArith(op: "Add" | "Sub" | "Mul" | "Div", a: Tensor, b: Tensor): Tensor | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const ad = a.data as Float32Array;
  const bd = b.data as Float32Array;
  const same = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i]);
  if (!same) return null;
  const n = ad.length;
  const out = new Float32Array(n);
  switch (op) {
    case "Add":
      for (let i = 0; i < n; i++) out[i] = (ad[i] as number) + (bd[i] as number);
      break;
    case "Sub":
      for (let i = 0; i < n; i++) out[i] = (ad[i] as number) - (bd[i] as number);
      break;
    case "Mul":
      for (let i = 0; i < n; i++) out[i] = (ad[i] as number) * (bd[i] as number);
      break;
    case "Div":
      for (let i = 0; i < n; i++) out[i] = (ad[i] as number) / (bd[i] as number);
      break;
  }
  return { dtype: "float32", dims: [...a.dims], data: out };
}

/** A unary elementwise op. */
export function unary(x: Tensor, outDtype: KernelDType, f: (v: number) => number): Tensor {
  const n = x.data.length;
  const out = allocData(outDtype, n);
  const store = storeFn(outDtype);
  for (let i = 0; i < n; i++) store(out, i, f(x.data[i] as number));
  return { dtype: outDtype, dims: [...x.dims], data: out };
}

/** Where(cond, X, Y) with three-way broadcasting. */
export function where(c: Tensor, x: Tensor, y: Tensor): Tensor {
  if (x.dtype !== y.dtype) shapeFail(`Where: X is ${x.dtype} but Y is ${y.dtype}`, x.dims, y.dims);
  const outDims = broadcastShapes("Where", [c.dims, x.dims, y.dims]);
  const out = allocData(x.dtype, sizeOf(outDims));
  const sc = broadcastStrides(c.dims, outDims);
  const sx = broadcastStrides(x.dims, outDims);
  const sy = broadcastStrides(y.dims, outDims);
  forEachIndex(outDims, [sc, sx, sy], (i, o) => {
    out[i] = c.data[o[0] as number] ? (x.data[o[1] as number] as number) : (y.data[o[2] as number] as number);
  });
  return { dtype: x.dtype, dims: outDims, data: out };
}

/** Variadic Sum/Max/Min/Mean with broadcasting, accumulated in double and stored once. */
export function variadic(op: "Sum" | "Max" | "Min" | "Mean", xs: readonly Tensor[]): Tensor {
  const first = xs[0];
  if (first === undefined) shapeFail(`${op}: needs at least one input`);
  for (const x of xs) if (x.dtype !== first.dtype) shapeFail(`${op}: inputs mix ${first.dtype} and ${x.dtype}`, first.dims, x.dims);
  const outDims = broadcastShapes(op, xs.map((x) => x.dims));
  const n = sizeOf(outDims);
  const acc = new Float64Array(n);
  xs.forEach((x, k) => {
    const st = broadcastStrides(x.dims, outDims);
    forEachIndex(outDims, [st], (i, o) => {
      const v = x.data[o[0] as number] as number;
      const a = acc[i] as number;
      if (k === 0) acc[i] = v;
      else if (op === "Sum" || op === "Mean") acc[i] = a + v;
      // NaN propagates (numpy maximum/minimum, ORT).
      else if (Number.isNaN(a) || Number.isNaN(v)) acc[i] = NaN;
      else acc[i] = op === "Max" ? (v > a ? v : a) : v < a ? v : a;
    });
  });
  const out = allocData(first.dtype, n);
  const store = storeFn(first.dtype);
  for (let i = 0; i < n; i++) store(out, i, op === "Mean" ? (acc[i] as number) / xs.length : (acc[i] as number));
  return { dtype: first.dtype, dims: outDims, data: out };
}

// ---------------------------------------------------------------------------------------------
// Scalar math.

/**
 * erf(x): Maclaurin series for |x| < 2.5 (alternating, at most ~2 digits lost to cancellation),
 * continued fraction of erfc (modified Lentz) beyond. Relative error below 1e-13 everywhere, so
 * Gelu's `1 + erf(x/sqrt2)` keeps its precision for negative x as well.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x >= 2.5 by the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  const tiny = 1e-300;
  // f = x + a1/(x + a2/(x + ...)), a_k = k/2.
  let f = x;
  let C = f;
  let D = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    D = x + a * D;
    D = D === 0 ? tiny : D;
    C = x + a / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Round half to even (ONNX Round, numpy.round). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^-x) without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Gelu: exact (`approximate="none"`) or the tanh approximation. */
export function gelu(x: number, approximate: "none" | "tanh"): number {
  if (approximate === "tanh") return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}
