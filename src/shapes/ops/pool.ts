/**
 * Pooling ops: MaxPool (1, 8, 10), AveragePool (1, 7, 10, 19), LpPool (1, 18), the Global pools,
 * MaxRoiPool, RoiAlign and MaxUnpool.
 *
 * Per spatial axis (ONNX pool doc, `convPoolShapeInference` in onnx/defs/nn/defs.cc):
 * - floor mode: as Conv (`conv.ts` {@link forwardLength}).
 * - `ceil_mode=1`: `o = ceil((i + pb + pe - ek)/s) + 1`, then one less when the last window would
 *   start in the end padding, `(o-1)s >= i + pb` ("Sliding windows that would start in the right
 *   padded region are ignored", onnx PR #5741, onnx 1.16, PyTorch `pooling_output_shape_pad_lr`).
 *   The rule also applies to VALID (pads 0; the doc's VALID formula `ceil((i - ek + 1)/s)` is not
 *   what the inference code computes) and leaves SAME at `ceil(i/s)`.
 *
 * Deliberate choice (D11): we follow the current spec for every opset, because the rule is a fix
 * of the shared inference function, not a new op version, and PyTorch (the main producer of
 * ceil_mode pools) always had it; onnxruntime-node 1.30 follows it too (checked on 808 1-D
 * MaxPool/AveragePool cases). onnx < 1.16 inference (Debian's onnx 1.12) and older onnxruntime
 * releases (`PoolAttributes::ComputeOutputSize` without the rule, in the sources peers.md read)
 * lack it; where that changes the size a `runtime-divergence` fact with id `D11` carries both
 * values (`onnxInferenceBefore1_16`, `onnxruntimeOlder`). None of the onnx 1.12 backend test
 * cases (`test_maxpool_2d_ceil`, `test_averagepool_2d_ceil`: 4 -> 2) tells the two apart.
 *
 * A second divergence, id `ort-pad-fusion`: PyTorch exports `AvgPool2d(padding=p, ceil_mode=True)`
 * as a Pad node followed by AveragePool with zero pads. onnxruntime's PadFusion optimizer folds
 * the Pad into the pool's pads, after which the last-window rule counts from the unpadded input:
 * for 5 -> Pad(1, 1) -> 7 -> AveragePool(k3, s3, ceil) the file means 3 (onnxruntime with
 * optimizations disabled: 3), optimized onnxruntime and the PyTorch module give 2
 * (the PyTorch 1.13 export of AvgPool2d(3, 3, padding=1, ceil_mode=True)). We compute the file's
 * meaning and record both.
 *
 * A third, id `ort-same-pool-dilation`: for SAME pools with dilation onnxruntime pads for the
 * undilated kernel and returns fewer windows than `ceil(i/s)` (`onnxruntimeSamePoolOutput`).
 */
import { type Dim, isConst, sub } from "../../ir/dim.js";
import type { Graph, Node, ShapeDim } from "../../ir/graph.js";
import { convTransposeOutput, onnxruntimeSamePoolOutput, poolOutputCeil, samePadTotal, sameOutput, splitPad } from "../conv-geometry.js";
import { type InferContext, type InferResult, type OpDef, defineOp } from "../define-op.js";
import { tensor } from "../tensor-info.js";
import { checkPadsWithAutoPad, forwardLength } from "./conv.js";
import { type AutoPad, alwaysEqual, intsAttr, provablyDifferent, readWindow, requireSize, shapeOf } from "./nn-util.js";

interface PoolOptions {
  /** The op version has `dilations`. */
  readonly dilations: boolean;
  /** The op version has `ceil_mode`. */
  readonly ceilMode: boolean;
  /** MaxPool-8+: optional second output `Indices` (int64, same shape). */
  readonly indices: boolean;
}

/** Length of one pooled axis under the current rule, and under the rule without the last-window fix. */
function pooledLength(i: Dim, k: number, s: number, d: number, pb: number, pe: number, autoPad: AutoPad, ceil: boolean): { o: Dim; legacy: Dim | null } {
  if (!ceil) {
    const o = forwardLength(i, k, s, d, pb, pe, autoPad);
    return { o, legacy: o };
  }
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    // SAME pads make (i + total - ek) a multiple of s unless the total is clamped at 0; in both
    // cases the last-window rule lands on ceil(i/s).
    const o = sameOutput(i, s);
    if (!isConst(i)) return { o, legacy: null };
    const total = samePadTotal(i, k, s, d) as number;
    const [b, e] = splitPad(total, autoPad) as [number, number];
    return { o, legacy: poolOutputCeil(i, k, s, d, b, e, false) };
  }
  const [b, e] = autoPad === "VALID" ? [0, 0] : [pb, pe];
  return { o: poolOutputCeil(i, k, s, d, b, e, true), legacy: poolOutputCeil(i, k, s, d, b, e, false) };
}

