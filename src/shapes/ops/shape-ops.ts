/**
 * The shape-computing ops: Shape (with `start`/`end` from opset 15), Size, ConstantOfShape,
 * Expand, Tile and Range. `Shape` is where symbolic sizes enter element values; the others turn
 * values back into shapes.
 */
import { type Dim, ceilDiv, max, mulDims, sub } from "../../ir/dim.js";
import type { DType } from "../../ir/dtype.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { VALUE_TRACK_LIMIT, tensor } from "../tensor-info.js";
import { broadcastShapes, evalBroadcast } from "./broadcast.js";
import { concreteShape, inputLength, inputValues, productDims, result, stridesOf, trackedScalars } from "./tensor-util.js";
import { type Scalar, addS, attempt, bounds, dimOfScalar, mulS, scalarOfDim, scalarsOf } from "./values.js";

function shapeInfer(ctx: InferContext): InferResult {
  const shape = ctx.input(0)?.shape ?? null;
  if (shape === null) return [tensor("int64", [null])];
  const r = shape.length;
  const clampIdx = (v: number) => Math.max(0, Math.min(r, v < 0 ? v + r : v));
  const start = clampIdx(ctx.int("start", 0));
  const end = clampIdx(ctx.int("end", r));
  const dims = start < end ? shape.slice(start, end) : [];
  return [result("int64", [dims.length], dims.map(scalarOfDim))];
}

function sizeInfer(ctx: InferContext): InferResult {
  const shape = ctx.input(0)?.shape ?? null;
  const n = shape === null ? null : productDims(shape);
  return [result("int64", [], [scalarOfDim(n)])];
}

/** The dims named by a 1-D shape operand: its values, or only its length. */
function shapeOperand(ctx: InferContext, i: number): (Dim | null)[] | null {
  const v = inputValues(ctx, i);
  if (v !== null) return v;
  const n = inputLength(ctx, i);
  return n === null ? null : new Array<Dim | null>(n).fill(null);
}

function constantOfShapeInfer(ctx: InferContext): InferResult {
  const a = ctx.attr("value");
  const t = a?.type === "tensor" ? a.value : null;
  const dtype: DType = t?.dtype ?? "float32";
  const fill: number | null = t === null ? 0 : (t.values?.[0] ?? null);
  const dims = shapeOperand(ctx, 0);
  if (dims === null) return [tensor(dtype, null)];
  dims.forEach((d, k) => {
    if (typeof d === "number" && d < 0) ctx.contradiction("NEGATIVE_DIM", `ConstantOfShape dim ${k} is ${d}`, { axis: k, dims: [d] });
  });
  const shape: ShapeDim[] = dims.map((d) => (typeof d === "number" && d < 0 ? null : d));
  const out = concreteShape(shape);
  const n = out === null ? null : out.reduce((p, d) => p * d, 1);
  const scalars = n !== null && n <= VALUE_TRACK_LIMIT ? new Array<Scalar>(n).fill(fill) : null;
  return [result(dtype, shape, scalars)];
}

function expandInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const target = shapeOperand(ctx, 1);
  if (target === null) return [tensor(dtype, null)];
  const shape = broadcastShapes(ctx, [x?.shape ?? null, target], [0, 1]);
  const out = concreteShape(shape);
  const tr = trackedScalars(x);
  let scalars: Scalar[] | null = null;
  if (out !== null && tr && out.reduce((p, d) => p * d, 1) <= VALUE_TRACK_LIMIT) scalars = evalBroadcast(out, [tr], ([v]) => v ?? null);
  return [result(dtype, shape, scalars)];
}

function tileInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null) return [tensor(dtype, null)];
  let reps: (Dim | null)[];
  if (ctx.opset < 6) {
    // Tile-1: (input, tiles, axis) scalars repeat one axis.
    const tiles = dimOfScalar(scalarsOf(ctx.input(1))?.[0] ?? null);
    const axisV = scalarsOf(ctx.input(2))?.[0];
    if (typeof axisV !== "number") return [tensor(dtype, shape.map(() => null))];
    const axis = axisV < 0 ? axisV + shape.length : axisV;
    reps = shape.map((_, k) => (k === axis ? tiles : 1));
  } else {
    const v = inputValues(ctx, 1);
    if (v === null || v.length !== shape.length) return [tensor(dtype, shape.map(() => null))];
    reps = v;
  }
  const out: ShapeDim[] = shape.map((d, k) => {
    const r = reps[k] ?? null;
    return d === null || r === null ? null : attempt(() => mulDims(d, r));
  });
  const tr = trackedScalars(x);
  const outC = concreteShape(out);
  let scalars: Scalar[] | null = null;
  if (tr && outC !== null) {
    const total = outC.reduce((p, d) => p * d, 1);
    if (total <= VALUE_TRACK_LIMIT) {
      const os = stridesOf(outC);
      const is = stridesOf(tr.shape);
      scalars = [];
      for (let flat = 0; flat < total; flat++) {
        let rem = flat;
        let off = 0;
        for (let k = 0; k < outC.length; k++) {
          const idx = Math.floor(rem / os[k]!);
          rem -= idx * os[k]!;
          off += (idx % tr.shape[k]!) * is[k]!;
        }
        scalars.push(tr.scalars[off] ?? null);
      }
    }
  }
  return [result(dtype, out, scalars)];
}

/** Range(start, limit, delta): `max(ceil((limit - start) / delta), 0)` elements (Range-11). */
function rangeInfer(ctx: InferContext): InferResult {
  const dtype = ctx.input(0)?.dtype ?? ctx.input(1)?.dtype ?? null;
  const s = scalarsOf(ctx.input(0))?.[0] ?? null;
  const l = scalarsOf(ctx.input(1))?.[0] ?? null;
  const d = scalarsOf(ctx.input(2))?.[0] ?? null;
  let len: Dim | null = null;
  if (typeof d === "number" && d !== 0 && s !== null && l !== null) {
    if (typeof s === "number" && typeof l === "number") {
      len = Math.max(Math.ceil((l - s) / d), 0);
    } else if (Number.isInteger(d)) {
      const a = dimOfScalar(s);
      const b = dimOfScalar(l);
      if (a !== null && b !== null) {
        len = attempt(() => {
          const n = ceilDiv(sub(b, a), d);
          const bd = bounds(n);
          return bd.lo >= 0 ? n : bd.hi <= 0 ? 0 : max(n, 0);
        });
      }
    }
  }
  if (typeof len === "number" && len < 0) len = 0;
  let scalars: Scalar[] | null = null;
  if (typeof len === "number" && len <= VALUE_TRACK_LIMIT && typeof d === "number") {
    const mode = { dtype };
    scalars = [];
    for (let i = 0; i < len; i++) scalars.push(addS(s, mulS(i, d, mode), mode));
  }
  return [result(dtype, [len], scalars)];
}

/** Shape, Size, ConstantOfShape, Expand, Tile and Range definitions. */
export const SHAPE_OPS: readonly OpDef[] = [
  defineOp({ type: "Shape", domain: "", since: 1, attrs: ["start", "end"], infer: shapeInfer }),
  defineOp({ type: "Size", domain: "", since: 1, attrs: [], infer: sizeInfer }),
  defineOp({ type: "ConstantOfShape", domain: "", since: 9, attrs: ["value"], infer: constantOfShapeInfer }),
  defineOp({ type: "Expand", domain: "", since: 8, attrs: [], infer: expandInfer }),
  defineOp({ type: "Tile", domain: "", since: 1, attrs: [], infer: tileInfer }),
  defineOp({ type: "Range", domain: "", since: 11, attrs: [], infer: rangeInfer }),
];
