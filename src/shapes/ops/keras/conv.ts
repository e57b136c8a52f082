/**
 * Keras convolutions: `Conv1D/2D/3D`, `Conv1D/2D/3DTranspose`, `SeparableConv1D/2D`,
 * `DepthwiseConv1D/2D`. Length formulas come from `conv-geometry.ts` only.
 *
 * Forward conv (Keras 2 `conv_utils.conv_output_length`, Keras 3
 * `compute_conv_output_shape`): `valid` -> `floor((i - ek)/s) + 1`, `same` -> `ceil(i/s)`,
 * `causal` (1D only) -> `ceil(i/s)`; Keras 1 `full` -> `floor((i + ek - 2)/s) + 1`.
 * Transposed conv: `kerasConvTransposeOutput` (output_padding `null` and `0` are different
 * layers; KERAS_JSON.md section 9, peers.md 1.2). Keras 1 `Deconvolution2D` takes its output
 * size from its `output_shape` argument, which TF then checks against the legal range.
 */
import { type Dim, isConst, mul } from "../../../ir/dim.js";
import type { ShapeDim } from "../../../ir/graph.js";
import {
  causalOutput,
  convOutput,
  convTransposeLegalRange,
  effectiveKernel,
  kerasConvTransposeOutput,
  sameOutput,
  tfjsConvTransposeOutput,
  validOutput,
} from "../../conv-geometry.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { tensor } from "../../tensor-info.js";
import { ConfigError, dataFormat, has, intOf, layerDtype, layoutAxes, normalizeTuple, paddingMode, raw, tupleOf, unwrapTuple } from "./config.js";
import { WEIGHT_ATTRS, expectRank, kerasOps, spatialName } from "./define.js";

/** Kernel size, with the Keras 1 spellings (`filter_length`; `nb_row`/`nb_col`; `kernel_dim1..3`). */
function kernelOf(ctx: InferContext, n: number): number[] {
  let k: number[];
  if (has(ctx, "kernel_size")) k = tupleOf(ctx, ["kernel_size"], n);
  else if (n === 1 && has(ctx, "filter_length")) k = [intOf(ctx, ["filter_length"])];
  else if (n === 2 && has(ctx, "nb_row")) k = [intOf(ctx, ["nb_row"]), intOf(ctx, ["nb_col"])];
  else if (n === 3 && has(ctx, "kernel_dim1")) k = [intOf(ctx, ["kernel_dim1"]), intOf(ctx, ["kernel_dim2"]), intOf(ctx, ["kernel_dim3"])];
  else throw new ConfigError("kernel_size", "'kernel_size' is missing");
  return positive(k, "kernel_size");
}

/** Strides (`strides`; Keras 1 `subsample`, `subsample_length`). */
function stridesOf(ctx: InferContext, n: number): number[] {
  if (n === 1 && !has(ctx, "strides") && has(ctx, "subsample_length")) return positive([intOf(ctx, ["subsample_length"])], "subsample_length");
  return positive(tupleOf(ctx, ["strides", "subsample"], n, 1), "strides");
}

/** Dilation (`dilation_rate`; Keras 1 `AtrousConvolution*D.atrous_rate`). */
function dilationOf(ctx: InferContext, n: number): number[] {
  return positive(tupleOf(ctx, ["dilation_rate", "atrous_rate"], n, 1), "dilation_rate");
}

function positive(v: number[], what: string): number[] {
  if (v.some((x) => x < 1)) throw new ConfigError(what, `'${what}' must be positive, got ${JSON.stringify(v)}`);
  return v;
}

/** Forward conv length of one axis. */
function convLength(i: ShapeDim, k: number, s: number, d: number, padding: string): ShapeDim {
  if (i === null) return null;
  switch (padding) {
    case "same":
      return sameOutput(i, s);
    case "causal":
      return causalOutput(i, k, s, d);
    case "full": {
      const ek = effectiveKernel(k, d);
      return convOutput(i, k, s, d, ek - 1, ek - 1);
    }
    default:
      return validOutput(i, k, s, d);
  }
}

/**
 * Input channels recorded by Keras 3 `build_config.input_shape`: the kernel was built for them,
 * so a later call on a different channel count cannot run.
 */