function inferPool(ctx: InferContext, opts: PoolOptions): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  const kernelAttr = ctx.ints("kernel_shape");
  const rank = xs?.length ?? (kernelAttr && kernelAttr.length > 0 ? kernelAttr.length + 2 : null);
  const result = (shape: ShapeDim[] | null): InferResult => {
    const y = tensor(dtype, shape);
    return opts.indices ? [y, tensor("int64", shape)] : [y];
  };
  if (rank === null) return result(null);
  if (rank < 3) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must have rank >= 3 (N, C, spatial...); got rank ${rank}`, { expected: ">= 3", actual: rank });
    return result(null);
  }
  const n = rank - 2;
  const out: ShapeDim[] = [xs?.[0] ?? null, xs?.[1] ?? null];
  const w = readWindow(ctx, n, { dilations: opts.dilations, kernelRequired: true });
  if (w === null) return result([...out, ...new Array<ShapeDim>(n).fill(null)]);
  checkPadsWithAutoPad(ctx, w);
  const ceil = opts.ceilMode && ctx.int("ceil_mode", 0) !== 0;
  // PyTorch exports AvgPool with padding as Pad + AveragePool(pads 0); onnxruntime folds the Pad
  // back, and with ceil_mode the last-window rule then counts from the unpadded input.
  const fused = ceil && w.autoPad === "NOTSET" ? fusablePad(ctx, n) : null;
  for (let j = 0; j < n; j++) {
    const axis = 2 + j;
    const k = w.kernel[j]!;
    const s = w.strides[j]!;
    const d = w.dilations[j]!;
    const pb = w.pads[j]!;
    const pe = w.pads[n + j]!;
    if (w.autoPad === "NOTSET" && (pb >= k || pe >= k)) {
      // onnxruntime PoolAttributes: ORT_ENFORCE(pads < kernel_shape, "Pad should be smaller than
      // kernel."); ONNX inference accepts it; PyTorch wants pad <= kernel/2.
      ctx.fact("runtime-divergence", { id: "pool-pad-ge-kernel", axis, pads: [pb, pe], kernel: k, onnxInference: "accepted", onnxruntime: "rejected: Pad should be smaller than kernel." });
    }
    const i = xs?.[axis] ?? null;
    if (i === null) {
      out.push(null);
      continue;
    }
    const { o, legacy } = pooledLength(i, k, s, d, pb, pe, w.autoPad, ceil);
    if (legacy !== null && !alwaysEqual(o, legacy)) {
      ctx.fact("runtime-divergence", {
        id: "D11",
        axis,
        input: i,
        kernel: k,
        stride: s,
        dilation: d,
        pads: [pb, pe],
        spec: o,
        pytorch: o,
        onnxruntime: o,
        onnxInferenceBefore1_16: legacy,
        onnxruntimeOlder: legacy,
      });
    }
    if (fused) {
      const [fb, fe] = [fused.begin[j]!, fused.end[j]!];
      const folded = pooledLength(sub(i, fb + fe), k, s, d, pb + fb, pe + fe, "NOTSET", true).o;
      if (!alwaysEqual(o, folded)) {
        ctx.fact("runtime-divergence", { id: "ort-pad-fusion", axis, padNode: fused.node, pads: [fb, fe], spec: o, onnxruntimeOptimized: folded, onnxruntimeUnoptimized: o });
      }
    }
    if (!ceil && d > 1 && k > 1 && (w.autoPad === "SAME_UPPER" || w.autoPad === "SAME_LOWER")) {
      // onnxruntime sizes the SAME pad for the undilated kernel (see onnxruntimeSamePoolOutput).
      ctx.fact("runtime-divergence", { id: "ort-same-pool-dilation", axis, input: i, kernel: k, stride: s, dilation: d, spec: o, onnxInference: o, onnxruntime: onnxruntimeSamePoolOutput(i, k, s, d) });
    }
    ctx.fact("pool", { op, axis, input: i, kernel: k, stride: s, dilation: d, pads: [pb, pe], autoPad: w.autoPad, ceilMode: ceil, output: o });
    // SAME gives ceil(i/s) >= 1 for every positive i: no constraint to record.
    out.push(w.autoPad === "SAME_UPPER" || w.autoPad === "SAME_LOWER" ? o : requireSize(ctx, o, `output length of ${op} on axis ${axis}`));
  }
  return result(out);
}

/** Producer and consumer count of every value of a graph, built once per graph (graphs are immutable). */
const wiring = new WeakMap<Graph, { producer: Map<string, Node>; uses: Map<string, number> }>();

function wiringOf(graph: Graph): { producer: Map<string, Node>; uses: Map<string, number> } {
  let w = wiring.get(graph);
  if (!w) {
    w = { producer: new Map(), uses: new Map() };
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) w.producer.set(o, n);
      for (const i of n.inputs) if (i) w.uses.set(i, (w.uses.get(i) ?? 0) + 1);
    }
    for (const o of graph.outputs) w.uses.set(o.name, (w.uses.get(o.name) ?? 0) + 1);
    wiring.set(graph, w);
  }
  return w;
}

/** Element values of a constant: an initializer, or a `Constant` node's `value` / `value_ints`. */
function constantValues(graph: Graph, name: string): readonly number[] | null {
  const init = graph.initializers.get(name);
  if (init) return init.values ?? null;
  const producer = wiringOf(graph).producer.get(name);
  if (producer?.opType !== "Constant" || (producer.domain !== "" && producer.domain !== "ai.onnx")) return null;
  const v = producer.attrs.get("value");
  if (v?.type === "tensor") return v.value.values ?? null;
  const ints = producer.attrs.get("value_ints");
  return ints?.type === "ints" ? ints.value : null;
}

/**
 * The spatial pads of a Pad node that onnxruntime's PadFusion would fold into this pool
 * (onnxruntime/core/optimizer/pad_fusion.cc): a constant-mode Pad with zero fill, constant
 * non-negative pads that leave N and C alone, no `axes` input, whose only consumer is this pool,
 * which has explicit `pads`, auto_pad NOTSET and a single output. `null` when it would not fuse.
 */
function fusablePad(ctx: InferContext, n: number): { begin: number[]; end: number[]; node: string } | null {
  const g = ctx.graph;
  const x = ctx.node.inputs[0];
  if (!x || ctx.node.attrs.get("pads") === undefined || ctx.node.outputs.filter((o) => o !== "").length > 1) return null;
  const w = wiringOf(g);
  const pad = w.producer.get(x);
  if (!pad || pad.opType !== "Pad" || (pad.domain !== "" && pad.domain !== "ai.onnx") || pad.inputs.length > 3) return null;
  const mode = pad.attrs.get("mode");
  if (mode !== undefined && !(mode.type === "string" && mode.value === "constant")) return null;
  // The pool must be the Pad's only consumer (graph outputs count as consumers).
  if ((w.uses.get(x) ?? 0) !== ctx.node.inputs.filter((i) => i === x).length) return null;
  let pads: readonly number[] | null;
  const padsAttr = pad.attrs.get("pads");
  if (pad.inputs[1]) {
    pads = constantValues(g, pad.inputs[1]);
    const fill = pad.inputs[2] ? constantValues(g, pad.inputs[2]) : [0];
    if (fill === null || fill.some((v) => v !== 0)) return null;
  } else {
    pads = padsAttr?.type === "ints" ? padsAttr.value : null;
    const value = pad.attrs.get("value");
    if (value?.type === "float" && value.value !== 0) return null;
  }
  const r = n + 2;
  if (pads === null || pads.length !== 2 * r || pads.some((v) => v < 0 || !Number.isInteger(v))) return null;
  if (pads[0] !== 0 || pads[1] !== 0 || pads[r] !== 0 || pads[r + 1] !== 0) return null;
  return { begin: pads.slice(2, r), end: pads.slice(r + 2), node: pad.name };
}

const POOL_BASE = ["auto_pad", "kernel_shape", "pads", "strides"];

/** GlobalAveragePool / GlobalMaxPool / GlobalLpPool: `(N, C, 1, ..., 1)`. */
function inferGlobalPool(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  if (xs === null) return [tensor(x?.dtype ?? null, null)];
  if (xs.length < 2) {
    ctx.contradiction("RANK_MISMATCH", `${ctx.node.opType} input must have rank >= 2 (N, C, ...); got rank ${xs.length}`, { expected: ">= 2", actual: xs.length });
    return [tensor(x?.dtype ?? null, null)];
  }
  return [tensor(x?.dtype ?? null, [xs[0] ?? null, xs[1] ?? null, ...new Array<ShapeDim>(xs.length - 2).fill(1)])];
}

/**
 * MaxRoiPool-1: X `(N, C, H, W)`, rois `(num_rois, 5)` -> `(num_rois, C, pooled_h, pooled_w)`.
 * RoiAlign-10/16: X, rois `(num_rois, 4)`, batch_indices `(num_rois)` ->
 * `(num_rois, C, output_height, output_width)` (defaults 1, 1).
 */
function inferRoiPool(ctx: InferContext, align: boolean): InferResult {
  const op = ctx.node.opType;
  const xs = shapeOf(ctx, 0);
  const rs = shapeOf(ctx, 1);
  const dtype = ctx.input(0)?.dtype ?? null;
  let ph: number | null;
  let pw: number | null;
  if (align) {
    ph = ctx.int("output_height", 1);
    pw = ctx.int("output_width", 1);
  } else {
    const pooled = intsAttr(ctx, "pooled_shape", 2, null, "height and width");
    if (pooled === null && ctx.attr("pooled_shape") === undefined) ctx.contradiction("MISSING_ATTRIBUTE", `${op} requires attribute pooled_shape`, { attribute: "pooled_shape" });
    ph = pooled?.[0] ?? null;
    pw = pooled?.[1] ?? null;
  }
  if (xs && xs.length !== 4) ctx.contradiction("RANK_MISMATCH", `${op} input must be 4-D (N, C, H, W); got rank ${xs.length}`, { expected: 4, actual: xs.length });
  const boxLen = align ? 4 : 5;
  if (rs && (rs.length !== 2 || provablyDifferent(rs[1], boxLen))) {
    ctx.contradiction("RANK_MISMATCH", `${op} rois must be (num_rois, ${boxLen}); got [${rs.map(String).join(", ")}]`, { expected: [null, boxLen], actual: rs });
  }
  if (align) {
    const bs = shapeOf(ctx, 2);
    if (bs && rs && bs.length === 1 && provablyDifferent(bs[0], rs[0])) {
      ctx.contradiction("BAD_INPUT", `${op} has ${String(rs[0])} rois but ${String(bs[0])} batch indices`, { rois: rs[0] ?? null, batchIndices: bs[0] ?? null });
    }
  }
  return [tensor(dtype, [rs?.[0] ?? null, xs?.length === 4 ? (xs[1] ?? null) : null, ph, pw])];
}

/**
 * MaxUnpool-9/11/22: X and I `(N, C, i...)`, optional `output_shape` (a full shape tensor). Without
 * it each axis is `(i - 1)s + k - pb - pe` (ONNX MaxUnpool doc), the transposed-conv length with
 * dilation 1 and no output_padding. With it, the output is its value when known (ONNX inference
 * leaves the shape to run time).
 */
function inferMaxUnpool(ctx: InferContext): InferResult {
  const op = ctx.node.opType;
  const x = ctx.input(0);
  const xs = x?.shape ?? null;
  const dtype = x?.dtype ?? null;
  const kernelAttr = ctx.ints("kernel_shape");
  const rank = xs?.length ?? (kernelAttr && kernelAttr.length > 0 ? kernelAttr.length + 2 : null);
  const is = shapeOf(ctx, 1);
  if (xs && is && (xs.length !== is.length || xs.some((d, a) => provablyDifferent(d, is[a])))) {
    ctx.contradiction("BAD_INPUT", `${op} indices shape [${is.map(String).join(", ")}] differs from the input shape [${xs.map(String).join(", ")}]`, { input: xs, indices: is });
  }
  if (ctx.hasInput(2)) {
    const os = ctx.input(2);
    const v = os?.value;
    if (v && rank !== null && v.length !== rank) {
      ctx.contradiction("BAD_INPUT", `${op} output_shape has ${v.length} entries but the input has rank ${rank}`, { expected: rank, actual: v.length });
      return [tensor(dtype, null)];
    }
    if (v) return [tensor(dtype, v.map((d) => (d === null || (isConst(d) && (!Number.isInteger(d) || d < 0)) ? null : d)))];
    const len = os?.shape?.length === 1 && isConst(os.shape[0]) ? os.shape[0] : rank;
    return [tensor(dtype, len === null ? null : [xs?.[0] ?? null, xs?.[1] ?? null, ...new Array<ShapeDim>(Math.max(len - 2, 0)).fill(null)])];
  }
  if (rank === null) return [tensor(dtype, null)];
  if (rank < 3) {
    ctx.contradiction("RANK_MISMATCH", `${op} input must have rank >= 3 (N, C, spatial...); got rank ${rank}`, { expected: ">= 3", actual: rank });
    return [tensor(dtype, null)];
  }
  const n = rank - 2;
  const out: ShapeDim[] = [xs?.[0] ?? null, xs?.[1] ?? null];
  const w = readWindow(ctx, n, { dilations: false, kernelRequired: true, autoPad: false });
  for (let j = 0; j < n; j++) {
    const i = xs?.[2 + j] ?? null;
    if (w === null || i === null) {
      out.push(null);
      continue;
    }
    const o = convTransposeOutput(i, w.kernel[j]!, w.strides[j]!, 1, w.pads[j]!, w.pads[n + j]!, 0);
    out.push(requireSize(ctx, o, `output length of ${op} on axis ${2 + j}`));
  }
  return [tensor(dtype, out)];
}

const noDil = { dilations: false, ceilMode: false, indices: false };

/** Every pooling op definition. */
export const POOL_OPS: readonly OpDef[] = [
  defineOp({ type: "MaxPool", domain: "", since: 1, attrs: POOL_BASE, infer: (c) => inferPool(c, noDil) }),
  defineOp({ type: "MaxPool", domain: "", since: 8, attrs: [...POOL_BASE, "storage_order"], infer: (c) => inferPool(c, { ...noDil, indices: true }) }),
  // MaxPool-10 added ceil_mode and dilations; 11, 12 and 22 changed text and types only.
  defineOp({
    type: "MaxPool",
    domain: "",
    since: 10,
    attrs: [...POOL_BASE, "storage_order", "ceil_mode", "dilations"],
    infer: (c) => inferPool(c, { dilations: true, ceilMode: true, indices: true }),
  }),
  defineOp({ type: "AveragePool", domain: "", since: 1, attrs: POOL_BASE, infer: (c) => inferPool(c, noDil) }),
  defineOp({ type: "AveragePool", domain: "", since: 7, attrs: [...POOL_BASE, "count_include_pad"], infer: (c) => inferPool(c, noDil) }),
  defineOp({ type: "AveragePool", domain: "", since: 10, attrs: [...POOL_BASE, "count_include_pad", "ceil_mode"], infer: (c) => inferPool(c, { ...noDil, ceilMode: true }) }),
  // AveragePool-19 added dilations.
  defineOp({
    type: "AveragePool",
    domain: "",
    since: 19,
    attrs: [...POOL_BASE, "count_include_pad", "ceil_mode", "dilations"],
    infer: (c) => inferPool(c, { dilations: true, ceilMode: true, indices: false }),
  }),
  defineOp({ type: "LpPool", domain: "", since: 1, attrs: [...POOL_BASE, "p"], infer: (c) => inferPool(c, noDil) }),
  // LpPool-18 added ceil_mode and dilations.
  defineOp({ type: "LpPool", domain: "", since: 18, attrs: [...POOL_BASE, "p", "ceil_mode", "dilations"], infer: (c) => inferPool(c, { dilations: true, ceilMode: true, indices: false }) }),
  defineOp({ type: "GlobalAveragePool", domain: "", since: 1, attrs: [], infer: inferGlobalPool }),
  defineOp({ type: "GlobalMaxPool", domain: "", since: 1, attrs: [], infer: inferGlobalPool }),
  defineOp({ type: "GlobalLpPool", domain: "", since: 1, attrs: ["p"], infer: inferGlobalPool }),
  defineOp({ type: "MaxRoiPool", domain: "", since: 1, attrs: ["pooled_shape", "spatial_scale"], infer: (c) => inferRoiPool(c, false) }),
  defineOp({ type: "RoiAlign", domain: "", since: 10, attrs: ["mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"], infer: (c) => inferRoiPool(c, true) }),
  defineOp({
    type: "RoiAlign",
    domain: "",
    since: 16,
    attrs: ["coordinate_transformation_mode", "mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"],
    infer: (c) => inferRoiPool(c, true),
  }),
  defineOp({ type: "MaxUnpool", domain: "", since: 9, attrs: ["kernel_shape", "pads", "strides"], infer: inferMaxUnpool }),
];
