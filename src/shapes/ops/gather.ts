/**
 * Indexing ops: Gather (which picks sizes out of a `Shape` value), GatherElements, GatherND,
 * the Scatter family, OneHot, TopK, the same-shape Trilu, ReverseSequence and EyeLike, and the
 * data-dependent NonZero, Compress, Unique and NonMaxSuppression (whose output length is
 * unknown unless the data is known).
 */
import { dtypeFromOnnx } from "../../ir/dtype.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp, defineOps } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { fmt, inputInts, normAxis, productDims, result, takeAlong, trackedScalars } from "./tensor-util.js";
import { type Scalar, dimOfScalar, scalarsOf } from "./values.js";

function gatherInfer(ctx: InferContext): InferResult {
  const data = ctx.input(0);
  const dtype = data?.dtype ?? null;
  const ds = data?.shape ?? null;
  const is = ctx.input(1)?.shape ?? null;
  if (ds === null || is === null) return [tensor(dtype, null)];
  const axis = normAxis(ctx.int("axis", 0), ds.length);
  if (axis === null) return [tensor(dtype, null)];
  const out: ShapeDim[] = [...ds.slice(0, axis), ...is, ...ds.slice(axis + 1)];
  const d = ds[axis] ?? null;
  const idx = inputInts(ctx, 1);
  let norm: number[] | null = null;
  if (idx !== null && typeof d === "number") {
    norm = [];
    for (const i of idx) {
      if (i < -d || i >= d) {
        ctx.contradiction("INDEX_OUT_OF_RANGE", `Gather index ${i} is out of range for axis ${axis} of size ${fmt(d)}`, { axis, dims: [d], index: i });
        norm = null;
        break;
      }
      norm.push(i < 0 ? i + d : i);
    }
  }
  const tr = trackedScalars(data);
  let scalars: Scalar[] | null = null;
  if (tr && norm !== null) scalars = takeAlong(tr.shape, tr.scalars, axis, norm).scalars;
  return [result(dtype, out, scalars)];
}

function gatherElementsInfer(ctx: InferContext): InferResult {
  return [tensor(ctx.input(0)?.dtype ?? null, ctx.input(1)?.shape ?? null)];
}

function gatherNDInfer(ctx: InferContext): InferResult {
  const dtype = ctx.input(0)?.dtype ?? null;
  const ds = ctx.input(0)?.shape ?? null;
  const is = ctx.input(1)?.shape ?? null;
  const b = ctx.int("batch_dims", 0);
  if (ds === null || is === null || is.length === 0) return [tensor(dtype, null)];
  const m = is[is.length - 1];
  if (typeof m !== "number" || b + m > ds.length) return [tensor(dtype, null)];
  return [tensor(dtype, [...is.slice(0, -1), ...ds.slice(b + m)])];
}

function sameAsData(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  return [tensor(x?.dtype ?? null, x?.shape ?? null)];
}

function oneHotInfer(ctx: InferContext): InferResult {
  const dtype = ctx.input(2)?.dtype ?? null;
  const is = ctx.input(0)?.shape ?? null;
  if (is === null) return [tensor(dtype, null)];
  const depthS = scalarsOf(ctx.input(1))?.[0] ?? null;
  // Depth may be any numeric type; a float depth is truncated to an integer (OneHot-11 text).
  const depth = typeof depthS === "number" ? Math.trunc(depthS) : dimOfScalar(depthS);
  const r = is.length + 1;
  const axis = normAxis(ctx.int("axis", -1), r);
  if (axis === null) return [tensor(dtype, null)];
  const out: ShapeDim[] = [...is];
  out.splice(axis, 0, depth);
  return [tensor(dtype, out)];
}

function topKInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null) return [tensor(dtype, null), tensor("int64", null)];
  const axis = normAxis(ctx.int("axis", -1), shape.length);
  if (axis === null) return [tensor(dtype, null), tensor("int64", null)];
  const k = ctx.opset < 10 ? (ctx.int("k") ?? null) : dimOfScalar(scalarsOf(ctx.input(1))?.[0] ?? null);
  const d = shape[axis] ?? null;
  if (typeof k === "number" && typeof d === "number" && k > d) {
    ctx.contradiction("TOPK_TOO_LARGE", `TopK k=${k} exceeds axis ${axis} of size ${d}`, { axis, dims: [d], k });
  }
  const out = shape.map((dim, i) => (i === axis ? k : dim));
  return [tensor(dtype, out), tensor("int64", out)];
}

/** Number of non-zero elements among `xs` when every one is known. */
function countTrue(xs: readonly Scalar[]): number | null {
  let n = 0;
  for (const x of xs) {
    if (typeof x !== "number") return null;
    if (x !== 0) n++;
  }
  return n;
}

function nonZeroInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const shape = x?.shape ?? null;
  // The count is data-dependent; it is known only when the input's elements are.
  const tr = trackedScalars(x);
  return [tensor("int64", [shape === null ? null : shape.length, tr ? countTrue(tr.scalars) : null])];
}

function compressInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const axisAttr = ctx.int("axis");
  // The selected count is known when the condition is: a condition shorter than the axis
  // truncates it (Compress-11 text), so only its first `d` entries count.
  const cond = trackedScalars(ctx.input(1));
  const count = (d: number) => (cond === null ? null : countTrue(cond.scalars.slice(0, d)));
  if (axisAttr === undefined) {
    const total = shape === null ? null : productDims(shape);
    return [tensor(dtype, [typeof total === "number" ? count(total) : null])];
  }
  if (shape === null) return [tensor(dtype, null)];
  const axis = normAxis(axisAttr, shape.length);
  if (axis === null) return [tensor(dtype, null)];
  const d = shape[axis] ?? null;
  return [tensor(dtype, shape.map((dim, k) => (k === axis ? (typeof d === "number" ? count(d) : null) : dim)))];
}

/**
 * Unique (opset 11): Y is 1-D `[U]` (or X with `U` on `axis`), indices and counts `[U]`,
 * inverse_indices `[numel(X)]` (or `[X.shape[axis]]`). `U` (distinct elements, or distinct slices
 * along `axis`) is known only for known data.
 */
function uniqueInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const axisAttr = ctx.int("axis");
  const tr = trackedScalars(x);
  let u: number | null = null;
  if (tr && axisAttr === undefined && tr.scalars.every((v) => typeof v === "number")) u = new Set(tr.scalars).size;
  if (axisAttr === undefined) {
    const n = shape === null ? null : productDims(shape);
    return [tensor(dtype, [u]), tensor("int64", [u]), tensor("int64", [n]), tensor("int64", [u])];
  }
  const axis = shape === null ? null : normAxis(axisAttr, shape.length);
  if (tr && axis !== null && tr.scalars.every((v) => typeof v === "number")) {
    // Distinct slices along the axis.
    const keys = new Set<string>();
    for (let i = 0; i < tr.shape[axis]!; i++) keys.add(takeAlong(tr.shape, tr.scalars, axis, [i]).scalars.join(","));
    u = keys.size;
    return [tensor(dtype, tr.shape.map((d, k) => (k === axis ? u : d))), tensor("int64", [u]), tensor("int64", [tr.shape[axis]!]), tensor("int64", [u])];
  }
  const y = shape === null || axis === null ? null : shape.map((d, k) => (k === axis ? null : d));
  const along = shape === null || axis === null ? null : (shape[axis] ?? null);
  return [tensor(dtype, y), tensor("int64", [null]), tensor("int64", [along]), tensor("int64", [null])];
}

/** Gather-family, scatter-family, OneHot, TopK, same-shape indexing, NonZero and Compress definitions. */
export const GATHER_OPS: readonly OpDef[] = [
  defineOp({ type: "Gather", domain: "", since: 1, attrs: ["axis"], infer: gatherInfer }),
  defineOp({ type: "GatherElements", domain: "", since: 11, attrs: ["axis"], infer: gatherElementsInfer }),
  defineOp({ type: "GatherND", domain: "", since: 11, attrs: ["batch_dims"], infer: gatherNDInfer }),
  ...defineOps(["Scatter", "ScatterElements", "ScatterND"], { domain: "", since: 9, attrs: ["axis", "reduction"], infer: sameAsData }),
  defineOp({ type: "OneHot", domain: "", since: 9, attrs: ["axis"], infer: oneHotInfer }),
  defineOp({ type: "TopK", domain: "", since: 1, attrs: ["axis", "k", "largest", "sorted"], infer: topKInfer }),
  defineOp({ type: "Trilu", domain: "", since: 14, attrs: ["upper"], infer: sameAsData }),
  defineOp({ type: "ReverseSequence", domain: "", since: 10, attrs: ["batch_axis", "time_axis"], infer: sameAsData }),
  defineOp({
    type: "EyeLike",
    domain: "",
    since: 9,
    attrs: ["dtype", "k"],
    infer: (ctx) => {
      const code = ctx.int("dtype");
      return [tensor(code === undefined ? (ctx.input(0)?.dtype ?? null) : dtypeFromOnnx(code), ctx.input(0)?.shape ?? null)];
    },
  }),
  defineOp({ type: "NonZero", domain: "", since: 9, attrs: [], infer: nonZeroInfer }),
  defineOp({ type: "Unique", domain: "", since: 11, attrs: ["axis", "sorted"], infer: uniqueInfer }),
  // NonMaxSuppression: [num_selected, 3] indices (batch, class, box); the count is data-dependent.
  defineOp({ type: "NonMaxSuppression", domain: "", since: 10, attrs: ["center_point_box"], infer: () => [tensor("int64", [null, 3])] }),
  defineOp({ type: "Compress", domain: "", since: 9, attrs: ["axis"], infer: compressInfer }),
];
