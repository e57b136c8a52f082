/**
 * Resize (ONNX Resize-10/11/13/18/19) and Upsample (1, 7, 9; deprecated since 10 with the same
 * shape rule).
 *
 * Output lengths (onnx/defs/tensor/utils.cc `resizeShapeInferenceVersioned`, onnxruntime
 * `upsamplebase.h`):
 * - `sizes` given: the sizes, used as dims directly, so a `sizes` computed by a shape subgraph
 *   (PyTorch `interpolate(size=skip.shape[2:])` exports Shape -> Gather -> Concat) gives the skip's
 *   own symbolic dims. Resize-18+ `keep_aspect_ratio_policy` not_larger / not_smaller rescale them
 *   with one common scale and `round` (`keepAspectRatioSizes`).
 * - `scales` given: `floor(i * scale)` with a float32 product (`resizeScaledLength`).
 * - Resize-18+ `axes`: sizes/scales (and roi) cover only those axes; the others keep their length.
 *
 * The Resize-11+ doc text says `floor(i * (roi_end - roi_start) * scale)` for `scales`; ONNX
 * inference, onnxruntime and onnx.reference all ignore the roi there. We follow them and record a
 * `runtime-divergence` fact (id `resize-roi`) when the text would give another length.
 * Resize-19 only added a coordinate transformation mode, so the Resize-18 rule serves it.
 */
import { type Dim, isConst } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import { type KeepAspectRatioPolicy, keepAspectRatioSizes, resizeRoiLength, resizeScaledLength } from "../conv-geometry.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { type TensorInfo, tensor } from "../tensor-info.js";
import { normalizeAxis, requireSize } from "./nn-util.js";

/** Whether an optional tensor input is absent, known empty (`[0]`), known non-empty, or unclear. */
type Presence = "absent" | "empty" | "present" | "unknown";

function presence(ctx: InferContext, i: number | null): Presence {
  if (i === null || !ctx.hasInput(i)) return "absent";
  const t = ctx.input(i);
  if (t?.value !== undefined) return t.value.length === 0 ? "empty" : "present";
  const s = t?.shape;
  if (s && s.length === 1 && isConst(s[0])) return s[0] === 0 ? "empty" : "present";
  return "unknown";
}

/** A float entry of a scales/roi tensor, or `null` when unknown or symbolic. */
function floatEntry(v: Dim | null | undefined): number | null {
  return typeof v === "number" ? v : null;
}

/** A length entry of a sizes tensor as a dim: negative or fractional values are not lengths. */
function sizeEntry(v: Dim | null | undefined): Dim | null {
  if (v === null || v === undefined) return null;
  if (isConst(v)) return Number.isInteger(v) && v >= 0 ? v : null;
  return v;
}

interface ResizeSlots {
  readonly roi: number | null;
  readonly scales: number;
  readonly sizes: number | null;
  /** Resize-13+: exactly one of scales and sizes. */
  readonly exactlyOne: boolean;
  /** Resize-18+: `axes` and `keep_aspect_ratio_policy`. */
  readonly axes: boolean;
}

