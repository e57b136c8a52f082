/**
 * Concat and Split. Concat is the skip connection of U-Nets: its inputs must agree on every dim
 * but the concatenation axis, so a provable disagreement (22 vs 23) is a `CONCAT_MISMATCH`
 * contradiction. Both ops carry element values (PyTorch builds shape vectors with Concat).
 */
import { type Dim, add, ceilDiv, floorDiv, mul, sub } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { type Scalar, attempt } from "./values.js";
import {
  concreteShape,
  firstDtype,
  fmt,
  fmtShape,
  inputInts,
  inputNames,
  normAxis,
  provablyDifferent,
  rangeIndices,
  result,
  takeAlong,
  trackedScalars,
} from "./tensor-util.js";

function concatInfer(ctx: InferContext): InferResult {
  const idx: number[] = [];
  for (let i = 0; i < ctx.inputCount; i++) if (ctx.hasInput(i)) idx.push(i);
  const infos = idx.map((i) => ctx.input(i));
  const dtype = firstDtype(ctx, ...idx);
  const known = infos.map((t) => t?.shape ?? null);
  const ranks = [...new Set(known.filter((s) => s !== null).map((s) => s!.length))];
  if (ranks.length === 0) return [tensor(dtype, null)];
  if (ranks.length > 1) {
    ctx.contradiction("RANK_MISMATCH", `Concat inputs have different ranks: ${known.map(fmtShape).join(", ")}`, { ranks: known.map((s) => (s === null ? null : s.length)), inputs: inputNames(ctx, idx) });
    return [tensor(dtype, null)];
  }
  const rank = ranks[0]!;
  // Concat-1 had a default axis of 1; from opset 4 the attribute is required.
  const axisAttr = ctx.int("axis") ?? (ctx.opset < 4 ? 1 : undefined);
  const axis = axisAttr === undefined ? null : normAxis(axisAttr, rank);
  if (axis === null) return [tensor(dtype, known.some((s) => s === null) ? null : known[0]!.map(() => null))];
  const out: ShapeDim[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = known.map((s) => (s === null ? null : s[k]!));
    if (k === axis) {
      let sum: Dim | null = 0;
      for (const d of dims) sum = sum === null || d === null ? null : attempt(() => add(sum as Dim, d));
      out.push(sum);
      continue;
    }
    out.push(mergeEqual(ctx, dims, idx, k, axis));
  }
  // Values: concatenate along the axis when every input is tracked.
  let scalars: Scalar[] | null = null;
  const outShape = concreteShape(out);
  const tracked = infos.map(trackedScalars);
  if (outShape !== null && tracked.every((t) => t !== null)) {
    const parts = tracked as { shape: number[]; scalars: Scalar[] }[];
    const outer = outShape.slice(0, axis).reduce((p, d) => p * d, 1);
    scalars = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const block = p.scalars.length / outer;
        for (let e = 0; e < block; e++) scalars.push(p.scalars[o * block + e] ?? null);
      }
    }
  }
  return [result(dtype, out, scalars)];
}

/** The common dim of a non-concatenated axis; records `CONCAT_MISMATCH` when provably unequal. */
function mergeEqual(ctx: InferContext, dims: readonly ShapeDim[], idx: readonly number[], k: number, axis: number): ShapeDim {
  const present = dims.filter((d): d is Dim => d !== null);
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      if (provablyDifferent(present[i]!, present[j]!)) {
        ctx.contradiction(
          "CONCAT_MISMATCH",
          `Concat on axis ${axis} needs equal sizes on axis ${k}, got ${dims.map(fmt).join(" vs ")}`,
          { axis: k, concatAxis: axis, dims: [...dims], inputs: inputNames(ctx, idx) },
        );
        return null;
      }
    }
  }
  return present.find((d) => typeof d === "number") ?? present[0] ?? null;
}

