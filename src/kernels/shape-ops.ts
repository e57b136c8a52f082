/**
 * Data-movement and shape kernels: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat,
 * Split, Slice, Gather, GatherElements, Expand, Tile, Range, DepthToSpace, SpaceToDepth, Trilu,
 * CumSum, NonZero. They work on every kernel dtype (shape subgraphs are int64).
 */
import { badAttr, shapeFail } from "./errors.js";
import { broadcastShapes, broadcastTo } from "./elementwise.js";
import { allocData, sizeOf, stridesOf, withDims, type KernelDType, type Tensor } from "./tensor.js";

/** Normalise a possibly negative axis for `rank`, or fail naming the op. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) badAttr(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Reshape: `0` copies the input dim (unless `allowzero`), `-1` is inferred. Fails like the
 * frameworks when the element counts differ.
 */
export function reshape(x: Tensor, shape: readonly number[], allowZero = false): Tensor {
  const out = shape.map((d, i) => (d === 0 && !allowZero ? (x.dims[i] ?? shapeFail(`Reshape: 0 at index ${i} copies a dim the input [${x.dims.join(",")}] does not have`, x.dims, shape)) : d));
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1) shapeFail(`Reshape: more than one -1 in the target shape`, x.dims, shape);
  const n = x.data.length;
  if (neg === 1) {
    const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
    if (known === 0 || n % known !== 0) shapeFail(`Reshape: cannot reshape ${n} elements into [${shape.join(",")}]`, x.dims, shape);
    out[out.indexOf(-1)] = n / known;
  }
  for (const d of out) if (d < 0) shapeFail(`Reshape: invalid target dim ${d}`, x.dims, shape);
  if (sizeOf(out) !== n) shapeFail(`Reshape: cannot reshape ${n} elements into [${out.join(",")}]`, x.dims, shape);
  return withDims(x, out);
}

/** Flatten to 2-D at `axis`. */
export function flatten(x: Tensor, axis: number): Tensor {
  const r = x.dims.length;
  const a = axis < 0 ? axis + r : axis;
  if (a < 0 || a > r) badAttr(`Flatten: axis ${axis} is out of range for rank ${r}`);
  return withDims(x, [sizeOf(x.dims.slice(0, a)), sizeOf(x.dims.slice(a))]);
}

/** Transpose by `perm` (default: reversed axes). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const r = x.dims.length;
  const p = perm !== undefined && perm.length > 0 ? perm.map((a) => (a < 0 ? a + r : a)) : x.dims.map((_, i) => r - 1 - i);
  if (p.length !== r || new Set(p).size !== r || p.some((a) => a < 0 || a >= r)) badAttr(`Transpose: perm [${(perm ?? []).join(",")}] is not a permutation of ${r} axes`);
  const outDims = p.map((a) => x.dims[a] as number);
  const inStr = stridesOf(x.dims);
  const st = p.map((a) => inStr[a] as number);
  const n = x.data.length;
  const out = allocData(x.dtype, n);
  if (r === 0) {
    out[0] = x.data[0] as number;
    return { dtype: x.dtype, dims: [], data: out };
  }
  const ctr = new Array<number>(r).fill(0);
  const last = r - 1;
  const L = outDims[last] as number;
  const sl = st[last] as number;
  let off = 0;
  for (let base = 0; base < n; base += L) {
    for (let i = 0; i < L; i++) out[base + i] = x.data[off + i * sl] as number;
    for (let a = last - 1; a >= 0; a--) {
      ctr[a] = (ctr[a] as number) + 1;
      off += st[a] as number;
      if ((ctr[a] as number) < (outDims[a] as number)) break;
      off -= (st[a] as number) * (outDims[a] as number);
      ctr[a] = 0;
    }
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

/** Squeeze the given axes (all 1-dims when `axes` is empty). */
export function squeeze(x: Tensor, axes: readonly number[] | null): Tensor {
  const r = x.dims.length;
  if (axes === null || axes.length === 0) return withDims(x, x.dims.filter((d) => d !== 1));
  const set = new Set(axes.map((a) => normAxis("Squeeze", a, r)));
  for (const a of set) if (x.dims[a] !== 1) shapeFail(`Squeeze: axis ${a} has size ${x.dims[a]}, not 1`, x.dims);
  return withDims(x, x.dims.filter((_, i) => !set.has(i)));
}

