/**
 * Conv, ConvInteger and QLinearConv (ONNX Conv-1/11/22, ConvInteger-10, QLinearConv-10).
 *
 * Output `(N, M, o_1..o_n)` with `M = W.shape[0]` and, per spatial axis (ONNX Conv doc and
 * `convPoolShapeInference` in onnx/defs/nn/defs.cc):
 * - NOTSET: `o = floor((i + pb + pe - ek)/s) + 1`
 * - SAME_UPPER / SAME_LOWER: `o = ceil(i/s)`
 * - VALID: `o = floor((i - ek)/s) + 1`
 * The formulas live in `conv-geometry.ts`. Conv-11 only documented the defaults of Conv-1 and
 * Conv-22 only added types, so one definition serves every version.
 */
import { type Dim, isConst, mulDims } from "../../ir/dim.js";
import type { DType } from "../../ir/dtype.js";
import type { ShapeDim } from "../../ir/graph.js";
import { convOutput, sameOutput, validOutput } from "../conv-geometry.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { type AutoPad, type WindowAttrs, convRank, provablyDifferent, readWindow, requireSize, shapeOf } from "./nn-util.js";

const CONV_ATTRS = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"] as const;

/**
 * Output length of a forward conv on one axis for the given auto_pad (pads used for NOTSET only).
 * Shared with the pools' floor mode.
 */
export function forwardLength(i: Dim, k: number, s: number, d: number, pb: number, pe: number, autoPad: AutoPad): Dim {
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return sameOutput(i, s);
  if (autoPad === "VALID") return validOutput(i, k, s, d);
  return convOutput(i, k, s, d, pb, pe);
}

/**
 * `pads` together with a non-NOTSET `auto_pad`: the pads doc says "This attribute cannot be used
 * simultaneously with auto_pad attribute". ONNX Conv/pool inference silently uses `pads`, its
 * ConvTranspose inference fails ("The pads attribute cannot be used simultaneously with auto_pad
 * attribute"), onnxruntime follows `auto_pad`. We follow auto_pad (the runtime) and report it,
 * except for the harmless all-zero pads with VALID.
 */
export function checkPadsWithAutoPad(ctx: InferContext, w: WindowAttrs): void {
  if (!w.padsGiven || w.autoPad === "NOTSET") return;
  if (w.autoPad === "VALID" && w.pads.every((p) => p === 0)) return;
  ctx.contradiction("PADS_WITH_AUTO_PAD", `${ctx.node.opType} has both pads [${w.pads.join(", ")}] and auto_pad ${w.autoPad}; the ONNX spec forbids using them together`, {
    pads: w.pads,
    autoPad: w.autoPad,
  });
}

interface ConvSlots {
  readonly x: number;
  readonly w: number;
  /** Bias input, if the op has one. */
  readonly b: number | null;
  readonly outDtype: (ctx: InferContext) => DType | null;
}

