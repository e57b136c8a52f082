/**
 * Squeeze and Unsqueeze: `axes` is an attribute before opset 13 and an input from 13
 * (negative axes from 11). Squeeze without axes removes every size-1 dim, so a symbolic dim that
 * might be 1 makes the output rank unknown. Squeezing a dim that is provably not 1 is an error in
 * every runtime ("cannot select an axis to squeeze out which has size not equal to one").
 */
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { fmt, inputInts, inputLength, normAxis, provablyNotOne, result, trackedScalars } from "./tensor-util.js";

/** The axes operand: attribute (< 13) or input 1 (13+); `"unknown"` with its length if known. */
function axesOf(ctx: InferContext): number[] | { unknown: number | null } | null {
  if (ctx.opset < 13) {
    const a = ctx.ints("axes");
    return a ? [...a] : null;
  }
  if (!ctx.hasInput(1)) return null;
  const v = inputInts(ctx, 1);
  return v ?? { unknown: inputLength(ctx, 1) };
}

function squeezeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const axes = axesOf(ctx);
  const tr = trackedScalars(x);
  const pass = tr ? tr.scalars : null;
  if (shape === null) return [tensor(dtype, null)];
  const r = shape.length;
  if (axes === null || (Array.isArray(axes) && axes.length === 0)) {
    // Remove every dim that is 1; a dim that may or may not be 1 leaves the rank unknown.
    const out: ShapeDim[] = [];
    for (const d of shape) {
      if (d === 1) continue;
      if (d === null || !provablyNotOne(d)) return [tensor(dtype, null)];
      out.push(d);
    }
    return [result(dtype, out, pass)];
  }
  if (!Array.isArray(axes)) {
    return [tensor(dtype, axes.unknown === null ? null : new Array<ShapeDim>(Math.max(0, r - axes.unknown)).fill(null))];
  }
  const norm = axes.map((a) => normAxis(a, r));
  if (norm.some((a) => a === null) || new Set(norm).size !== norm.length) return [tensor(dtype, null)];
  for (const a of norm as number[]) {
    const d = shape[a] ?? null;
    if (d !== null && provablyNotOne(d)) {
      ctx.contradiction("SQUEEZE_NOT_ONE", `Squeeze of axis ${a}, which has size ${fmt(d)}, not 1`, { axis: a, dims: [d], inputs: [ctx.node.inputs[0] ?? ""] });
    }
  }
  const out = shape.filter((_, k) => !norm.includes(k));
  return [result(dtype, out, pass)];
}

function unsqueezeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  const axes = axesOf(ctx);
  if (axes === null) return [tensor(dtype, null)];
  if (!Array.isArray(axes)) {
    return [tensor(dtype, shape === null || axes.unknown === null ? null : new Array<ShapeDim>(shape.length + axes.unknown).fill(null))];
  }
  if (shape === null) return [tensor(dtype, null)];
  const outRank = shape.length + axes.length;
  const norm = axes.map((a) => normAxis(a, outRank));
  if (norm.some((a) => a === null) || new Set(norm).size !== norm.length) return [tensor(dtype, null)];
  const out: ShapeDim[] = [];
  let j = 0;
  for (let k = 0; k < outRank; k++) out.push(norm.includes(k) ? 1 : (shape[j++] ?? null));
  const tr = trackedScalars(x);
  return [result(dtype, out, tr ? tr.scalars : null)];
}

/** Squeeze and Unsqueeze definitions. */
export const SQUEEZE_OPS: readonly OpDef[] = [
  defineOp({ type: "Squeeze", domain: "", since: 1, attrs: ["axes"], infer: squeezeInfer }),
  defineOp({ type: "Unsqueeze", domain: "", since: 1, attrs: ["axes"], infer: unsqueezeInfer }),
];
