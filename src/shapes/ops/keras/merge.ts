/**
 * Keras merge layers. `Concatenate` needs equal sizes on every axis but `axis` (Keras checks
 * this when the shapes are static, keras#19964: "A `Concatenate` layer requires inputs with
 * matching shapes except for the concatenation axis"). The elementwise merges (`Add`,
 * `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`) follow Keras 2/3
 * `Merge._compute_elemwise_op_output_shape`: the batch axis apart, the other axes aligned from
 * the right (lower-rank inputs are expanded after the batch axis), a size 1 stretches, other
 * sizes must agree. `Dot` follows `Dot.compute_output_shape`. `ops.*` are Keras 3 `keras.ops`
 * calls recorded in a functional graph (numpy broadcasting over every axis, batch included).
 */
import { type Dim, add, dimEquals, isConst, max } from "../../../ir/dim.js";
import type { DType } from "../../../ir/dtype.js";
import type { Shape, ShapeDim } from "../../../ir/graph.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { tensor } from "../../tensor-info.js";
import { ConfigError, normAxis, raw, unwrapTuple } from "./config.js";
import { fmtShape, kerasOps, pickEqual, provablyDifferent, provablyNotOne } from "./define.js";

function inputShapes(ctx: InferContext): (Shape | null)[] {
  const out: (Shape | null)[] = [];
  for (let i = 0; i < ctx.inputCount; i++) out.push(ctx.input(i)?.shape ?? null);
  return out;
}

function firstDtype(ctx: InferContext): DType | null {
  for (let i = 0; i < ctx.inputCount; i++) {
    const d = ctx.input(i)?.dtype;
    if (d) return d;
  }
  return null;
}

function concatInfer(ctx: InferContext): InferResult {
  const shapes = inputShapes(ctx);
  const dtype = firstDtype(ctx);
  const axisRaw = raw(ctx, "axis", "concat_axis");
  const axisArg = axisRaw === undefined || axisRaw === null ? -1 : axisRaw;
  if (typeof axisArg !== "number" || !Number.isInteger(axisArg)) throw new ConfigError("axis", `'axis' must be an integer, got ${JSON.stringify(axisRaw)}`);
  const known = shapes.filter((s): s is Shape => s !== null);
  if (known.length === 0) return null;
  const rank = known[0]!.length;
  if (known.some((s) => s.length !== rank)) {
    ctx.contradiction("RANK_MISMATCH", `Concatenate inputs have different ranks: ${shapes.map(fmtShape).join(", ")}`, {
      shapes: shapes.map((s) => (s === null ? null : [...s])),
      inputs: [...ctx.node.inputs],
    });
    return null;
  }
  const axis = normAxis(axisArg, rank);
  if (axis === null) throw new ConfigError("axis", `'axis' ${axisArg} is out of range for rank ${rank}`);
  const out: ShapeDim[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = shapes.map((s) => (s === null ? null : (s[k] ?? null)));
    if (k === axis) {
      if (shapes.some((s) => s === null) || dims.some((d) => d === null)) out.push(null);
      else out.push((dims as Dim[]).reduce((p, d) => add(p, d), 0 as Dim));
      continue;
    }
    let mismatch = false;
    for (let i = 0; i < dims.length && !mismatch; i++) {
      for (let j = i + 1; j < dims.length; j++) {
        if (provablyDifferent(dims[i] ?? null, dims[j] ?? null)) {
          mismatch = true;
          break;
        }
      }
    }
    if (mismatch) {
      ctx.contradiction("CONCAT_MISMATCH", `Concatenate on axis ${axis} needs equal sizes on axis ${k}, got ${dims.map((d) => (d === null ? "?" : String(d))).join(" vs ")} (${shapes.map(fmtShape).join(", ")})`, {
        axis: k,
        concatAxis: axis,
        dims,
        inputs: [...ctx.node.inputs],
      });
      out.push(null);
    } else out.push(pickEqual(dims));
  }
  return [tensor(dtype, out)];
}

/** Broadcast one aligned axis; records `BROADCAST_MISMATCH` for two sizes that can never agree. */
function broadcastAxis(ctx: InferContext, entries: readonly { dim: ShapeDim; input: number }[], axis: number): ShapeDim {
  const candidates = entries.filter((e) => e.dim !== 1);
  if (candidates.length === 0) return 1;
  for (let i = 0; i < candidates.length; i++) {
    const a = candidates[i]!;
    if (!provablyNotOne(a.dim)) continue;
    for (let j = i + 1; j < candidates.length; j++) {
      const b = candidates[j]!;
      if (provablyNotOne(b.dim) && provablyDifferent(a.dim, b.dim)) {
        const names = [ctx.node.inputs[a.input] ?? "", ctx.node.inputs[b.input] ?? ""];
        ctx.contradiction("BROADCAST_MISMATCH", `${ctx.node.opType} cannot broadcast ${String(a.dim)} with ${String(b.dim)} at axis ${axis} (inputs '${names[0]}' and '${names[1]}')`, {
          axis,
          dims: [a.dim, b.dim],
          inputs: names,
        });
        return null;
      }
    }
  }
  if (candidates.some((c) => c.dim === null)) return null;
  const dims = candidates.map((c) => c.dim as Dim);
  const constant = dims.find((d) => isConst(d));
  if (constant !== undefined) return constant;
  if (dims.every((d) => dimEquals(d, dims[0]!))) return dims[0]!;
  // The batch axis of Keras tensors: separate inputs get separate batch symbols, which Keras
  // assumes equal (its static shape says None); keep the first instead of max(...).
  if (axis === 0) return dims[0]!;
  // Neither side is provably 1: whenever the broadcast is legal the result is the larger one.
  return max(...dims);
}