function inferConv(ctx: InferContext, slots: ConvSlots): InferResult {
  const op = ctx.node.opType;
  const xs = shapeOf(ctx, slots.x);
  const ws = shapeOf(ctx, slots.w);
  const dtype = slots.outDtype(ctx);
  const rank = convRank(ctx, op, xs, ws);
  if (rank === null) return [tensor(dtype, null)];
  const n = rank - 2;
  const group = ctx.int("group", 1);
  const out: ShapeDim[] = [xs?.[0] ?? null, ws?.[0] ?? null];
  if (!Number.isInteger(group) || group < 1) {
    ctx.contradiction("BAD_ATTRIBUTE", `group of ${op} must be a positive integer; got ${group}`, { attribute: "group", value: group });
  } else {
    // Channels: X is (N, C, ...), W is (M, C/group, k...) (ONNX Conv doc). ONNX inference does not
    // check this (peers.md 2.2); onnxruntime fails at run time ("Invalid input shape").
    const c = xs?.[1] ?? null;
    const wc = ws?.[1] ?? null;
    const expected = wc === null ? null : mulDims(wc, group);
    if (provablyDifferent(c, expected)) {
      ctx.contradiction("CHANNEL_MISMATCH", `${op} input has ${String(c)} channels but the weight expects ${String(expected)} (W.shape[1] = ${String(wc)} times group ${group})`, {
        expected,
        actual: c,
        group,
      });
    }
    const m = ws?.[0] ?? null;
    if (isConst(m) && m % group !== 0) {
      ctx.contradiction("GROUP_MISMATCH", `${op} has ${m} output channels (W.shape[0]), not divisible by group ${group}`, { outChannels: m, group });
    }
  }
  if (slots.b !== null && ctx.hasInput(slots.b)) {
    const bs = shapeOf(ctx, slots.b);
    if (bs && bs.length !== 1) {
      ctx.contradiction("RANK_MISMATCH", `${op} bias must be 1-D (M); got rank ${bs.length}`, { expected: 1, actual: bs.length });
    } else if (bs && provablyDifferent(bs[0], ws?.[0])) {
      ctx.contradiction("CHANNEL_MISMATCH", `${op} bias has ${String(bs[0])} entries but the weight has ${String(ws?.[0])} output channels`, {
        expected: ws?.[0] ?? null,
        actual: bs[0] ?? null,
        what: "bias",
      });
    }
  }
  const w = readWindow(ctx, n, { weightKernel: ws ? ws.slice(2) : null, dilations: true, kernelRequired: false });
  if (w === null) return [tensor(dtype, [...out, ...new Array<ShapeDim>(n).fill(null)])];
  checkPadsWithAutoPad(ctx, w);
  if ((w.autoPad === "SAME_UPPER" || w.autoPad === "SAME_LOWER") && w.dilations.some((d) => d > 1)) {
    // onnxruntime-node 1.30 refuses the node when it runs: "Dilation not supported for
    // AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER". ONNX inference and the spec give ceil(i/s).
    ctx.fact("runtime-divergence", { id: "ort-same-conv-dilation", autoPad: w.autoPad, dilations: w.dilations, spec: "ceil(input / stride)", onnxruntime: "rejected at run time: Dilation not supported for AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER" });
  }
  for (let j = 0; j < n; j++) {
    const i = xs?.[2 + j] ?? null;
    const k = w.kernel[j] ?? null;
    if (i === null || k === null) {
      out.push(null);
      continue;
    }
    const s = w.strides[j]!;
    const d = w.dilations[j]!;
    const pb = w.pads[j]!;
    const pe = w.pads[n + j]!;
    const o = forwardLength(i, k, s, d, pb, pe, w.autoPad);
    ctx.fact("conv", { op, axis: 2 + j, input: i, kernel: k, stride: s, dilation: d, pads: [pb, pe], autoPad: w.autoPad, output: o });
    // SAME gives ceil(i/s) >= 1 for every positive i: no constraint to record.
    out.push(w.autoPad === "SAME_UPPER" || w.autoPad === "SAME_LOWER" ? o : requireSize(ctx, o, `output length of ${op} on axis ${2 + j}`));
  }
  return [tensor(dtype, out)];
}

/** ONNX Conv (all versions). */
export const CONV_OPS: readonly OpDef[] = [
  defineOp({
    type: "Conv",
    domain: "",
    since: 1,
    attrs: CONV_ATTRS,
    infer: (ctx) => inferConv(ctx, { x: 0, w: 1, b: 2, outDtype: (c) => c.input(0)?.dtype ?? null }),
  }),
  // ConvInteger-10: (x, w, x_zero_point, w_zero_point) -> int32; geometry as Conv.
  defineOp({
    type: "ConvInteger",
    domain: "",
    since: 10,
    attrs: CONV_ATTRS,
    infer: (ctx) => inferConv(ctx, { x: 0, w: 1, b: null, outDtype: () => "int32" }),
  }),
  // QLinearConv-10: (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B);
  // y has the type of y_zero_point.
  defineOp({
    type: "QLinearConv",
    domain: "",
    since: 10,
    attrs: CONV_ATTRS,
    infer: (ctx) => inferConv(ctx, { x: 0, w: 3, b: 8, outDtype: (c) => c.input(7)?.dtype ?? c.input(0)?.dtype ?? null }),
  }),
];
