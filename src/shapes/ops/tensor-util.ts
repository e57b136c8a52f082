/**
 * Helpers shared by the tensor-op shape functions: axis normalisation, products of dims, reading
 * integer operands (attributes, constant inputs, propagated values), provable dim mismatches and
 * building results that carry element values.
 */
import { compareDims } from "../../ir/dim-compare.js";
import { type Dim, dimEquals, isConst, mulDims, sub, symbolsOf } from "../../ir/dim.js";
import type { DType } from "../../ir/dtype.js";
import type { Shape, ShapeDim } from "../../ir/graph.js";
import type { InferContext } from "../define-op.js";
import { type TensorInfo, VALUE_TRACK_LIMIT, staticSize, tensor } from "../tensor-info.js";
import { type Scalar, attempt, bounds, scalarsOf, valueOf } from "./values.js";

/** `axis` in `[-rank, rank)` made non-negative; `null` when out of range. */
export function normAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/** Product of dims: concrete factors multiply; at most one symbolic factor stays linear. */
export function productDims(dims: readonly ShapeDim[]): Dim | null {
  let c = 1;
  let s: Dim | null = null;
  let unknown = false;
  for (const d of dims) {
    if (d === 0) return 0;
    if (d === null) unknown = true;
    else if (isConst(d)) c *= d;
    else if (s === null) s = d;
    else unknown = true; // H*W is not a linear expression
  }
  if (unknown) return null;
  if (!Number.isSafeInteger(c)) return null;
  return s === null ? c : attempt(() => mulDims(s, c));
}

/** The concrete dims of a fully concrete shape, else `null`. */
export function concreteShape(shape: Shape | null | undefined): number[] | null {
  if (!shape) return null;
  const out: number[] = [];
  for (const d of shape) {
    if (typeof d !== "number") return null;
    out.push(d);
  }
  return out;
}

/**
 * Element values of input `i` as dims: the propagated value, or the decoded constant (which also
 * covers int64 sentinels such as `INT64_MAX` that are not exact doubles). `null` when unknown.
 */
export function inputValues(ctx: InferContext, i: number): (Dim | null)[] | null {
  const info = ctx.input(i);
  if (info?.value !== undefined) return [...info.value];
  const c = ctx.constInput(i);
  if (c?.values !== undefined) return [...c.values];
  return null;
}

/** Input `i` as a list of concrete integers (every element known), else `null`. */
export function inputInts(ctx: InferContext, i: number): number[] | null {
  const v = inputValues(ctx, i);
  if (v === null) return null;
  const out: number[] = [];
  for (const d of v) {
    if (typeof d !== "number" || !Number.isInteger(d)) return null;
    out.push(d);
  }
  return out;
}

/** The element count of input `i` when its shape is known to be 1-D (or a scalar: 1). */
export function inputLength(ctx: InferContext, i: number): number | null {
  const v = inputValues(ctx, i);
  if (v !== null) return v.length;
  const s = ctx.input(i)?.shape;
  if (!s) return null;
  if (s.length === 0) return 1;
  const d = s[0];
  return s.length === 1 && typeof d === "number" ? d : null;
}

/** Scalars of a tracked value whose shape is static; `null` when not tracked. */
export function trackedScalars(info: TensorInfo | null | undefined): { shape: number[]; scalars: Scalar[] } | null {
  const shape = concreteShape(info?.shape);
  const scalars = scalarsOf(info);
  if (shape === null || scalars === null) return null;
  const n = staticSize(shape);
  if (n === null || n !== scalars.length) return null;
  return { shape, scalars };
}

/** A result tensor; the value is attached when the shape is static and small enough. */
export function result(dtype: DType | null, shape: Shape | null, scalars?: readonly Scalar[] | null): TensorInfo {
  if (scalars && shape) {
    const n = staticSize(shape);
    if (n !== null && n === scalars.length && n <= VALUE_TRACK_LIMIT && (n === 0 || scalars.some((s) => s !== null))) {
      return tensor(dtype, shape, valueOf(scalars, dtype));
    }
  }
  return tensor(dtype, shape);
}

/** Row-major strides of a concrete shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}

/**
 * True when two known dims provably differ: both concrete and different, a non-zero constant
 * difference, or (a cheap, bounded call of) the exact residue-class decision says "never".
 */
export function provablyDifferent(a: Dim, b: Dim): boolean {
  if (dimEquals(a, b)) return false;
  if (isConst(a) && isConst(b)) return a !== b;
  const diff = attempt(() => sub(a, b));
  if (diff === null) return false;
  if (isConst(diff)) return diff !== 0;
  const { lo, hi } = bounds(diff);
  if (lo > 0 || hi < 0) return true;
  // The residue-class decision can only say "never" for a difference in one symbol.
  if (symbolsOf(diff).size !== 1) return false;
  return compareDims(a, b, { budget: 4096 }).verdict === "never";
}

/** True when a known dim is provably not 1 (so it cannot be broadcast). */
export function provablyNotOne(d: Dim): boolean {
  if (isConst(d)) return d !== 1;
  const { lo, hi } = bounds(d);
  return lo >= 2 || hi <= 0;
}

/** The first non-null dtype among the given inputs. */
export function firstDtype(ctx: InferContext, ...indices: number[]): DType | null {
  for (const i of indices) {
    const d = ctx.input(i)?.dtype;
    if (d) return d;
  }
  return null;
}

/** Names of the node's inputs at the given indices (for contradiction data). */
export function inputNames(ctx: InferContext, indices: readonly number[]): string[] {
  return indices.map((i) => ctx.node.inputs[i] ?? "");
}

/** Format a dim for messages. */
export function fmt(d: ShapeDim): string {
  return d === null ? "?" : typeof d === "number" ? String(d) : d.key;
}

/** Format a shape for messages: `[1, 3, H, W]`. */
export function fmtShape(s: Shape | null): string {
  return s === null ? "[?]" : `[${s.map(fmt).join(", ")}]`;
}

/** Clamp `x` into `[lo, hi]` over dims, simplifying when the order is provable. */
export function clampDim(x: Dim, lo: Dim, hi: Dim): Dim | null {
  return attempt(() => {
    const xl = bounds(sub(x, lo));
    if (xl.hi <= 0) return lo;
    const xh = bounds(sub(x, hi));
    if (xh.lo >= 0) return hi;
    if (xl.lo >= 0 && xh.hi <= 0) return x;
    return null;
  });
}

/**
 * Take the given positions along `axis` of a concrete-shaped tracked tensor (the value part of
 * Gather with 1-D indices, Split and Slice). Returns the new shape and elements.
 */
export function takeAlong(shape: readonly number[], scalars: readonly Scalar[], axis: number, indices: readonly number[]): { shape: number[]; scalars: Scalar[] } {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const n = shape[axis]!;
  const out: Scalar[] = [];
  for (let o = 0; o < outer; o++) {
    for (const i of indices) {
      const base = (o * n + i) * inner;
      for (let k = 0; k < inner; k++) out.push(scalars[base + k] ?? null);
    }
  }
  const newShape = [...shape];
  newShape[axis] = indices.length;
  return { shape: newShape, scalars: out };
}

/** Indices `start, start + step, ...` of a concrete slice of length `len`. */
export function rangeIndices(start: number, step: number, len: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < len; k++) out.push(start + k * step);
  return out;
}