/** Split sizes from the attribute (opset 1-12) or the input (opset 1 alternative, 13+). */
function splitSizes(ctx: InferContext): (Dim | null)[] | "unknown" | null {
  const attr = ctx.ints("split");
  if (attr !== undefined && ctx.opset < 13) return [...attr];
  if ((ctx.opset < 2 || ctx.opset >= 13) && ctx.hasInput(1)) {
    const v = inputInts(ctx, 1);
    return v === null ? "unknown" : v;
  }
  return null;
}

function splitInfer(ctx: InferContext): InferResult {
  const n = ctx.node.outputs.length;
  const x = ctx.input(0);
  const dtype = x?.dtype ?? null;
  const shape = x?.shape ?? null;
  if (shape === null) return ctx.node.outputs.map(() => tensor(dtype, null));
  const axis = normAxis(ctx.int("axis", 0), shape.length);
  if (axis === null) return ctx.node.outputs.map(() => tensor(dtype, null));
  const d = shape[axis] ?? null;
  let sizes: (Dim | null)[];
  const given = splitSizes(ctx);
  const numOutputs = ctx.int("num_outputs");
  if (given === "unknown") sizes = ctx.node.outputs.map(() => null);
  else if (given !== null) {
    sizes = given;
    if (sizes.length !== n) {
      ctx.contradiction("SPLIT_MISMATCH", `Split has ${n} outputs but ${sizes.length} sizes`, { sizes, outputs: n });
    }
    const total = sizes.every((s) => typeof s === "number") ? (sizes as number[]).reduce((p, s) => p + s, 0) : null;
    if (total !== null && typeof d === "number" && total !== d) {
      ctx.contradiction("SPLIT_MISMATCH", `Split sizes [${sizes.join(", ")}] sum to ${total}, but axis ${axis} has ${d}`, { axis, dims: [d, total], sizes });
    }
  } else {
    // Equal parts: before opset 18 the axis must divide evenly; opset 18 (num_outputs) makes the
    // last chunk smaller: chunk = ceil(d / n) (onnx/defs/tensor/defs.cc, Split-18).
    const parts = numOutputs ?? n;
    if (d === null) sizes = ctx.node.outputs.map(() => null);
    else if (ctx.opset >= 18) {
      const chunk = attempt(() => ceilDiv(d, parts));
      const last = chunk === null ? null : attempt(() => sub(d, mul(chunk, parts - 1)));
      sizes = ctx.node.outputs.map((_, j) => (j === parts - 1 ? last : chunk));
      if (last !== null) ctx.require(last, `size of the last Split chunk`, 0);
    } else {
      if (typeof d === "number" && d % parts !== 0) {
        ctx.contradiction("SPLIT_UNEVEN", `Split of ${d} into ${parts} equal parts (axis ${axis})`, { axis, dims: [d], parts });
      }
      const chunk = attempt(() => floorDiv(d, parts));
      sizes = ctx.node.outputs.map(() => chunk);
    }
  }
  const tr = trackedScalars(x);
  let offset: number | null = 0;
  return ctx.node.outputs.map((_, j) => {
    const sz = sizes[j] ?? null;
    const out = shape.map((dim, k) => (k === axis ? sz : dim));
    let scalars: Scalar[] | null = null;
    if (tr && typeof sz === "number" && offset !== null) {
      scalars = takeAlong(tr.shape, tr.scalars, axis, rangeIndices(offset, 1, sz)).scalars;
    }
    offset = offset !== null && typeof sz === "number" ? offset + sz : null;
    return result(dtype, out, scalars);
  });
}

/** Concat and Split definitions. */
export const CONCAT_SPLIT_OPS: readonly OpDef[] = [
  defineOp({ type: "Concat", domain: "", since: 1, attrs: ["axis"], infer: concatInfer }),
  defineOp({ type: "Split", domain: "", since: 1, attrs: ["axis", "split", "num_outputs"], infer: splitInfer }),
];