function builtChannels(ctx: InferContext, channelAxis: number): number | null {
  const bc = raw(ctx, "build_config");
  if (bc === null || typeof bc !== "object" || Array.isArray(bc)) return null;
  const shape = unwrapTuple((bc as Record<string, unknown>)["input_shape"]);
  if (!Array.isArray(shape) || shape.some((d) => Array.isArray(d))) return null;
  const c = shape[channelAxis < 0 ? shape.length + channelAxis : channelAxis];
  return typeof c === "number" ? c : null;
}

function checkBuiltChannels(ctx: InferContext, c: ShapeDim, channelAxis: number): void {
  const built = builtChannels(ctx, channelAxis);
  if (built !== null && isConst(c) && c !== built) {
    ctx.contradiction("CHANNEL_MISMATCH", `${ctx.node.opType} '${ctx.node.name}' was built for ${built} input channels (build_config) but receives ${c}`, {
      expected: built,
      actual: c,
      axis: channelAxis,
      what: "build_config",
    });
  }
}

const CONV_ATTRS = [
  ...WEIGHT_ATTRS,
  "filters",
  "kernel_size",
  "strides",
  "padding",
  "data_format",
  "dilation_rate",
  "groups",
  // Keras 1
  "nb_filter",
  "nb_row",
  "nb_col",
  "filter_length",
  "kernel_dim1",
  "kernel_dim2",
  "kernel_dim3",
  "subsample",
  "subsample_length",
  "border_mode",
  "dim_ordering",
  "atrous_rate",
  "input_dim",
  "input_length",
];

function convInfer(n: number, kind: "conv" | "separable" | "depthwise"): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const fmt = dataFormat(ctx);
    const { channel, spatial } = layoutAxes(n + 2, fmt);
    const k = kernelOf(ctx, n);
    const s = stridesOf(ctx, n);
    const d = dilationOf(ctx, n);
    const padding = paddingMode(ctx, n === 1 ? ["valid", "same", "causal"] : ctx.opset === 1 ? ["valid", "same", "full"] : ["valid", "same"]);
    const c = x.shape[channel] ?? null;
    let outChannels: ShapeDim;
    if (kind === "depthwise") {
      const dm = intOf(ctx, ["depth_multiplier"], 1);
      outChannels = c === null ? null : mul(c, dm);
    } else {
      const filters = intOf(ctx, ["filters", "nb_filter"]);
      if (filters < 1) throw new ConfigError("filters", `'filters' must be positive, got ${filters}`);
      outChannels = filters;
      if (kind === "conv") {
        const groups = intOf(ctx, ["groups"], 1);
        if (groups < 1) throw new ConfigError("groups", `'groups' must be positive, got ${groups}`);
        if (filters % groups !== 0) {
          ctx.contradiction("CHANNEL_MISMATCH", `${ctx.node.opType} has ${filters} filters, not divisible by groups=${groups}`, { filters, groups, what: "filters" });
        }
        if (isConst(c) && c % groups !== 0) {
          ctx.contradiction("CHANNEL_MISMATCH", `${ctx.node.opType} input has ${c} channels (axis ${channel}), not divisible by groups=${groups}`, {
            axis: channel,
            channels: c,
            groups,
            what: "input",
          });
        }
      }
    }
    checkBuiltChannels(ctx, c, channel);
    if (s.some((v) => v > 1) && d.some((v) => v > 1)) {
      // tf.nn.convolution (TF backend of Keras 2 and 3) rejects this combination; JAX accepts it.
      ctx.fact("runtime-divergence", { runtime: "tensorflow", reason: "strides > 1 together with dilation_rate > 1 is rejected by tf.nn.convolution", strides: s, dilation: d });
    }
    const out: ShapeDim[] = [...x.shape];
    out[channel] = outChannels;
    spatial.forEach((ax, j) => {
      const o = convLength(x.shape![ax] ?? null, k[j]!, s[j]!, d[j]!, padding);
      out[ax] = o;
      if (o !== null) ctx.require(o, `output ${spatialName(j, n)} of ${ctx.node.opType}`);
    });
    if (padding === "causal") {
      // tfjs-layers convOutputLength treats "causal" as "valid" and conv1dWithBias throws NotImplementedError.
      const i = x.shape[spatial[0]!] ?? null;
      const keras = out[spatial[0]!] ?? null;
      const tfjs = convLength(i, k[0]!, s[0]!, d[0]!, "valid");
      ctx.fact("runtime-divergence", {
        runtime: "tfjs",
        attributes: ["padding"],
        keras: [keras],
        tfjs: [tfjs],
        differs: String(keras) !== String(tfjs),
        reason: "tfjs-layers has no causal padding: it computes the shape as for valid and fails when run",
      });
    }
    return [tensor(layerDtype(ctx, x), out)];
  };
}

