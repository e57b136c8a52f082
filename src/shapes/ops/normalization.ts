/**
 * Normalization ops: BatchNormalization (1, 6, 7, 9, 14/15), InstanceNormalization (1, 6),
 * LayerNormalization (17), GroupNormalization (18, 21), LRN (1, 13), MeanVarianceNormalization
 * (9, 13) and LpNormalization (1). Y always has X's shape; the checks are on the per-channel
 * parameters and on the extra (statistics) outputs.
 */
import { isConst } from "../../ir/dim.js";
import { type DType, dtypeFromOnnx } from "../../ir/dtype.js";
import type { Shape, ShapeDim } from "../../ir/graph.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { normalizeAxis, provablyDifferent, sameShapeAs, shapeOf } from "./nn-util.js";

/**
 * Check that input `i` is a 1-D tensor of `expected` entries (`what` names the parameter).
 * ONNX BatchNormalization-15 inference does this with `checkInputRank(ctx, i, 1)` and
 * `unifyInputDim(ctx, i, 0, num_channels)`.
 */
function checkVector(ctx: InferContext, i: number, expected: ShapeDim, what: string, code = "CHANNEL_MISMATCH"): void {
  if (!ctx.hasInput(i)) return;
  const s = shapeOf(ctx, i);
  if (s === null) return;
  if (s.length !== 1) {
    ctx.contradiction("RANK_MISMATCH", `${ctx.node.opType} ${what} must be 1-D; got rank ${s.length}`, { input: what, expected: 1, actual: s.length });
    return;
  }
  if (provablyDifferent(s[0], expected)) {
    ctx.contradiction(code, `${ctx.node.opType} ${what} has ${String(s[0])} entries; expected ${String(expected)}`, { input: what, expected, actual: s[0] ?? null });
  }
}

/**
 * `src` must be unidirectionally broadcastable to `target` (ONNX Broadcasting.md: aligned from the
 * right, each dim equal or 1, rank not larger). A violation is `BROADCAST_MISMATCH`.
 */
export function checkUnidirectionalBroadcast(ctx: InferContext, target: Shape, src: Shape, what: string): void {
  const op = ctx.node.opType;
  if (src.length > target.length) {
    ctx.contradiction("BROADCAST_MISMATCH", `${op} ${what} has rank ${src.length}, larger than the input's ${target.length}`, { input: what, target, actual: src });
    return;
  }
  const off = target.length - src.length;
  src.forEach((d, k) => {
    const t = target[off + k] ?? null;
    if (d !== null && !(isConst(d) && d === 1) && provablyDifferent(d, t)) {
      ctx.contradiction("BROADCAST_MISMATCH", `${op} ${what} dim ${k} is ${String(d)}, which does not broadcast to the input's ${String(t)} on axis ${off + k}`, {
        input: what,
        axis: off + k,
        expected: t,
        actual: d,
      });
    }
  });
}

/** The channel count of X (`X.shape[1]`; 1 for a 1-D input, as ONNX BatchNormalization-15 does). */
function channels(xs: Shape | null): ShapeDim {
  if (xs === null) return null;
  return xs.length > 1 ? (xs[1] ?? null) : 1;
}

interface BatchNormVersion {
  readonly spatialAttr: boolean;
  /** BatchNormalization-14+: `training_mode`, outputs (Y, running_mean, running_var). */
  readonly trainingMode: boolean;
}

function inferBatchNorm(ctx: InferContext, v: BatchNormVersion): InferResult {
  const op = ctx.node.opType;
  const xs = shapeOf(ctx, 0);
  const spatial = v.spatialAttr ? ctx.int("spatial", 1) !== 0 : true;
  let c = channels(xs);
  if (spatial) {
    ["scale", "B", "input_mean", "input_var"].forEach((what, k) => checkVector(ctx, k + 1, c, what));
    if (c === null) c = shapeOf(ctx, 1)?.[0] ?? shapeOf(ctx, 3)?.[0] ?? null;
  }
  const y = sameShapeAs(ctx);
  const stats = (dtype: DType | null) => tensor(dtype, spatial ? [c] : null);
  if (v.trainingMode) {
    const training = ctx.int("training_mode", 0) !== 0;
    const extra = ctx.node.outputs.slice(1).filter((o) => o !== "").length;
    if (!training && extra > 0) {
      // BatchNormalization-14/15 doc: "When training_mode=False, extra outputs are invalid."
      ctx.contradiction("OUTPUT_COUNT_MISMATCH", `${op} has ${extra + 1} outputs with training_mode=0; only Y is valid in inference mode`, { outputs: ctx.node.outputs.length, trainingMode: 0 });
    }
    return [y, stats(ctx.input(3)?.dtype ?? null), stats(ctx.input(4)?.dtype ?? null)];
  }
  // Opsets 1-9: optional mean, var, saved_mean, saved_var, all per channel.
  return [y, stats(y.dtype), stats(y.dtype), stats(y.dtype), stats(y.dtype)];
}

function inferInstanceNorm(ctx: InferContext): InferResult {
  const xs = shapeOf(ctx, 0);
  const c = channels(xs);
  checkVector(ctx, 1, c, "scale");
  checkVector(ctx, 2, c, "B");
  return [sameShapeAs(ctx)];
}

/**
 * LayerNormalization-17: Mean and InvStdDev have X's shape with the normalized axes (from `axis`,
 * default -1) set to 1, and the `stash_type` dtype (default float32) (ONNX inference in
 * onnx/defs/nn/defs.cc). Scale and B must broadcast to X (the function body multiplies them).
 */
