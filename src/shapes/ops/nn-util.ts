/**
 * Helpers shared by the ONNX neural-network shape functions: attribute reading with the spec's
 * defaults and length checks, the sliding-window attributes of Conv/ConvTranspose/pools, provable
 * differences between dims, and same-shape results.
 *
 * Contradiction codes used by the nn ops (besides `NONPOSITIVE_DIM` from `ctx.require`):
 * `BAD_ATTRIBUTE` (an attribute with a wrong length or an illegal value), `MISSING_ATTRIBUTE`,
 * `BAD_INPUT` (a constant input of the wrong length or value), `RANK_MISMATCH`,
 * `CHANNEL_MISMATCH`, `GROUP_MISMATCH`, `KERNEL_SHAPE_MISMATCH`, `PADS_WITH_AUTO_PAD`,
 * `OUTPUT_SHAPE_TOO_SMALL`, `OUTPUT_PADDING_OUT_OF_RANGE`, `BLOCKSIZE_MISMATCH`,
 * `BROADCAST_MISMATCH`, `OUTPUT_COUNT_MISMATCH`, `RESIZE_SCALES_SIZES`.
 */
import { compareDims } from "../../ir/dim-compare.js";
import { type Dim, dimEquals, isConst } from "../../ir/dim.js";
import type { DType } from "../../ir/dtype.js";
import type { Shape, ShapeDim } from "../../ir/graph.js";
import type { InferContext } from "../define-op.js";
import { type TensorInfo, tensor } from "../tensor-info.js";
import { provablyDifferent as dimsProvablyDifferent } from "./tensor-util.js";

/**
 * True when `a` and `b` are known and differ for every value of their symbols (a constant
 * non-zero difference, or an exact `never` from the dim comparison). Unknown is never different.
 */
export function provablyDifferent(a: ShapeDim | undefined, b: ShapeDim | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return dimsProvablyDifferent(a, b);
}

/** True when `a` and `b` are known and equal for every value of their symbols. */
export function alwaysEqual(a: Dim, b: Dim): boolean {
  if (dimEquals(a, b)) return true;
  if (isConst(a) && isConst(b)) return false;
  return compareDims(a, b).verdict === "always";
}

/** The shape of input `i`, or `null` when its rank is unknown. */
export function shapeOf(ctx: InferContext, i: number): Shape | null {
  return ctx.input(i)?.shape ?? null;
}

/** The dtype of input `i`, or `null`. */
export function dtypeOf(ctx: InferContext, i: number): DType | null {
  return ctx.input(i)?.dtype ?? null;
}

/** Normalize a possibly negative axis against `rank`; `null` when out of `[-rank, rank)`. */
export function normalizeAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/**
 * An `ints` attribute with exactly `n` entries (when `n` is not null), or `fallback` when absent.
 * An empty list counts as absent (onnxruntime treats `pads: []` as the default; several converters
 * write it). A wrong type or length is a `BAD_ATTRIBUTE` contradiction and gives `null`.
 */
export function intsAttr(ctx: InferContext, name: string, n: number | null, fallback: readonly number[] | null, what = "one per spatial axis"): readonly number[] | null {
  const a = ctx.attr(name);
  if (a === undefined) return fallback;
  if (a.type !== "ints") {
    ctx.contradiction("BAD_ATTRIBUTE", `attribute ${name} of ${ctx.node.opType} must be a list of integers, not ${a.type}`, { attribute: name, type: a.type });
    return null;
  }
  if (a.value.length === 0) return fallback;
  if (n !== null && a.value.length !== n) {
    ctx.contradiction("BAD_ATTRIBUTE", `attribute ${name} of ${ctx.node.opType} has ${a.value.length} values; expected ${n} (${what})`, {
      attribute: name,
      expected: n,
      actual: a.value.length,
    });
    return null;
  }
  return a.value;
}

/** Require every entry of an attribute to be at least `min`; a `BAD_ATTRIBUTE` contradiction otherwise. */
export function checkAtLeast(ctx: InferContext, name: string, values: readonly number[], min: number): boolean {
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < min);
  if (bad < 0) return true;
  ctx.contradiction("BAD_ATTRIBUTE", `attribute ${name} of ${ctx.node.opType} must be integers >= ${min}; got ${values[bad]} at index ${bad}`, {
    attribute: name,
    index: bad,
    value: values[bad],
    min,
  });
  return false;
}

/** ONNX `auto_pad` values (Conv, ConvTranspose, pools). */
export type AutoPad = "NOTSET" | "SAME_UPPER" | "SAME_LOWER" | "VALID";

/**
 * The `auto_pad` attribute (default NOTSET). An empty string is NOTSET, as in onnxruntime's
 * `StringToAutoPadType`. Another value is a `BAD_ATTRIBUTE` contradiction and gives `null`.
 */
export function autoPadAttr(ctx: InferContext): AutoPad | null {
  const v = ctx.string("auto_pad", "NOTSET");
  if (v === "" || v === "NOTSET") return "NOTSET";
  if (v === "SAME_UPPER" || v === "SAME_LOWER" || v === "VALID") return v;
  ctx.contradiction("BAD_ATTRIBUTE", `auto_pad of ${ctx.node.opType} must be NOTSET, SAME_UPPER, SAME_LOWER or VALID; got '${v}'`, { attribute: "auto_pad", value: v });
  return null;
}

