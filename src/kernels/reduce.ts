/**
 * Reductions (ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare), ArgMax/ArgMin and
 * Softmax/LogSoftmax/Hardmax. Accumulation is in double.
 */
import { badAttr } from "./errors.js";
import { allocData, sizeOf, type Tensor } from "./tensor.js";
import { normAxis } from "./shape-ops.js";

/** Reduce op names. */
export type ReduceKind = "Sum" | "Mean" | "Max" | "Min" | "Prod" | "L1" | "L2" | "LogSum" | "LogSumExp" | "SumSquare";

/**
 * Reduce over `axes` (all axes when empty, unless `noopWithEmptyAxes`), keeping reduced dims as
 * 1 when `keepDims`.
 */
export function reduce(x: Tensor, kind: ReduceKind, axes: readonly number[], keepDims: boolean, noopWithEmptyAxes = false): Tensor {
  const r = x.dims.length;
  if (axes.length === 0 && noopWithEmptyAxes) return { ...x, dims: [...x.dims] };
  const set = new Set(axes.length === 0 ? x.dims.map((_, i) => i) : axes.map((a) => normAxis(`Reduce${kind}`, a, r)));
  const outDims = keepDims ? x.dims.map((d, i) => (set.has(i) ? 1 : d)) : x.dims.filter((_, i) => !set.has(i));
  const keptDims = x.dims.map((d, i) => (set.has(i) ? 1 : d));
  const nOut = sizeOf(keptDims);
  const acc = new Float64Array(nOut);
  const init = kind === "Max" ? -Infinity : kind === "Min" ? Infinity : kind === "Prod" ? 1 : 0;
  acc.fill(init);
  // LogSumExp: subtract the max first for stability.
  let maxes: Float64Array | null = null;
  const outStr = strides(keptDims);
  const n = x.data.length;
  const outIndex = (i: number): number => {
    let rem = i;
    let o = 0;
    for (let k = r - 1; k >= 0; k--) {
      const d = x.dims[k] as number;
      const c = rem % d;
      rem = (rem - c) / d;
      if (!set.has(k)) o += c * (outStr[k] as number);
    }
    return o;
  };
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) map[i] = outIndex(i);
  if (kind === "LogSumExp") {
    maxes = new Float64Array(nOut).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const o = map[i] as number;
      const v = x.data[i] as number;
      if (v > (maxes[o] as number)) maxes[o] = v;
    }
  }
  for (let i = 0; i < n; i++) {
    const o = map[i] as number;
    const v = x.data[i] as number;
    const a = acc[o] as number;
    switch (kind) {
      case "Sum":
      case "Mean":
      case "LogSum":
        acc[o] = a + v;
        break;
      case "Max":
        acc[o] = Number.isNaN(v) || v > a ? v : a;
        break;
      case "Min":
        acc[o] = Number.isNaN(v) || v < a ? v : a;
        break;
      case "Prod":
        acc[o] = a * v;
        break;
      case "L1":
        acc[o] = a + Math.abs(v);
        break;
      case "L2":
      case "SumSquare":
        acc[o] = a + v * v;
        break;
      case "LogSumExp":
        acc[o] = a + Math.exp(v - ((maxes as Float64Array)[o] as number));
        break;
    }
  }
  const count = n / Math.max(1, nOut);
  const out = allocData(x.dtype, nOut);
  const isInt64 = x.dtype === "int64" || x.dtype === "uint64";
  for (let o = 0; o < nOut; o++) {
    let v = acc[o] as number;
    if (kind === "Mean") v /= count;
    else if (kind === "L2") v = Math.sqrt(v);
    else if (kind === "LogSum") v = Math.log(v);
    else if (kind === "LogSumExp") v = Math.log(v) + ((maxes as Float64Array)[o] as number);
    out[o] = isInt64 ? Math.trunc(v) : v;
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i] as number;
  }
  return s;
}

/** ArgMax / ArgMin along `axis` (int64 result). */
export function argExtreme(x: Tensor, max: boolean, axis: number, keepDims: boolean, selectLast: boolean): Tensor {
  const r = x.dims.length;
  const a = normAxis(max ? "ArgMax" : "ArgMin", axis, r);
  const outer = sizeOf(x.dims.slice(0, a));
  const inner = sizeOf(x.dims.slice(a + 1));
  const d = x.dims[a] as number;
  if (d === 0) badAttr(`${max ? "ArgMax" : "ArgMin"}: reduced axis ${a} is empty`);
  const out = new Float64Array(outer * inner);
  for (let u = 0; u < outer; u++) {
    for (let i = 0; i < inner; i++) {
      let best = x.data[u * d * inner + i] as number;
      let at = 0;
      for (let j = 1; j < d; j++) {
        const v = x.data[(u * d + j) * inner + i] as number;
        const better = max ? v > best || (selectLast && v === best) : v < best || (selectLast && v === best);
        if (better) {
          best = v;
          at = j;
        }
      }
      out[u * inner + i] = at;
    }
  }
  const outDims = keepDims ? x.dims.map((v, i) => (i === a ? 1 : v)) : x.dims.filter((_, i) => i !== a);
  return { dtype: "int64", dims: outDims, data: out };
}

/**
 * Softmax / LogSoftmax / Hardmax. Opset >= 13: along `axis`. Opset < 13: the input is viewed as
 * 2-D `[prod(dims[:axis]), prod(dims[axis:])]` and normalised along the second dim.
 */
export function softmaxFamily(x: Tensor, kind: "Softmax" | "LogSoftmax" | "Hardmax", axis: number, coerce2d: boolean): Tensor {
  const r = x.dims.length;
  const a = r === 0 ? 0 : axis < 0 ? axis + r : axis;
  if (r > 0 && (a < 0 || a >= r)) badAttr(`${kind}: axis ${axis} is out of range for rank ${r}`);
  const outer = sizeOf(x.dims.slice(0, a));
  const d = coerce2d ? sizeOf(x.dims.slice(a)) : ((x.dims[a] ?? 1) as number);
  const inner = coerce2d ? 1 : sizeOf(x.dims.slice(a + 1));
  const out = allocData(x.dtype, x.data.length);
  for (let u = 0; u < outer; u++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number): number => (u * d + j) * inner + i;
      let m = -Infinity;
      let arg = 0;
      for (let j = 0; j < d; j++) {
        const v = x.data[at(j)] as number;
        if (v > m) {
          m = v;
          arg = j;
        }
      }
      if (kind === "Hardmax") {
        for (let j = 0; j < d; j++) out[at(j)] = j === arg ? 1 : 0;
        continue;
      }
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.exp((x.data[at(j)] as number) - m);
      const ls = Math.log(s);
      for (let j = 0; j < d; j++) {
        const z = (x.data[at(j)] as number) - m;
        out[at(j)] = kind === "Softmax" ? Math.exp(z) / s : z - ls;
      }
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}