function inferLayerNorm(ctx: InferContext): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const stashDtype = dtypeFromOnnx(ctx.int("stash_type", 1));
  if (xs === null) return [tensor(x?.dtype ?? null, null), tensor(stashDtype, null), tensor(stashDtype, null)];
  const axisAttr = ctx.int("axis", -1);
  // Allowed range is [-r, r) (doc says [-r, r], but axis = r normalizes nothing).
  const axis = normalizeAxis(axisAttr, xs.length);
  for (const k of [1, 2]) {
    const s = ctx.hasInput(k) ? shapeOf(ctx, k) : null;
    if (s) checkUnidirectionalBroadcast(ctx, xs, s, k === 1 ? "Scale" : "B");
  }
  if (axis === null) {
    ctx.contradiction("BAD_ATTRIBUTE", `axis ${axisAttr} of ${op} is out of range for rank ${xs.length}`, { attribute: "axis", value: axisAttr, rank: xs.length });
    return [tensor(x?.dtype ?? null, xs), tensor(stashDtype, xs.map(() => null)), tensor(stashDtype, xs.map(() => null))];
  }
  const stat = xs.map((d, a) => (a >= axis ? 1 : d));
  return [tensor(x?.dtype ?? null, xs), tensor(stashDtype, stat), tensor(stashDtype, stat)];
}

/** GroupNormalization-18 (scale/bias per group) and -21 (per channel). */
function inferGroupNorm(ctx: InferContext, perChannel: boolean): InferResult {
  const op = ctx.node.opType;
  const xs = shapeOf(ctx, 0);
  const g = ctx.int("num_groups");
  if (g === undefined) ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute num_groups`, { attribute: "num_groups" });
  else if (!Number.isInteger(g) || g < 1) ctx.contradiction("BAD_ATTRIBUTE", `num_groups of ${op} must be a positive integer; got ${g}`, { attribute: "num_groups", value: g });
  else {
    const c = xs && xs.length > 1 ? (xs[1] ?? null) : null;
    if (isConst(c) && c % g !== 0) ctx.contradiction("GROUP_MISMATCH", `${op} has ${c} channels, not divisible by num_groups ${g}`, { channels: c, group: g });
    const expected = perChannel ? c : g;
    checkVector(ctx, 1, expected, "scale");
    checkVector(ctx, 2, expected, "bias");
  }
  return [sameShapeAs(ctx)];
}

/** LRN-1/13: same shape; `size` is required (ONNX schema) and must be positive. */
function inferLrn(ctx: InferContext): InferResult {
  const size = ctx.int("size");
  if (size === undefined) ctx.contradiction("MISSING_ATTRIBUTE", `${ctx.node.opType} requires attribute size`, { attribute: "size" });
  else if (!Number.isInteger(size) || size < 1) ctx.contradiction("BAD_ATTRIBUTE", `size of ${ctx.node.opType} must be a positive integer; got ${size}`, { attribute: "size", value: size });
  return [sameShapeAs(ctx)];
}

const BN1 = ["consumed_inputs", "epsilon", "is_test", "momentum", "spatial"];

/** Normalization definitions. */
export const NORMALIZATION_OPS: readonly OpDef[] = [
  defineOp({ type: "BatchNormalization", domain: "", since: 1, attrs: BN1, infer: (c) => inferBatchNorm(c, { spatialAttr: true, trainingMode: false }) }),
  defineOp({ type: "BatchNormalization", domain: "", since: 6, attrs: ["epsilon", "is_test", "momentum", "spatial"], infer: (c) => inferBatchNorm(c, { spatialAttr: true, trainingMode: false }) }),
  defineOp({ type: "BatchNormalization", domain: "", since: 7, attrs: ["epsilon", "momentum", "spatial"], infer: (c) => inferBatchNorm(c, { spatialAttr: true, trainingMode: false }) }),
  defineOp({ type: "BatchNormalization", domain: "", since: 9, attrs: ["epsilon", "momentum"], infer: (c) => inferBatchNorm(c, { spatialAttr: false, trainingMode: false }) }),
  // BatchNormalization-14 replaced the four optional statistics outputs with training_mode and
  // (running_mean, running_var); -15 changed types only.
  defineOp({ type: "BatchNormalization", domain: "", since: 14, attrs: ["epsilon", "momentum", "training_mode"], infer: (c) => inferBatchNorm(c, { spatialAttr: false, trainingMode: true }) }),
  defineOp({ type: "InstanceNormalization", domain: "", since: 1, attrs: ["consumed_inputs", "epsilon"], infer: inferInstanceNorm }),
  defineOp({ type: "InstanceNormalization", domain: "", since: 6, attrs: ["epsilon"], infer: inferInstanceNorm }),
  defineOp({ type: "LayerNormalization", domain: "", since: 17, attrs: ["axis", "epsilon", "stash_type"], infer: inferLayerNorm }),
  defineOp({ type: "GroupNormalization", domain: "", since: 18, attrs: ["epsilon", "num_groups"], infer: (c) => inferGroupNorm(c, false) }),
  defineOp({ type: "GroupNormalization", domain: "", since: 21, attrs: ["epsilon", "num_groups", "stash_type"], infer: (c) => inferGroupNorm(c, true) }),
  defineOp({ type: "LRN", domain: "", since: 1, attrs: ["alpha", "beta", "bias", "size"], infer: inferLrn }),
  defineOp({ type: "MeanVarianceNormalization", domain: "", since: 9, attrs: ["axes"], infer: (c) => [sameShapeAs(c)] }),
  defineOp({ type: "LpNormalization", domain: "", since: 1, attrs: ["axis", "p"], infer: (c) => [sameShapeAs(c)] }),
];