function inferResize(ctx: InferContext, slots: ResizeSlots): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  const scalesP = presence(ctx, slots.scales);
  const sizesP = presence(ctx, slots.sizes);
  if (scalesP === "present" && sizesP === "present") {
    ctx.contradiction("RESIZE_SCALES_SIZES", `${op} has both scales and sizes; only one of them may be given`, {});
  } else if (slots.exactlyOne && (scalesP === "absent" || scalesP === "empty") && (sizesP === "absent" || sizesP === "empty")) {
    ctx.contradiction("RESIZE_SCALES_SIZES", `${op} has neither scales nor sizes; one of them must be given`, {});
    return [tensor(dtype, xs ? xs.map(() => null) : null)];
  }
  let policy: KeepAspectRatioPolicy = "stretch";
  if (slots.axes) {
    const p = ctx.string("keep_aspect_ratio_policy", "stretch");
    if (p === "stretch" || p === "not_larger" || p === "not_smaller") policy = p;
    else ctx.contradiction("BAD_ATTRIBUTE", `keep_aspect_ratio_policy of ${op} must be stretch, not_larger or not_smaller; got '${p}'`, { attribute: "keep_aspect_ratio_policy", value: p });
    if (policy !== "stretch" && scalesP === "present" && sizesP !== "present") {
      ctx.contradiction("BAD_ATTRIBUTE", `${op} with scales cannot use keep_aspect_ratio_policy '${policy}' (only 'stretch')`, { attribute: "keep_aspect_ratio_policy", value: policy });
    }
  }
  const useSizes = sizesP === "present" || (sizesP === "unknown" && scalesP !== "present");
  const arg: TensorInfo | null = useSizes ? ctx.input(slots.sizes!) : scalesP === "absent" ? null : ctx.input(slots.scales);
  const values = arg?.value;
  const axesAttr = slots.axes ? ctx.ints("axes") : undefined;
  const rank = xs?.length ?? (axesAttr === undefined && values !== undefined ? values.length : null);
  if (rank === null) return [tensor(dtype, null)];
  let axes: number[];
  if (axesAttr !== undefined && axesAttr.length > 0) {
    axes = [];
    for (const a of axesAttr) {
      const n = normalizeAxis(a, rank);
      if (n === null || axes.includes(n)) {
        ctx.contradiction("BAD_ATTRIBUTE", `axes of ${op} must be distinct axes in [-${rank}, ${rank}); got [${axesAttr.join(", ")}]`, { attribute: "axes", value: axesAttr, rank });
        return [tensor(dtype, new Array<ShapeDim>(rank).fill(null))];
      }
      axes.push(n);
    }
  } else axes = Array.from({ length: rank }, (_, a) => a);
  const inDim = (a: number): ShapeDim => (xs ? (xs[a] ?? null) : null);
  const out: ShapeDim[] = Array.from({ length: rank }, (_, a) => inDim(a));
  const unknownResized = (): InferResult => {
    for (const a of axes) out[a] = null;
    return [tensor(dtype, out)];
  };
  if (values === undefined) return unknownResized();
  if (values.length !== axes.length) {
    ctx.contradiction("BAD_INPUT", `${op} ${useSizes ? "sizes" : "scales"} has ${values.length} entries; expected ${axes.length} (${axesAttr ? "one per axis in axes" : "the rank of X"})`, {
      input: useSizes ? "sizes" : "scales",
      expected: axes.length,
      actual: values.length,
    });
    return unknownResized();
  }
  if (useSizes) {
    const sizes = values.map(sizeEntry);
    if (policy === "stretch") {
      axes.forEach((a, j) => (out[a] = sizes[j] ?? null));
    } else {
      const ins = axes.map(inDim);
      if (sizes.every(isConst) && ins.every(isConst)) {
        const got = keepAspectRatioSizes(ins as number[], sizes as number[], policy);
        axes.forEach((a, j) => (out[a] = got[j]!));
      } else axes.forEach((a) => (out[a] = null));
    }
    axes.forEach((a, j) => ctx.fact("resize", { op, axis: a, input: inDim(a), size: values[j] ?? null, output: out[a] ?? null }));
    return [tensor(dtype, out)];
  }
  const mode = ctx.string("coordinate_transformation_mode", "half_pixel");
  const roi = slots.roi !== null && mode === "tf_crop_and_resize" ? ctx.input(slots.roi)?.value : undefined;
  axes.forEach((a, j) => {
    const scale = floatEntry(values[j]);
    const i = inDim(a);
    if (scale !== null && !(scale > 0)) {
      ctx.contradiction("BAD_INPUT", `${op} scale ${scale} on axis ${a} must be greater than 0`, { input: "scales", axis: a, value: scale });
    }
    let o = scale === null || i === null ? null : resizeScaledLength(i, scale);
    // Downscaling can round a small size to 0 (floor(i * scale) >= i for scale >= 1).
    if (scale !== null && scale < 1) o = requireSize(ctx, o, `output length of ${op} on axis ${a}`);
    out[a] = o;
    if (roi && roi.length === 2 * axes.length && isConst(i) && isConst(o) && scale !== null) {
      const start = floatEntry(roi[j]);
      const end = floatEntry(roi[axes.length + j]);
      if (start !== null && end !== null) {
        const text = resizeRoiLength(i, start, end, scale);
        if (text !== o) ctx.fact("runtime-divergence", { id: "resize-roi", axis: a, input: i, scale, roi: [start, end], spec: text, onnxInference: o, onnxruntime: o });
      }
    }
    ctx.fact("resize", { op, axis: a, input: i, scale, output: o });
  });
  return [tensor(dtype, out)];
}

