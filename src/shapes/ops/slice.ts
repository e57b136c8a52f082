/**
 * Slice (opset 1: `starts`/`ends`/`axes` attributes; opset 10+: inputs `starts`, `ends`,
 * optional `axes` and `steps`). Semantics of onnx/defs/tensor/defs.cc (Slice-13): a negative
 * index counts from the end; then, for a positive step, start and end are clamped to `[0, d]`;
 * for a negative step start is clamped to `[0, d-1]` and end to `[-1, d-1]`; the length is
 * `max(0, ceil((end - start) / step))`.
 *
 * On a symbolic size the same rules are kept exactly with `min`/`max` (simplified when the order
 * is provable). Starts and ends may themselves be symbolic (`x[:, :, :skip.size(2)]`). Indices of
 * magnitude at least 2^31 - 1 (`INT64_MAX`, `INT32_MAX`, `INT64_MIN`: "to the end") are taken as
 * beyond any symbolic size, i.e. a symbolic size is assumed to be below 2^31 - 1.
 */
import { type Dim, add, ceilDiv, isConst, max, min, sub } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { type Scalar, attempt, bounds, signOf } from "./values.js";
import { clampDim, inputInts, inputValues, normAxis, rangeIndices, result, takeAlong, trackedScalars } from "./tensor-util.js";

/** Indices at least this large in magnitude mean "past the end" on a symbolic axis. */
const HUGE = 2147483647;

/** Clamp `x` to `[lo, hi]`, exactly: simplified when provable, else `max(lo, min(x, hi))`. */
function clamp(x: Dim, lo: Dim, hi: Dim): Dim | null {
  const c = clampDim(x, lo, hi);
  if (c !== null) return c;
  return attempt(() => {
    const below = bounds(sub(x, hi)).hi <= 0; // x <= hi
    const above = bounds(sub(x, lo)).lo >= 0; // x >= lo
    if (below) return max(lo, x);
    if (above) return min(x, hi);
    return max(lo, min(x, hi));
  });
}

/** The effective index after negative adjustment and clamping to `[lo, d + hiOff]`. */
function effective(v: Dim, d: Dim, lo: number, hiOff: number): Dim | null {
  const hi = attempt(() => add(d, hiOff));
  if (hi === null) return null;
  if (isConst(v) && isConst(d)) {
    const a = v < 0 ? v + d : v;
    return Math.max(lo, Math.min(a, d + hiOff));
  }
  if (isConst(v) && v >= HUGE) return hi;
  if (isConst(v) && v <= -HUGE) return lo;
  const sign = signOf(v);
  if (sign === "pos" || sign === "zero" || sign === "nonneg") return clamp(v, lo, hi);
  if (sign === "neg") return attempt(() => clamp(add(v, d), lo, hi));
  return null;
}

/**
 * `a - b`, distributing over a subtracted `max`/`min` (`a - max(b, c) = min(a - b, a - c)`) so
 * that e.g. `H - max(0, H - 3)` reads `min(3, H)`.
 */
function subDist(a: Dim, b: Dim): Dim {
  if (!isConst(b) && b.c === 0 && b.terms.length === 1) {
    const t = b.terms[0]!;
    if (t.coef === 1 && (t.atom.kind === "max" || t.atom.kind === "min")) {
      const parts = t.atom.args.map((x) => sub(a, x));
      return t.atom.kind === "max" ? min(...parts) : max(...parts);
    }
  }
  return sub(a, b);
}

/** `max(0, x)`, dropping the arguments of a `max` that are provably not positive. */
function nonNeg(x: Dim): Dim | null {
  let args: Dim[] = [x];
  if (!isConst(x) && x.c === 0 && x.terms.length === 1 && x.terms[0]!.coef === 1 && x.terms[0]!.atom.kind === "max") args = [...x.terms[0]!.atom.args];
  args = args.filter((a) => bounds(a).hi > 0);
  if (args.length === 0) return 0;
  if (args.some((a) => bounds(a).lo >= 0)) return attempt(() => (args.length === 1 ? args[0]! : max(...args)));
  return attempt(() => max(0, ...args));
}

