/**
 * Reductions (ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare), ArgMax/ArgMin and
 * CumSum. (Softmax, LogSoftmax and Hardmax are registered with the activations in index-nn.ts.)
 *
 * `axes` is an attribute until ReduceSum-13 / the others' opset 18 and an input afterwards, where
 * `noop_with_empty_axes = 1` turns an empty axes list into the identity. Reductions of tracked
 * values (ReduceProd of a `Shape`, e.g. the element count) are evaluated for Sum, Prod, Max,
 * Min and Mean.
 */
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp, defineOps } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { inputInts, inputLength, normAxis, result, stridesOf, trackedScalars } from "./tensor-util.js";
import { type ArithMode, type Scalar, addS, divS, maxS, minS, mulS } from "./values.js";

type Reducer = (acc: Scalar, x: Scalar, mode: ArithMode) => Scalar;

const VALUE_REDUCERS: Readonly<Record<string, { step: Reducer; mean?: boolean }>> = {
  ReduceSum: { step: addS },
  ReduceProd: { step: mulS },
  ReduceMax: { step: (a, b) => maxS(a, b) },
  ReduceMin: { step: (a, b) => minS(a, b) },
  ReduceMean: { step: addS, mean: true },
};

function reduceInfer(ctx: InferContext, axesAsInput: boolean): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const keep = ctx.int("keepdims", 1) === 1;
  let axes: number[] | null;
  let unknownCount: number | null = null;
  let unknown = false;
  if (axesAsInput) {
    if (!ctx.hasInput(1)) axes = [];
    else {
      axes = inputInts(ctx, 1);
      if (axes === null) {
        unknown = true;
        unknownCount = inputLength(ctx, 1);
      }
    }
  } else axes = ctx.ints("axes")?.slice() ?? [];
  if (shape === null) return [tensor(dtype, null)];
  const r = shape.length;
  if (unknown) {
    if (keep) return [tensor(dtype, shape.map(() => null))];
    return [tensor(dtype, unknownCount === null ? null : new Array<ShapeDim>(Math.max(0, r - unknownCount)).fill(null))];
  }
  const tr = trackedScalars(x);
  if (axes!.length === 0) {
    if (axesAsInput && ctx.int("noop_with_empty_axes", 0) === 1) return [result(dtype, shape, tr ? tr.scalars : null)];
    axes = shape.map((_, k) => k);
  }
  const norm = axes!.map((a) => normAxis(a, r));
  if (norm.some((a) => a === null)) return [tensor(dtype, null)];
  const set = new Set(norm as number[]);
  const out: ShapeDim[] = [];
  shape.forEach((d, k) => {
    if (!set.has(k)) out.push(d);
    else if (keep) out.push(1);
  });
  const reducer = VALUE_REDUCERS[ctx.node.opType];
  let scalars: Scalar[] | null = null;
  if (tr && reducer) scalars = reduceValues(tr.shape, tr.scalars, set, reducer.step, reducer.mean === true, { dtype });
  return [result(dtype, out, scalars)];
}

function reduceValues(shape: readonly number[], xs: readonly Scalar[], axes: ReadonlySet<number>, step: Reducer, mean: boolean, mode: ArithMode): Scalar[] | null {
  const outShape = shape.map((d, k) => (axes.has(k) ? 1 : d));
  const outStrides = stridesOf(outShape);
  const inStrides = stridesOf(shape);
  const total = outShape.reduce((p, d) => p * d, 1);
  const acc: (Scalar | undefined)[] = new Array<Scalar | undefined>(total).fill(undefined);
  xs.forEach((v, flat) => {
    let rem = flat;
    let o = 0;
    for (let k = 0; k < shape.length; k++) {
      const idx = Math.floor(rem / inStrides[k]!);
      rem -= idx * inStrides[k]!;
      if (!axes.has(k)) o += idx * outStrides[k]!;
    }
    const cur = acc[o];
    acc[o] = cur === undefined ? v : step(cur, v, mode);
  });
  const count = shape.reduce((p, d, k) => (axes.has(k) ? p * d : p), 1);
  if (acc.some((a) => a === undefined)) return null; // empty reduction: identity values not modelled
  return (acc as Scalar[]).map((a) => (mean ? divS(a, count, mode) : a));
}

const REDUCE_TYPES = ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

function argInfer(ctx: InferContext): InferResult {
  const shape = ctx.input(0)?.shape ?? null;
  if (shape === null) return [tensor("int64", null)];
  const axis = normAxis(ctx.int("axis", 0), shape.length);
  if (axis === null) return [tensor("int64", null)];
  const keep = ctx.int("keepdims", 1) === 1;
  const out: ShapeDim[] = [];
  shape.forEach((d, k) => {
    if (k !== axis) out.push(d);
    else if (keep) out.push(1);
  });
  return [tensor("int64", out)];
}

function sameShape(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  return [tensor(x?.dtype ?? null, x?.shape ?? null)];
}

/** Reduction, arg-reduction and CumSum definitions. */
export const REDUCE_OPS: readonly OpDef[] = [
  defineOp({ type: "ReduceSum", domain: "", since: 1, attrs: ["axes", "keepdims"], infer: (ctx) => reduceInfer(ctx, false) }),
  defineOp({ type: "ReduceSum", domain: "", since: 13, attrs: ["keepdims", "noop_with_empty_axes"], infer: (ctx) => reduceInfer(ctx, true) }),
  ...defineOps(REDUCE_TYPES, { domain: "", since: 1, attrs: ["axes", "keepdims"], infer: (ctx) => reduceInfer(ctx, false) }),
  ...defineOps(REDUCE_TYPES, { domain: "", since: 18, attrs: ["keepdims", "noop_with_empty_axes"], infer: (ctx) => reduceInfer(ctx, true) }),
  ...defineOps(["ArgMax", "ArgMin"], { domain: "", since: 1, attrs: ["axis", "keepdims", "select_last_index"], infer: argInfer }),
  defineOp({ type: "CumSum", domain: "", since: 11, attrs: ["exclusive", "reverse"], infer: sameShape }),
];