const TRANSPOSE_ATTRS = [...CONV_ATTRS, "output_padding", "output_shape"];

/** The `output_padding` entry: `null` (Keras' default), or one int per spatial axis. */
function outputPaddingOf(ctx: InferContext, n: number): number[] | null {
  const v = raw(ctx, "output_padding");
  if (v === undefined || v === null) return null;
  const op = normalizeTuple(v, n, "output_padding");
  if (op.some((p) => p < 0)) throw new ConfigError("output_padding", `'output_padding' must be non-negative, got ${JSON.stringify(v)}`);
  return op;
}

function convTransposeInfer(n: number): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const fmt = dataFormat(ctx);
    const { channel, spatial } = layoutAxes(n + 2, fmt);
    const k = kernelOf(ctx, n);
    const s = stridesOf(ctx, n);
    const d = dilationOf(ctx, n);
    const padding = paddingMode(ctx, ["valid", "same"]) as "valid" | "same";
    const filters = intOf(ctx, ["filters", "nb_filter"]);
    const groups = intOf(ctx, ["groups"], 1);
    if (groups !== 1) {
      // tf.keras passes groups on to Conv but conv_transpose has no grouped form; Keras 3 refuses the argument.
      ctx.fact("unmodelled-attribute", { attribute: "groups", value: groups, reason: "transposed convolutions have no groups in Keras" });
    }
    checkBuiltChannels(ctx, x.shape[channel] ?? null, channel);
    const out: ShapeDim[] = [...x.shape];
    out[channel] = filters;

    // Keras 1 Deconvolution2D: the output size is the `output_shape` argument (full shape incl. batch).
    if (ctx.opset === 1 && has(ctx, "output_shape") && !has(ctx, "output_padding")) {
      const declared = unwrapTuple(raw(ctx, "output_shape"));
      if (!Array.isArray(declared) || declared.length !== n + 2) throw new ConfigError("output_shape", `'output_shape' must list ${n + 2} sizes, got ${JSON.stringify(declared)}`);
      spatial.forEach((ax, j) => {
        const i = x.shape![ax] ?? null;
        const o = declared[ax];
        const dim: ShapeDim = typeof o === "number" && Number.isInteger(o) ? o : null;
        out[ax] = dim;
        if (i === null) return;
        const legal = convTransposeLegalRange(i, k[j]!, s[j]!, d[j]!, { kind: padding });
        ctx.fact("conv-transpose", { axis: ax, input: i, kernel: k[j], stride: s[j], dilation: d[j], padding, outputPadding: null, outputShape: dim, output: dim, legal });
        if (isConst(dim) && isConst(legal.lo) && isConst(legal.hi) && (dim < legal.lo || dim > legal.hi)) {
          ctx.contradiction("OUTPUT_SHAPE_OUT_OF_RANGE", `${ctx.node.opType} output_shape gives ${spatialName(j, n)} ${dim}, but from ${String(i)} only ${legal.lo}..${legal.hi} are possible`, {
            axis: ax,
            outputShape: dim,
            legal,
          });
        }
      });
      return [tensor(layerDtype(ctx, x), out)];
    }

    const op = outputPaddingOf(ctx, n);
    if (op === null && !has(ctx, "output_padding") && ctx.opset >= 3) {
      // Keras 3 before 3.15 does not serialize output_padding even when it was set (KERAS_JSON.md section 9).
      ctx.fact("assumed-default", { attribute: "output_padding", assumed: null, reason: "Keras 3 files before 3.15 omit output_padding even when it was set" });
    }
    if (s.some((v) => v > 1) && d.some((v) => v > 1)) {
      ctx.fact("runtime-divergence", { runtime: "keras3", reason: "Keras 3 rejects strides > 1 together with dilation_rate > 1 for transposed convolutions", strides: s, dilation: d });
    }
    const kerasOut: ShapeDim[] = [];
    const tfjsOut: ShapeDim[] = [];
    spatial.forEach((ax, j) => {
      const i = x.shape![ax] ?? null;
      const opj = op === null ? null : op[j]!;
      if (opj !== null && opj >= s[j]!) {
        // Keras 2 (v2.15 conv2d_transpose.py) and Keras 3 (PR #22130): "Strides must be greater than output padding".
        ctx.contradiction("OUTPUT_PADDING_OUT_OF_RANGE", `${ctx.node.opType} output_padding ${opj} on the ${spatialName(j, n)} axis must be smaller than its stride ${s[j]}`, {
          axis: ax,
          outputPadding: opj,
          stride: s[j],
          attribute: "output_padding",
        });
      }
      if (i === null) {
        out[ax] = null;
        kerasOut.push(null);
        tfjsOut.push(null);
        return;
      }
      const o: Dim = kerasConvTransposeOutput(i, k[j]!, s[j]!, d[j]!, padding, opj);
      out[ax] = o;
      kerasOut.push(o);
      tfjsOut.push(tfjsConvTransposeOutput(i, k[j]!, s[j]!, padding));
      const legal = convTransposeLegalRange(i, k[j]!, s[j]!, d[j]!, { kind: padding });
      ctx.fact("conv-transpose", { axis: ax, input: i, kernel: k[j], stride: s[j], dilation: d[j], padding, outputPadding: opj, output: o, legal: { lo: legal.lo, hi: legal.hi } });
      ctx.require(o, `output ${spatialName(j, n)} of ${ctx.node.opType}`);
    });
    const setAttrs: string[] = [];
    if (op !== null) setAttrs.push("output_padding");
    if (d.some((v) => v > 1)) setAttrs.push("dilation_rate");
    if (setAttrs.length > 0) {
      // tfjs-layers Conv2DTranspose/Conv3DTranspose (deconvLength) ignore both (peers.md section 6).
      ctx.fact("runtime-divergence", {
        runtime: "tfjs",
        attributes: setAttrs,
        keras: kerasOut,
        tfjs: tfjsOut,
        differs: kerasOut.some((o, j) => String(o) !== String(tfjsOut[j])),
        reason: "tfjs-layers ignores output_padding and dilation_rate on transposed convolutions",
      });
    }
    return [tensor(layerDtype(ctx, x), out)];
  };
}

