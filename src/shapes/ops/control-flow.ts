/**
 * Control flow: If, Loop and Scan, propagated through their bodies with `ctx.subgraph`.
 *
 * - If: when the condition's value is known only the taken branch is propagated; otherwise both
 *   are, and each output is the merge of the branches (equal dims kept, different dims unknown,
 *   different ranks unknown rank), as ONNX's `UnionShapeInfo` does.
 * - Loop: the body runs once with the initial loop-carried shapes. A carried value whose body
 *   output has the same shape is loop-invariant (by induction) and keeps it; otherwise the merge
 *   of the two. Scan outputs get a leading trip-count dim: `M` when `M` is known and the loop
 *   cannot stop early (no condition input, or a true condition the body provably keeps true),
 *   0 when the condition is false at entry, else unknown.
 * - Scan (opset 9+; and opset 8 with its batch axis): states as for Loop; scan outputs get the
 *   sequence length at `scan_output_axes`.
 */
import { dimEquals } from "../../ir/dim.js";
import type { Graph, ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { type TensorInfo, tensor } from "../tensor-info.js";
import { normAxis } from "./tensor-util.js";
import { dimOfScalar, scalarsOf } from "./values.js";

function graphAttr(ctx: InferContext, name: string): Graph | null {
  const a = ctx.attr(name);
  return a?.type === "graph" ? a.value : null;
}

/** Merge two infos: equal dims kept, differing dims unknown; values kept where equal. */
export function mergeInfo(a: TensorInfo | null, b: TensorInfo | null): TensorInfo | null {
  if (a === null || b === null) return null;
  const dtype = a.dtype ?? b.dtype;
  if (a.shape === null || b.shape === null || a.shape.length !== b.shape.length) return tensor(dtype, null);
  const bs = b.shape;
  const shape = a.shape.map((d, k) => (d !== null && dimEquals(d, bs[k] ?? null) ? d : null));
  let value: (ShapeDim)[] | undefined;
  if (a.value !== undefined && b.value !== undefined && a.value.length === b.value.length) {
    const bv = b.value;
    value = a.value.map((v, k) => (v !== null && dimEquals(v, bv[k] ?? null) ? v : null));
    if (value.every((v) => v === null)) value = undefined;
  }
  return tensor(dtype, shape, value);
}

function sameShape(a: TensorInfo | null, b: TensorInfo | null): boolean {
  if (a?.shape == null || b?.shape == null || a.shape.length !== b.shape.length) return false;
  const bs = b.shape;
  return a.shape.every((d, k) => d !== null && dimEquals(d, bs[k] ?? null));
}

function truthOf(info: TensorInfo | null): boolean | null {
  const s = scalarsOf(info)?.[0];
  if (typeof s !== "number") return null;
  return s !== 0;
}

function ifInfer(ctx: InferContext): InferResult {
  const thenG = graphAttr(ctx, "then_branch");
  const elseG = graphAttr(ctx, "else_branch");
  if (thenG === null || elseG === null) return null;
  const cond = truthOf(ctx.input(0));
  if (cond === true) return ctx.subgraph(thenG, []);
  if (cond === false) return ctx.subgraph(elseG, []);
  const t = ctx.subgraph(thenG, []);
  const e = ctx.subgraph(elseG, []);
  return ctx.node.outputs.map((_, k) => mergeInfo(t[k] ?? null, e[k] ?? null));
}

/** Outer info of a body input, or the body's own declaration when the outer value is unknown. */
function bodyInput(g: Graph, k: number, outer: TensorInfo | null): TensorInfo {
  const vi = g.inputs[k];
  if (outer !== null && outer.shape !== null) return tensor(outer.dtype ?? vi?.dtype ?? null, outer.shape);
  return tensor(outer?.dtype ?? vi?.dtype ?? null, vi?.shape ?? null);
}

function loopInfer(ctx: InferContext): InferResult {
  const body = graphAttr(ctx, "body");
  if (body === null) return null;
  const n = Math.max(0, ctx.inputCount - 2);
  const carried = Array.from({ length: n }, (_, j) => ctx.input(2 + j));
  const k = Math.max(0, body.outputs.length - 1 - n);
  const m = ctx.hasInput(0) ? dimOfScalar(scalarsOf(ctx.input(0))?.[0] ?? null) : null;
  const cond0 = ctx.hasInput(1) ? truthOf(ctx.input(1)) : true;
  if (cond0 === false || m === 0) {
    // The condition is checked before the first iteration: the body never runs.
    const empty = Array.from({ length: k }, (_, j) => tensor(body.outputs[1 + n + j]?.dtype ?? null, null));
    return [...carried, ...empty];
  }
  // A known-true condition is passed in with its value: if the body then provably returns true
  // whatever the other inputs are, the condition stays true in every iteration (induction).
  const condIn = cond0 === true && ctx.hasInput(1) ? tensor("bool", [], [1]) : bodyInput(body, 1, tensor("bool", []));
  const inputs = [bodyInput(body, 0, tensor("int64", [])), condIn, ...carried.map((c, j) => bodyInput(body, 2 + j, c))];
  const outs = ctx.subgraph(body, inputs);
  const finals: (TensorInfo | null)[] = [];
  let invariant = true;
  for (let j = 0; j < n; j++) {
    const init = inputs[2 + j]!;
    const o = outs[1 + j] ?? null;
    if (sameShape(init, o)) finals.push(tensor(o!.dtype ?? init.dtype, o!.shape));
    else {
      invariant = false;
      finals.push(mergeInfo(init, o));
    }
  }
  const alwaysTrue = !ctx.hasInput(1) || (cond0 === true && truthOf(outs[0] ?? null) === true);
  const trip: ShapeDim = m !== null && alwaysTrue ? m : null;
  const scans: (TensorInfo | null)[] = [];
  for (let j = 0; j < k; j++) {
    const o = outs[1 + n + j] ?? null;
    if (o === null || o.shape === null) scans.push(tensor(o?.dtype ?? null, null));
    else scans.push(tensor(o.dtype, [trip, ...(invariant ? o.shape : o.shape.map(() => null))]));
  }
  return [...finals, ...scans];
}

function scanInfer(ctx: InferContext): InferResult {
  const body = graphAttr(ctx, "body");
  const m = ctx.int("num_scan_inputs");
  if (body === null || m === undefined) return null;
  const v8 = ctx.opset < 9;
  const first = v8 ? 1 : 0; // Scan-8 starts with the optional sequence_lens
  const total = ctx.inputCount - first;
  const n = total - m;
  if (n < 0) return null;
  const states = Array.from({ length: n }, (_, j) => ctx.input(first + j));
  const scansIn = Array.from({ length: m }, (_, j) => ctx.input(first + n + j));
  const inAxes = ctx.ints("scan_input_axes", []);
  let seq: ShapeDim = null;
  let batch: ShapeDim = null;
  const slices: TensorInfo[] = scansIn.map((t, j) => {
    const s = t?.shape ?? null;
    if (s === null) return bodyInput(body, n + j, null);
    // Scan-8: [batch, sequence, ...]; Scan-9+: the scan axis is scan_input_axes[j] (default 0).
    const axis = v8 ? 1 : normAxis(inAxes[j] ?? 0, s.length);
    if (axis === null) return bodyInput(body, n + j, null);
    if (j === 0) {
      seq = s[axis] ?? null;
      if (v8) batch = s[0] ?? null;
    }
    return tensor(t?.dtype ?? null, s.filter((_, k) => k !== axis && !(v8 && k === 0)));
  });
  const stateBody = states.map((t, j) => {
    const s = t?.shape ?? null;
    if (v8 && s !== null) return tensor(t?.dtype ?? null, s.slice(1));
    return bodyInput(body, j, t);
  });
  const outs = ctx.subgraph(body, [...stateBody, ...slices]);
  const finals: (TensorInfo | null)[] = [];
  let invariant = true;
  for (let j = 0; j < n; j++) {
    const init = stateBody[j]!;
    const o = outs[j] ?? null;
    let f: TensorInfo | null;
    if (sameShape(init, o)) f = tensor(o!.dtype ?? init.dtype, o!.shape);
    else {
      invariant = false;
      f = mergeInfo(init, o);
    }
    if (v8 && f !== null) f = tensor(f.dtype, f.shape === null ? null : [batch, ...f.shape]);
    finals.push(f);
  }
  const outAxes = ctx.ints("scan_output_axes", []);
  const k = Math.max(0, body.outputs.length - n);
  const scans: (TensorInfo | null)[] = [];
  for (let j = 0; j < k; j++) {
    const o = outs[n + j] ?? null;
    if (o === null || o.shape === null) {
      scans.push(tensor(o?.dtype ?? null, null));
      continue;
    }
    const per = invariant ? [...o.shape] : o.shape.map(() => null);
    if (v8) {
      scans.push(tensor(o.dtype, [batch, seq, ...per]));
      continue;
    }
    const axis = normAxis(outAxes[j] ?? 0, per.length + 1);
    if (axis === null) {
      scans.push(tensor(o.dtype, null));
      continue;
    }
    per.splice(axis, 0, seq);
    scans.push(tensor(o.dtype, per));
  }
  return [...finals, ...scans];
}

/** If, Loop and Scan definitions. */
export const CONTROL_FLOW_OPS: readonly OpDef[] = [
  defineOp({ type: "If", domain: "", since: 1, attrs: ["then_branch", "else_branch"], infer: ifInfer }),
  defineOp({ type: "Loop", domain: "", since: 1, attrs: ["body"], infer: loopInfer }),
  defineOp({
    type: "Scan",
    domain: "",
    since: 8,
    attrs: ["body", "num_scan_inputs", "directions", "scan_input_axes", "scan_input_directions", "scan_output_axes", "scan_output_directions"],
    infer: scanInfer,
  }),
];