/** The sliding-window attributes of Conv, ConvTranspose and the pools, with spec defaults. */
export interface WindowAttrs {
  /** Number of spatial axes. */
  readonly n: number;
  /** Kernel length per axis; `null` when it comes from a weight dim that is not a known integer. */
  readonly kernel: readonly (number | null)[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** `[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`, 2n entries (zeros when absent). */
  readonly pads: readonly number[];
  /** True when a non-empty `pads` attribute is present. */
  readonly padsGiven: boolean;
  readonly autoPad: AutoPad;
}

/** Options of {@link readWindow}. */
export interface WindowOptions {
  /** The kernel dims of the weight (`W.shape[2:]`) when the op has a weight input. */
  readonly weightKernel?: readonly ShapeDim[] | null;
  /** Whether this op version has a `dilations` attribute (otherwise dilation 1). */
  readonly dilations: boolean;
  /** Pools: `kernel_shape` is required. */
  readonly kernelRequired: boolean;
  /** Whether this op has `auto_pad` (MaxUnpool does not). */
  readonly autoPad?: boolean;
}

/**
 * Read kernel_shape, strides, dilations, pads and auto_pad for `n` spatial axes, with the checks of
 * ONNX `convPoolShapeInference` (`onnx/defs/nn/defs.cc`): lengths, strides/dilations/kernel >= 1,
 * pads >= 0 (the pads doc: "can take any value greater than or equal to 0"). `null` when an
 * attribute makes the spatial output unknowable (a contradiction has then been recorded).
 */
export function readWindow(ctx: InferContext, n: number, opts: WindowOptions): WindowAttrs | null {
  const op = ctx.node.opType;
  let ok = true;
  const strides = intsAttr(ctx, "strides", n, new Array<number>(n).fill(1));
  const dilations = opts.dilations ? intsAttr(ctx, "dilations", n, new Array<number>(n).fill(1)) : new Array<number>(n).fill(1);
  const padsAttr = intsAttr(ctx, "pads", 2 * n, null, "a begin and an end per spatial axis");
  const badPads = ctx.attr("pads") !== undefined && padsAttr === null;
  const autoPad = opts.autoPad === false ? "NOTSET" : autoPadAttr(ctx);
  const kernelAttr = intsAttr(ctx, "kernel_shape", n, null);
  if (strides === null || dilations === null || badPads || autoPad === null) return null;
  if (ctx.attr("kernel_shape") !== undefined && kernelAttr === null) return null;
  if (!checkAtLeast(ctx, "strides", strides, 1)) ok = false;
  if (!checkAtLeast(ctx, "dilations", dilations, 1)) ok = false;
  if (padsAttr !== null) checkAtLeast(ctx, "pads", padsAttr, 0); // recorded; the shape is still computable
  let kernel: (number | null)[];
  if (kernelAttr !== null) {
    if (!checkAtLeast(ctx, "kernel_shape", kernelAttr, 1)) ok = false;
    kernel = [...kernelAttr];
    const wk = opts.weightKernel;
    if (wk && wk.length === n) {
      wk.forEach((w, j) => {
        if (provablyDifferent(w, kernelAttr[j]!)) {
          // onnxruntime rejects it ("kernel_shape is not compatible with W shape"); ONNX's doc says
          // kernel_shape is inferred from W when absent, so the two must agree.
          ctx.contradiction("KERNEL_SHAPE_MISMATCH", `${op} kernel_shape[${j}] is ${kernelAttr[j]} but the weight has ${String(w)} on that axis`, {
            axis: j + 2,
            attribute: kernelAttr[j],
            weight: w,
          });
        }
      });
    }
  } else if (opts.kernelRequired) {
    ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute kernel_shape`, { attribute: "kernel_shape" });
    return null;
  } else {
    const wk = opts.weightKernel;
    kernel = wk && wk.length === n ? wk.map((d) => (isConst(d) ? d : null)) : new Array<number | null>(n).fill(null);
  }
  if (!ok) return null;
  return { n, kernel, strides, dilations, pads: padsAttr ?? new Array<number>(2 * n).fill(0), padsGiven: padsAttr !== null, autoPad };
}

/** Output 0 with the shape and dtype of input `i` (value dropped: these ops compute on data). */
export function sameShapeAs(ctx: InferContext, i = 0, dtype?: DType | null): TensorInfo {
  const x = ctx.input(i);
  return tensor(dtype === undefined ? (x?.dtype ?? null) : dtype, x?.shape ?? null);
}

/** Record `ctx.require(d >= min)` for a computed size and turn a concrete size below `min` into unknown. */
export function requireSize(ctx: InferContext, d: Dim | null, what: string, min = 1): Dim | null {
  if (d === null) return null;
  ctx.require(d, what, min);
  return isConst(d) && d < min ? null : d;
}

/**
 * The rank of a convolution's data (from the input, the weight or `kernel_shape`), or `null`
 * when it is unknown or wrong: below 3 (N, C and at least one spatial axis), or different between
 * input and weight. A wrong rank is recorded as a `RANK_MISMATCH` contradiction.
 */
export function convRank(ctx: InferContext, op: string, xs: Shape | null, ws: Shape | null): number | null {
  const kernelAttr = ctx.ints("kernel_shape");
  const rank = xs?.length ?? ws?.length ?? (kernelAttr && kernelAttr.length > 0 ? kernelAttr.length + 2 : null);
  if (rank === null) return null;
  if (rank < 3) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must have rank >= 3 (N, C, spatial...); got rank ${rank}`, { expected: ">= 3", actual: rank });
    return null;
  }
  if (xs && ws && xs.length !== ws.length) {
    ctx.contradiction("RANK_MISMATCH", `${op} input has rank ${xs.length} but its weight has rank ${ws.length}; they must be equal`, { input: xs.length, weight: ws.length });
    return null;
  }
  return rank;
}