/** Keras convolution layers. */
export const KERAS_CONV_OPS: readonly OpDef[] = [
  ...kerasOps(["Conv1D"], CONV_ATTRS, convInfer(1, "conv")),
  ...kerasOps(["Conv2D"], CONV_ATTRS, convInfer(2, "conv")),
  ...kerasOps(["Conv3D"], CONV_ATTRS, convInfer(3, "conv")),
  ...kerasOps(["Conv1DTranspose"], TRANSPOSE_ATTRS, convTransposeInfer(1)),
  ...kerasOps(["Conv2DTranspose"], TRANSPOSE_ATTRS, convTransposeInfer(2)),
  ...kerasOps(["Conv3DTranspose"], TRANSPOSE_ATTRS, convTransposeInfer(3)),
  ...kerasOps(
    ["SeparableConv1D"],
    [...CONV_ATTRS, "depth_multiplier", "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"],
    convInfer(1, "separable"),
  ),
  ...kerasOps(
    ["SeparableConv2D"],
    [...CONV_ATTRS, "depth_multiplier", "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"],
    convInfer(2, "separable"),
  ),
  ...kerasOps(["DepthwiseConv1D"], [...CONV_ATTRS, "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"], convInfer(1, "depthwise")),
  ...kerasOps(["DepthwiseConv2D"], [...CONV_ATTRS, "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"], convInfer(2, "depthwise")),
];