/** Upsample-1 (height_scale / width_scale attributes on a 4-D input) and Upsample-7 (scales attribute). */
function inferUpsampleAttr(ctx: InferContext, v1: boolean): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  let scales: readonly number[] | undefined;
  if (v1) {
    scales = [1, 1, ctx.float("height_scale", NaN), ctx.float("width_scale", NaN)];
    if (xs && xs.length !== 4) ctx.contradiction("RANK_MISMATCH", `${op}-1 input must be 4-D; got rank ${xs.length}`, { expected: 4, actual: xs.length });
  } else {
    scales = ctx.floats("scales");
    if (scales === undefined) ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute scales`, { attribute: "scales" });
  }
  if (xs === null) return [tensor(dtype, null)];
  if (scales === undefined || scales.length !== xs.length) {
    if (scales !== undefined) ctx.contradiction("BAD_ATTRIBUTE", `scales of ${op} has ${scales.length} values; expected ${xs.length} (the rank of X)`, { attribute: "scales", expected: xs.length, actual: scales.length });
    return [tensor(dtype, xs.map(() => null))];
  }
  return [tensor(dtype, xs.map((i, a) => (i === null || !Number.isFinite(scales[a]!) ? null : resizeScaledLength(i, scales[a]!))))];
}

const RESIZE10 = ["mode"];
const RESIZE11 = ["coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "mode", "nearest_mode"];
const RESIZE18 = [...RESIZE11, "antialias", "axes", "keep_aspect_ratio_policy"];

/** Resize and Upsample definitions. */
export const RESIZE_OPS: readonly OpDef[] = [
  defineOp({ type: "Resize", domain: "", since: 10, attrs: RESIZE10, infer: (c) => inferResize(c, { roi: null, scales: 1, sizes: null, exactlyOne: false, axes: false }) }),
  defineOp({ type: "Resize", domain: "", since: 11, attrs: RESIZE11, infer: (c) => inferResize(c, { roi: 1, scales: 2, sizes: 3, exactlyOne: false, axes: false }) }),
  defineOp({ type: "Resize", domain: "", since: 13, attrs: RESIZE11, infer: (c) => inferResize(c, { roi: 1, scales: 2, sizes: 3, exactlyOne: true, axes: false }) }),
  defineOp({ type: "Resize", domain: "", since: 18, attrs: RESIZE18, infer: (c) => inferResize(c, { roi: 1, scales: 2, sizes: 3, exactlyOne: true, axes: true }) }),
  defineOp({ type: "Upsample", domain: "", since: 1, attrs: ["height_scale", "width_scale", "mode"], infer: (c) => inferUpsampleAttr(c, true) }),
  defineOp({ type: "Upsample", domain: "", since: 7, attrs: ["mode", "scales"], infer: (c) => inferUpsampleAttr(c, false) }),
  defineOp({ type: "Upsample", domain: "", since: 9, attrs: ["mode"], infer: (c) => inferResize(c, { roi: null, scales: 1, sizes: null, exactlyOne: false, axes: false }) }),
];