/** Unsqueeze: insert 1-dims at `axes` (positions in the output). */
export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const r = x.dims.length + axes.length;
  const set = new Set(axes.map((a) => normAxis("Unsqueeze", a, r)));
  if (set.size !== axes.length) badAttr(`Unsqueeze: repeated axes [${axes.join(",")}]`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : (x.dims[j++] as number));
  return withDims(x, out);
}

/**
 * Concat along `axis`. Every other dim must match: the message names the first offending
 * input pair and dim, like the frameworks ("Sizes of tensors must match except in dimension 1").
 */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const first = xs[0];
  if (first === undefined) shapeFail("Concat: needs at least one input");
  const r = first.dims.length;
  const a = normAxis("Concat", axis, r);
  for (let k = 1; k < xs.length; k++) {
    const t = xs[k] as Tensor;
    if (t.dims.length !== r) shapeFail(`Concat: input ${k} has rank ${t.dims.length}, input 0 has rank ${r}`, first.dims, t.dims);
    for (let i = 0; i < r; i++) {
      if (i !== a && t.dims[i] !== first.dims[i]) {
        shapeFail(`Concat on axis ${a}: input ${k} differs from input 0 in dim ${i} (${t.dims[i]} vs ${first.dims[i]})`, ...xs.map((x) => x.dims));
      }
    }
    if (t.dtype !== first.dtype) shapeFail(`Concat: input ${k} is ${t.dtype}, input 0 is ${first.dtype}`, first.dims, t.dims);
  }
  const outDims = [...first.dims];
  outDims[a] = xs.reduce((s, t) => s + (t.dims[a] as number), 0);
  const outer = sizeOf(first.dims.slice(0, a));
  const inner = sizeOf(first.dims.slice(a + 1));
  const out = allocData(first.dtype, sizeOf(outDims));
  const rowOut = (outDims[a] as number) * inner;
  let col = 0;
  for (const t of xs) {
    const len = (t.dims[a] as number) * inner;
    for (let u = 0; u < outer; u++) out.set(t.data.subarray(u * len, (u + 1) * len) as ArrayLike<number>, u * rowOut + col);
    col += len;
  }
  return { dtype: first.dtype, dims: outDims, data: out };
}

/** Split along `axis` into pieces of the given sizes. */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const r = x.dims.length;
  const a = normAxis("Split", axis, r);
  const total = sizes.reduce((s, v) => s + v, 0);
  if (total !== x.dims[a] || sizes.some((s) => s < 0)) shapeFail(`Split: sizes [${sizes.join(",")}] do not add up to dim ${a} of size ${x.dims[a]}`, x.dims, sizes);
  const outer = sizeOf(x.dims.slice(0, a));
  const inner = sizeOf(x.dims.slice(a + 1));
  const row = (x.dims[a] as number) * inner;
  const outs: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    const dims = [...x.dims];
    dims[a] = s;
    const out = allocData(x.dtype, outer * s * inner);
    for (let u = 0; u < outer; u++) out.set(x.data.subarray(u * row + start * inner, u * row + (start + s) * inner) as ArrayLike<number>, u * s * inner);
    outs.push({ dtype: x.dtype, dims, data: out });
    start += s;
  }
  return outs;
}

/** Equal split sizes for `n` outputs (the last one smaller when uneven, ONNX Split-18). */
export function evenSplit(len: number, n: number): number[] {
  const chunk = Math.ceil(len / n);
  const out: number[] = [];
  let left = len;
  for (let i = 0; i < n; i++) {
    const s = Math.max(0, Math.min(chunk, left));
    out.push(s);
    left -= s;
  }
  return out;
}