/** Right-aligned broadcast of shapes starting at `from` (1 skips the batch axis). */
function broadcastFrom(ctx: InferContext, shapes: readonly Shape[], from: number): ShapeDim[] {
  const rests = shapes.map((s) => s.slice(from));
  const rank = Math.max(0, ...rests.map((s) => s.length));
  const out: ShapeDim[] = [];
  for (let k = 0; k < rank; k++) {
    const entries: { dim: ShapeDim; input: number }[] = [];
    rests.forEach((s, j) => {
      const idx = s.length - rank + k;
      if (idx >= 0) entries.push({ dim: s[idx] ?? null, input: j });
    });
    out.push(broadcastAxis(ctx, entries, k + from));
  }
  return out;
}

function elementwiseInfer(ctx: InferContext): InferResult {
  const shapes = inputShapes(ctx);
  const dtype = firstDtype(ctx);
  if (ctx.node.opType === "Subtract" && ctx.inputCount !== 2) {
    ctx.contradiction("ARITY_MISMATCH", `Subtract takes exactly 2 inputs, got ${ctx.inputCount}`, { expected: 2, actual: ctx.inputCount });
    return null;
  }
  if (shapes.some((s) => s === null)) return [tensor(dtype, null)];
  const list = shapes as Shape[];
  if (list.some((s) => s.length === 0)) return [tensor(dtype, null)];
  const batch = pickEqual(list.map((s) => s[0] ?? null));
  return [tensor(dtype, [batch, ...broadcastFrom(ctx, list, 1)])];
}

function numpyBinaryInfer(ctx: InferContext): InferResult {
  const shapes = inputShapes(ctx);
  const dtype = firstDtype(ctx);
  if (shapes.length < 2 || shapes.some((s) => s === null)) return null;
  return [tensor(dtype, broadcastFrom(ctx, shapes as Shape[], 0))];
}

function dotInfer(ctx: InferContext): InferResult {
  const a = ctx.input(0)?.shape ?? null;
  const b = ctx.input(1)?.shape ?? null;
  const dtype = firstDtype(ctx);
  if (ctx.inputCount !== 2) {
    ctx.contradiction("ARITY_MISMATCH", `Dot takes exactly 2 inputs, got ${ctx.inputCount}`, { expected: 2, actual: ctx.inputCount });
    return null;
  }
  if (a === null || b === null) return null;
  const axesRaw = unwrapTuple(raw(ctx, "axes", "dot_axes"));
  let axes: [number, number];
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
  if (isInt(axesRaw)) axes = [axesRaw, axesRaw];
  else if (Array.isArray(axesRaw) && axesRaw.length === 2 && axesRaw.every(isInt)) axes = [axesRaw[0] as number, axesRaw[1] as number];
  else throw new ConfigError("axes", `'axes' must be an integer or a pair of integers, got ${JSON.stringify(axesRaw)}`);
  // Keras: negative axes are taken modulo the rank of each input.
  const a0 = ((axes[0] % a.length) + a.length) % a.length;
  const b0 = ((axes[1] % b.length) + b.length) % b.length;
  if (provablyDifferent(a[a0] ?? null, b[b0] ?? null)) {
    ctx.contradiction("DOT_MISMATCH", `Dot over axes (${a0}, ${b0}) needs equal sizes, got ${String(a[a0])} and ${String(b[b0])} (${fmtShape(a)}, ${fmtShape(b)})`, {
      axes: [a0, b0],
      dims: [a[a0] ?? null, b[b0] ?? null],
      inputs: [...ctx.node.inputs],
    });
  }
  const s1 = a.filter((_, i) => i !== a0);
  const s2 = b.filter((_, i) => i !== b0).slice(1);
  const out = [...s1, ...s2];
  if (out.length === 1) out.push(1);
  return [tensor(dtype, out)];
}

/** Keras merge layers and `keras.ops` binary calls. */
export const KERAS_MERGE_OPS: readonly OpDef[] = [
  ...kerasOps(["Concatenate"], ["axis", "concat_axis", "mode", "dot_axes", "output_shape", "output_mask", "mode_type", "arguments", "output_shape_type", "output_mask_type"], concatInfer),
  ...kerasOps(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"], ["mode", "concat_axis", "dot_axes", "output_shape", "output_mask", "mode_type", "arguments", "output_shape_type", "output_mask_type"], elementwiseInfer),
  ...kerasOps(["Dot"], ["axes", "normalize", "mode", "concat_axis", "dot_axes", "output_shape", "output_mask", "mode_type", "arguments", "output_shape_type", "output_mask_type"], dotInfer),
  ...kerasOps(["ops.Add", "ops.Subtract", "ops.Multiply", "ops.Maximum", "ops.Minimum", "ops.Divide", "ops.TrueDivide", "ops.Power"], [], numpyBinaryInfer),
];