/** Output length and (for concrete sizes) the index list of one sliced axis. */
export function sliceAxis(d: Dim, s: Dim, e: Dim, step: number): { len: Dim | null; indices: number[] | null } {
  if (step === 0) return { len: null, indices: null };
  const start = step > 0 ? effective(s, d, 0, 0) : effective(s, d, 0, -1);
  const end = step > 0 ? effective(e, d, 0, 0) : effective(e, d, -1, -1);
  if (start === null || end === null) return { len: null, indices: null };
  const len = attempt(() => (step > 0 ? nonNeg(ceilDiv(subDist(end, start), step)) : nonNeg(ceilDiv(subDist(start, end), -step))));
  const indices = isConst(len) && isConst(start) ? rangeIndices(start, step, len) : null;
  return { len, indices };
}

function sliceInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null) return [tensor(dtype, null)];
  const rank = shape.length;
  let starts: (Dim | null)[] | null;
  let ends: (Dim | null)[] | null;
  let axes: number[] | null;
  let steps: (Dim | null)[] | null;
  if (ctx.opset < 10) {
    starts = ctx.ints("starts")?.slice() ?? null;
    ends = ctx.ints("ends")?.slice() ?? null;
    axes = ctx.ints("axes")?.slice() ?? null;
    steps = null;
  } else {
    starts = inputValues(ctx, 1);
    ends = inputValues(ctx, 2);
    axes = ctx.hasInput(3) ? inputInts(ctx, 3) : null;
    steps = ctx.hasInput(4) ? inputValues(ctx, 4) : null;
    if (ctx.hasInput(3) && axes === null) return [tensor(dtype, shape.map(() => null))];
    if (ctx.hasInput(4) && steps === null) {
      // Unknown steps: the sliced axes are unknown, the others pass through.
      return [tensor(dtype, axes === null ? shape.map(() => null) : shape.map((dim, k) => (axes!.some((a) => normAxis(a, rank) === k) ? null : dim)))];
    }
  }
  const n = starts?.length ?? ends?.length ?? axes?.length ?? null;
  if (starts === null || ends === null || n === null) {
    const ax = axes;
    return [tensor(dtype, ax === null ? shape.map(() => null) : shape.map((dim, k) => (ax.some((a) => normAxis(a, rank) === k) ? null : dim)))];
  }
  const axisList = axes ?? Array.from({ length: n }, (_, k) => k);
  if (starts.length !== axisList.length || ends.length !== axisList.length || (steps !== null && steps.length !== axisList.length)) {
    return [tensor(dtype, shape.map(() => null))];
  }
  const out: ShapeDim[] = [...shape];
  const perAxis: { axis: number; indices: number[] | null }[] = [];
  const seen = new Set<number>();
  for (let j = 0; j < axisList.length; j++) {
    const axis = normAxis(axisList[j]!, rank);
    if (axis === null || seen.has(axis)) return [tensor(dtype, shape.map(() => null))];
    seen.add(axis);
    const d = shape[axis] ?? null;
    const s = starts[j] ?? null;
    const e = ends[j] ?? null;
    const t = steps === null ? 1 : (steps[j] ?? null);
    if (d === null || s === null || e === null || typeof t !== "number" || !Number.isInteger(t)) {
      out[axis] = null;
      perAxis.push({ axis, indices: null });
      continue;
    }
    const r = sliceAxis(d, s, e, t);
    out[axis] = r.len;
    perAxis.push({ axis, indices: r.indices });
  }
  // Values: take the selected positions axis by axis.
  const tr = trackedScalars(x);
  let scalars: Scalar[] | null = null;
  if (tr && perAxis.every((p) => p.indices !== null)) {
    let cur = { shape: tr.shape, scalars: tr.scalars };
    for (const p of perAxis) cur = takeAlong(cur.shape, cur.scalars, p.axis, p.indices!);
    scalars = cur.scalars;
  }
  return [result(dtype, out, scalars)];
}

/** Slice definitions. */
export const SLICE_OPS: readonly OpDef[] = [
  defineOp({ type: "Slice", domain: "", since: 1, attrs: ["starts", "ends", "axes"], infer: sliceInfer }),
  defineOp({ type: "Slice", domain: "", since: 10, attrs: [], infer: sliceInfer }),
];