/**
 * Slice with starts/ends/axes/steps (ONNX Slice-13): out-of-range starts/ends are clamped,
 * negative ones count from the end, negative steps walk backwards.
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes: readonly number[] | null, steps: readonly number[] | null): Tensor {
  const r = x.dims.length;
  const ax = axes ?? starts.map((_, i) => i);
  if (starts.length !== ends.length || ax.length !== starts.length || (steps !== null && steps.length !== starts.length)) {
    shapeFail(`Slice: starts, ends, axes and steps must have the same length`, x.dims, starts, ends);
  }
  const begin = x.dims.map(() => 0);
  const step = x.dims.map(() => 1);
  const count = [...x.dims];
  const seen = new Set<number>();
  ax.forEach((axis, i) => {
    const a = normAxis("Slice", axis, r);
    if (seen.has(a)) badAttr(`Slice: axis ${a} repeated`);
    seen.add(a);
    const d = x.dims[a] as number;
    const st = steps === null ? 1 : (steps[i] as number);
    if (st === 0) badAttr("Slice: step 0");
    let s = starts[i] as number;
    let e = ends[i] as number;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      count[a] = Math.max(0, Math.ceil((e - s) / st));
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      count[a] = Math.max(0, Math.ceil((s - e) / -st));
    }
    begin[a] = s;
    step[a] = st;
  });
  const inStr = stridesOf(x.dims);
  const n = sizeOf(count);
  const out = allocData(x.dtype, n);
  if (n > 0) {
    const base = begin.reduce((acc, b, a) => acc + b * (inStr[a] as number), 0);
    const st = step.map((s, a) => s * (inStr[a] as number));
    const ctr = new Array<number>(r).fill(0);
    let off = base;
    for (let i = 0; i < n; i++) {
      out[i] = x.data[off] as number;
      for (let a = r - 1; a >= 0; a--) {
        ctr[a] = (ctr[a] as number) + 1;
        off += st[a] as number;
        if ((ctr[a] as number) < (count[a] as number)) break;
        off -= (st[a] as number) * (count[a] as number);
        ctr[a] = 0;
      }
    }
  }
  return { dtype: x.dtype, dims: count, data: out };
}

/** Gather along `axis` with an index tensor (negative indices count from the end). */
export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  const r = x.dims.length;
  const a = normAxis("Gather", axis, r);
  const d = x.dims[a] as number;
  const outDims = [...x.dims.slice(0, a), ...indices.dims, ...x.dims.slice(a + 1)];
  const outer = sizeOf(x.dims.slice(0, a));
  const inner = sizeOf(x.dims.slice(a + 1));
  const ni = indices.data.length;
  const out = allocData(x.dtype, outer * ni * inner);
  for (let j = 0; j < ni; j++) {
    let k = indices.data[j] as number;
    if (k < 0) k += d;
    if (k < 0 || k >= d) shapeFail(`Gather: index ${indices.data[j]} is out of range for axis ${a} of size ${d}`, x.dims, indices.dims);
    for (let u = 0; u < outer; u++) {
      const src = (u * d + k) * inner;
      const dst = (u * ni + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x.data[src + i] as number;
    }
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

/** GatherElements along `axis`. */
export function gatherElements(x: Tensor, indices: Tensor, axis: number): Tensor {
  const r = x.dims.length;
  const a = normAxis("GatherElements", axis, r);
  if (indices.dims.length !== r) shapeFail(`GatherElements: indices rank ${indices.dims.length} differs from data rank ${r}`, x.dims, indices.dims);
  const xs = stridesOf(x.dims);
  const is = stridesOf(indices.dims);
  const n = indices.data.length;
  const out = allocData(x.dtype, n);
  const d = x.dims[a] as number;
  for (let i = 0; i < n; i++) {
    let off = 0;
    let rem = i;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(rem / (is[k] as number));
      rem -= c * (is[k] as number);
      let v = c;
      if (k === a) {
        v = indices.data[i] as number;
        if (v < 0) v += d;
        if (v < 0 || v >= d) shapeFail(`GatherElements: index ${indices.data[i]} out of range for axis ${a} of size ${d}`, x.dims, indices.dims);
      }
      off += v * (xs[k] as number);
    }
    out[i] = x.data[off] as number;
  }
  return { dtype: x.dtype, dims: [...indices.dims], data: out };
}

/** Expand: broadcast to `shape` (bidirectionally, as numpy). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const outDims = broadcastShapes("Expand", [x.dims, shape]);
  return broadcastTo(x, outDims);
}

/** Tile by `repeats`. */
export function tile(x: Tensor, repeats: readonly number[]): Tensor {
  const r = x.dims.length;
  if (repeats.length !== r) shapeFail(`Tile: repeats has ${repeats.length} values for rank ${r}`, x.dims, repeats);
  const outDims = x.dims.map((d, i) => d * (repeats[i] as number));
  const n = sizeOf(outDims);
  const out = allocData(x.dtype, n);
  const inStr = stridesOf(x.dims);
  const outStr = stridesOf(outDims);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(i / (outStr[k] as number)) % (outDims[k] as number);
      off += (c % (x.dims[k] as number)) * (inStr[k] as number);
    }
    out[i] = x.data[off] as number;
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

/** Range(start, limit, delta): `max(ceil((limit-start)/delta), 0)` elements. */
export function range(dtype: KernelDType, start: number, limit: number, delta: number): Tensor {
  if (delta === 0) badAttr("Range: delta is 0");
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const out = allocData(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * delta;
  return { dtype, dims: [n], data: out };
}

/** DepthToSpace (DCR or CRD) on N x C x H x W. */
export function depthToSpace(x: Tensor, block: number, mode: "DCR" | "CRD"): Tensor {
  if (x.dims.length !== 4) shapeFail("DepthToSpace: input must be 4-D", x.dims);
  const [N, C, H, W] = x.dims as [number, number, number, number];
  if (C % (block * block) !== 0) shapeFail(`DepthToSpace: ${C} channels are not divisible by blocksize^2 = ${block * block}`, x.dims);
  const c = C / (block * block);
  const t = mode === "DCR" ? reshape(x, [N, block, block, c, H, W]) : reshape(x, [N, c, block, block, H, W]);
  const p = mode === "DCR" ? transpose(t, [0, 3, 4, 1, 5, 2]) : transpose(t, [0, 1, 4, 2, 5, 3]);
  return reshape(p, [N, c, H * block, W * block]);
}

/** SpaceToDepth on N x C x H x W. */
export function spaceToDepth(x: Tensor, block: number): Tensor {
  if (x.dims.length !== 4) shapeFail("SpaceToDepth: input must be 4-D", x.dims);
  const [N, C, H, W] = x.dims as [number, number, number, number];
  if (H % block !== 0 || W % block !== 0) shapeFail(`SpaceToDepth: spatial dims ${H}x${W} are not divisible by blocksize ${block}`, x.dims);
  const t = reshape(x, [N, C, H / block, block, W / block, block]);
  const p = transpose(t, [0, 3, 5, 1, 2, 4]);
  return reshape(p, [N, C * block * block, H / block, W / block]);
}

/** Trilu: keep the upper (or lower) triangle of the last two dims, offset by `k`. */
export function trilu(x: Tensor, upper: boolean, k: number): Tensor {
  const r = x.dims.length;
  if (r < 2) shapeFail("Trilu: input must have rank >= 2", x.dims);
  const R = x.dims[r - 2] as number;
  const C = x.dims[r - 1] as number;
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const col = i % C;
    const row = Math.floor(i / C) % R;
    const keep = upper ? col - row >= k : col - row <= k;
    out[i] = keep ? (x.data[i] as number) : 0;
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

/** CumSum along `axis` (exclusive / reverse variants). */
export function cumsum(x: Tensor, axis: number, exclusive: boolean, reverse: boolean): Tensor {
  const r = x.dims.length;
  const a = normAxis("CumSum", axis, r);
  const outer = sizeOf(x.dims.slice(0, a));
  const inner = sizeOf(x.dims.slice(a + 1));
  const d = x.dims[a] as number;
  const out = allocData(x.dtype, x.data.length);
  for (let u = 0; u < outer; u++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let s = 0; s < d; s++) {
        const j = reverse ? d - 1 - s : s;
        const at = (u * d + j) * inner + i;
        const v = x.data[at] as number;
        if (exclusive) {
          out[at] = acc;
          acc += v;
        } else {
          acc += v;
          out[at] = acc;
        }
      }
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

/** NonZero: int64 `[rank, count]` coordinates of the non-zero elements. */
export function nonZero(x: Tensor): Tensor {
  const r = x.dims.length;
  const st = stridesOf(x.dims);
  const hits: number[] = [];
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) hits.push(i);
  const rr = Math.max(r, 1);
  const out = new Float64Array(rr * hits.length);
  hits.forEach((flat, j) => {
    let rem = flat;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(rem / (st[k] as number));
      rem -= c * (st[k] as number);
      out[k * hits.length + j] = c;
    }
  });
  return { dtype: "int64", dims: [r, hits.length], data: out };
}
