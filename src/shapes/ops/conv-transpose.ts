/**
 * ConvTranspose (ONNX ConvTranspose-1/11/22), following the current spec text, with every known
 * runtime disagreement recorded as a `runtime-divergence` fact (ids of shared/research/peers.md
 * section 8) and the per-axis geometry recorded as a `conv-transpose` fact for the lint rules.
 *
 * X is `(N, C, i...)`, W is `(C, M/group, k...)`, Y is `(N, W.shape[1]*group, o...)`. Per axis
 * (`F = s(i-1) + ek`, formulas in `conv-geometry.ts`):
 * - `output_shape` given: `o = output_shape` (pads derived; "pads values are ignored").
 * - SAME_UPPER / SAME_LOWER: `o = i*s` (spec text since onnx PR #3188; D2, D3, D4).
 * - VALID: `o = F + op`.
 * - NOTSET: `o = F + op - pb - pe`.
 * ConvTranspose-11 and -22 changed only text and types; the text edits made in place (PR #3188,
 * #3440) are the semantics we follow for every version, and for opset < 11 SAME is reported as
 * D2 (ConvTranspose-1's text said SAME makes the output match the input).
 */
import { type Dim, add, isConst, mulDims, sub } from "../../ir/dim.js";
import type { ShapeDim } from "../../ir/graph.js";
import {
  convTransposeFull,
  convTransposeLegalRange,
  convTransposeOutput,
  convTransposeOutputShapePadSplits,
  convTransposePadsForOutputShape,
  convTransposeSame,
  convTransposeValid,
  effectiveKernel,
  splitPad,
} from "../conv-geometry.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { checkPadsWithAutoPad } from "./conv.js";
import { alwaysEqual, checkAtLeast, convRank, intsAttr, provablyDifferent, readWindow, requireSize, shapeOf } from "./nn-util.js";

const ATTRS = ["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"] as const;

/**
 * `output_padding` limits (peers.md D8). The ONNX text says each value "must be less than the
 * corresponding stride/dilation" (onnx PR #2343); PyTorch enforces `op < max(s, d)` ("output
 * padding must be smaller than either stride or dilation"); Keras enforces `op < s`. A value no
 * reading accepts (`op >= max(s, d)`) is a contradiction; `s <= op < d` is accepted by PyTorch
 * only and recorded as a divergence. ONNX inference checks neither; onnxruntime-node 1.30 rejects
 * both when the node runs (verified: "output_padding[0] (2) must be less than max(stride,
 * dilation)", and for s=1, d=4, op=3 "Computed output shape is inconsistent with input spatial
 * dimensions"), i.e. it accepts exactly `op < s`, as Keras does.
 */
function checkOutputPadding(ctx: InferContext, axis: number, op: number, s: number, d: number): void {
  if (op < s) return;
  const data = {
    axis,
    outputPadding: op,
    stride: s,
    dilation: d,
    onnx: "must be less than the corresponding stride/dilation (text only; ONNX inference does not check)",
    pytorchMax: Math.max(s, d) - 1,
    kerasMax: s - 1,
  };
  if (op >= Math.max(s, d)) {
    ctx.contradiction("OUTPUT_PADDING_OUT_OF_RANGE", `${ctx.node.opType} output_padding ${op} on axis ${axis} is not less than its stride ${s} (or dilation ${d})`, {
      ...data,
      onnxruntime: "rejected at run time (1.30: output_padding must be less than max(stride, dilation))",
    });
  } else {
    ctx.fact("runtime-divergence", {
      id: "D8",
      ...data,
      pytorch: "accepted (op < max(stride, dilation))",
      keras: "rejected (op < stride)",
      onnxruntime: "rejected at run time (1.30: Computed output shape is inconsistent with input spatial dimensions)",
    });
  }
}

/** Record D3/D4 when the readings of SAME differ on this axis (peers.md section 8). */
function sameDivergence(ctx: InferContext, axis: number, i: Dim, k: number, s: number, d: number, op: number): Dim {
  const v = convTransposeSame(i, k, s, d, op);
  const values = { spec: v.spec, onnxInference: v.onnxInference, onnxruntime: v.onnxruntime, onnxReference: v.spec };
  const agree = alwaysEqual(v.spec, v.onnxInference) && alwaysEqual(v.spec, v.onnxruntime);
  if (!agree) {
    const base = { axis, input: i, kernel: k, stride: s, dilation: d, outputPadding: op, ...values };
    // D3: SAME_* with output_padding (onnx#4299, onnxruntime#11927, unresolved).
    if (op !== 0) ctx.fact("runtime-divergence", { id: "D3", ...base });
    // D4: SAME_* with ek < s: the spec pads negatively to reach i*s; inference and ORT clamp at 0.
    if (effectiveKernel(k, d) < s) ctx.fact("runtime-divergence", { id: "D4", ...base });
  }
  return v.spec;
}

function inferConvTranspose(ctx: InferContext): InferResult {
  const op = ctx.node.opType;
  const xs = shapeOf(ctx, 0);
  const ws = shapeOf(ctx, 1);
  const dtype = ctx.input(0)?.dtype ?? null;
  const rank = convRank(ctx, op, xs, ws);
  if (rank === null) return [tensor(dtype, null)];
  const n = rank - 2;
  const group = ctx.int("group", 1);
  let m: ShapeDim = null;
  if (!Number.isInteger(group) || group < 1) {
    ctx.contradiction("BAD_ATTRIBUTE", `group of ${op} must be a positive integer; got ${group}`, { attribute: "group", value: group });
  } else {
    m = ws?.[1] === null || ws?.[1] === undefined ? null : mulDims(ws[1], group);
    // W is (C, M/group, k...): its first dim is the input channel count.
    const c = xs?.[1] ?? null;
    const w0 = ws?.[0] ?? null;
    if (provablyDifferent(c, w0)) {
      ctx.contradiction("CHANNEL_MISMATCH", `${op} input has ${String(c)} channels but the weight expects ${String(w0)} (W.shape[0])`, { expected: w0, actual: c, group });
    }
    const cin = c ?? w0;
    if (isConst(cin) && cin % group !== 0) {
      ctx.contradiction("GROUP_MISMATCH", `${op} has ${cin} input channels, not divisible by group ${group}`, { inChannels: cin, group });
    }
  }
  if (ctx.hasInput(2)) {
    const bs = shapeOf(ctx, 2);
    if (bs && bs.length !== 1) {
      ctx.contradiction("RANK_MISMATCH", `${op} bias must be 1-D (M); got rank ${bs.length}`, { expected: 1, actual: bs.length });
    } else if (bs && provablyDifferent(bs[0], m)) {
      ctx.contradiction("CHANNEL_MISMATCH", `${op} bias has ${String(bs[0])} entries but the op has ${String(m)} output channels`, { expected: m, actual: bs[0] ?? null, what: "bias" });
    }
  }
  const out: ShapeDim[] = [xs?.[0] ?? null, m];
  const unknownSpatial = (): InferResult => [tensor(dtype, [...out, ...new Array<ShapeDim>(n).fill(null)])];
  const w = readWindow(ctx, n, { weightKernel: ws ? ws.slice(2) : null, dilations: true, kernelRequired: false });
  const outputPadding = intsAttr(ctx, "output_padding", n, new Array<number>(n).fill(0));
  if (w === null || outputPadding === null || !checkAtLeast(ctx, "output_padding", outputPadding, 0)) return unknownSpatial();
  checkPadsWithAutoPad(ctx, w);

  // output_shape: spatial form (spec), or the N, C, spatial form that real files contain and the
  // onnxruntime kernel reads (D6); we take its spatial part and record the divergence.
  let outputShape: readonly number[] | null = null;
  const osAttr = ctx.ints("output_shape");
  if (osAttr && osAttr.length > 0) {
    if (osAttr.length === n) outputShape = osAttr;
    else if (osAttr.length === n + 2) {
      outputShape = osAttr.slice(2);
      ctx.fact("runtime-divergence", {
        id: "D6",
        outputShape: osAttr,
        spatial: outputShape,
        onnxInference: "rejected (Attribute output_shape has incorrect size)",
        // Verified with onnxruntime-node 1.30: the session fails to load, because loading runs
        // ONNX shape inference; ORT's kernel alone would use the last n entries.
        onnxruntime: "rejected at load (1.30 runs ONNX shape inference); its kernel uses the last n entries",
      });
    } else {
      ctx.contradiction("BAD_ATTRIBUTE", `output_shape of ${op} has ${osAttr.length} values; expected ${n} (spatial) or ${n + 2}`, {
        attribute: "output_shape",
        expected: n,
        actual: osAttr.length,
      });
      return unknownSpatial();
    }
    if (!checkAtLeast(ctx, "output_shape", outputShape, 0)) return unknownSpatial();
    if (w.padsGiven && w.pads.some((p) => p !== 0)) {
      // D9: the spec ignores pads when output_shape is given; onnx.reference uses them.
      ctx.fact("runtime-divergence", { id: "D9", pads: w.pads, outputShape, spec: "pads ignored", onnxReference: "given pads used with output_shape" });
    }
  }
  const isSame = w.autoPad === "SAME_UPPER" || w.autoPad === "SAME_LOWER";
  if (ctx.opset < 11 && isSame && outputShape === null && w.strides.some((s) => s !== 1)) {
    // D2: ConvTranspose-1's text: SAME pads "so that the output spatial size match the input".
    const inputs = xs ? xs.slice(2) : null;
    ctx.fact("runtime-divergence", { id: "D2", opset: ctx.opset, convTranspose1Text: inputs, current: "input * stride" });
  }

  for (let j = 0; j < n; j++) {
    const axis = 2 + j;
    const i = xs?.[axis] ?? null;
    const k = w.kernel[j] ?? null;
    const s = w.strides[j]!;
    const d = w.dilations[j]!;
    const opad = outputPadding[j]!;
    checkOutputPadding(ctx, axis, opad, s, d);
    let o: Dim | null;
    let pads: [Dim, Dim] | null;
    if (outputShape !== null) {
      o = outputShape[j]!;
      pads = null;
      if (isConst(i) && o < i) {
        // D7: ONNX inference rejects it in its own way ("output shape value cannot be smaller
        // than the input shape value", then an early return leaving a rank-2 shape, TODO in
        // defs.cc); the pads it implies exceed the kernel. onnxruntime-node 1.30 runs it (5 for
        // i=8, k=3, output_shape 5), so the fact carries both.
        ctx.contradiction("OUTPUT_SHAPE_TOO_SMALL", `${op} output_shape ${o} on axis ${axis} is smaller than its input ${i}`, { axis, outputShape: o, input: i });
        ctx.fact("runtime-divergence", { id: "D7", axis, input: i, outputShape: o, spec: o, onnxInference: "rank-2 shape (early return)", onnxruntime: o });
      }
      if (i !== null && k !== null) {
        const p = convTransposePadsForOutputShape(i, k, s, d, opad, o, w.autoPad);
        pads = [p.begin, p.end];
        if (isConst(p.total)) {
          const splits = convTransposeOutputShapePadSplits(p.total, w.autoPad);
          if (p.total < 0) {
            // D10: output_shape beyond F + op; the split of a negative total is not defined.
            ctx.fact("runtime-divergence", {
              id: "D10",
              axis,
              total: p.total,
              cppTruncation: splits.trunc,
              onnxReference: splits.floor,
              onnxruntime: [0, 0],
              output: o,
            });
          } else if (p.total % 2 === 1 && w.autoPad !== "SAME_UPPER") {
            // D5: spec puts the extra pad at the begin; onnxruntime before PR #13311 at the end.
            ctx.fact("runtime-divergence", {
              id: "D5",
              axis,
              total: p.total,
              spec: splits.floor,
              onnxruntimeBefore13311: [splits.floor[1], splits.floor[0]],
            });
          }
        }
      }
    } else if (i === null || k === null) {
      out.push(null);
      continue;
    } else if (isSame) {
      o = sameDivergence(ctx, axis, i, k, s, d, opad);
      // The spec's implied pads: total = F + op - i*s (negative when ek < s, D4).
      pads = splitPad(sub(add(convTransposeFull(i, k, s, d), opad), o), w.autoPad as "SAME_UPPER" | "SAME_LOWER");
    } else if (w.autoPad === "VALID") {
      o = convTransposeValid(i, k, s, d, opad);
      pads = [0, 0];
    } else {
      o = convTransposeOutput(i, k, s, d, w.pads[j]!, w.pads[n + j]!, opad);
      pads = [w.pads[j]!, w.pads[n + j]!];
    }
    if (i !== null && k !== null) {
      const padding = isSame ? ({ kind: "same" } as const) : w.autoPad === "VALID" ? ({ kind: "valid" } as const) : ({ kind: "explicit", total: w.pads[j]! + w.pads[n + j]! } as const);
      const legal = convTransposeLegalRange(i, k, s, d, padding);
      ctx.fact("conv-transpose", {
        axis,
        input: i,
        kernel: k,
        stride: s,
        dilation: d,
        pads,
        outputPadding: opad,
        ...(outputShape !== null ? { outputShape: outputShape[j]! } : {}),
        autoPad: w.autoPad,
        output: o,
        legal: { lo: legal.lo, hi: legal.hi },
      });
    }
    // SAME (i*s) and VALID (F + op) are positive for every positive i; cropping pads and
    // output_shape (onnxruntime: ORT_ENFORCE(dim_size > 0)) can empty an axis.
    out.push(outputShape !== null || w.autoPad === "NOTSET" ? requireSize(ctx, o, `output length of ${op} on axis ${axis}`) : o);
  }
  return [tensor(dtype, out)];
}

/** ONNX ConvTranspose (all versions). */
export const CONV_TRANSPOSE_OPS: readonly OpDef[] = [defineOp({ type: "ConvTranspose", domain: "", since: 1, attrs: ATTRS, infer: inferConvTranspose })];
