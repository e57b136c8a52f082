/**
 * Keras layers that change spatial sizes without a kernel: pooling (Keras 2
 * `conv_utils.conv_output_length` with the pool as kernel; `strides: null` means the pool size),
 * global pooling (`keepdims` from tf 2.6 / Keras 3), `UpSampling1/2/3D` (`i * size`),
 * `ZeroPadding1/2/3D` (`i + before + after`), `Cropping1/2/3D` (`i - before - after`, which Keras
 * rejects unless at least 1 remains; defaults: padding 1, Cropping1D/3D 1, Cropping2D 0), and the preprocessing `Resizing`/`CenterCrop`.
 */
import { type Dim, add, mul, sub } from "../../../ir/dim.js";
import type { ShapeDim } from "../../../ir/graph.js";
import { sameOutput, validOutput } from "../../conv-geometry.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { tensor } from "../../tensor-info.js";
import { ConfigError, dataFormat, has, intOf, layerDtype, layoutAxes, paddingMode, raw, tupleOf, unwrapTuple } from "./config.js";
import { expectRank, kerasOps, spatialName } from "./define.js";

const POOL_ATTRS = ["pool_size", "strides", "padding", "data_format", "pool_length", "stride", "border_mode", "dim_ordering"];

function poolInfer(n: number): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const { spatial } = layoutAxes(n + 2, dataFormat(ctx));
    const pool = n === 1 && !has(ctx, "pool_size") && has(ctx, "pool_length") ? [intOf(ctx, ["pool_length"])] : tupleOf(ctx, ["pool_size"], n, 2);
    const strideRaw = raw(ctx, "strides", "stride");
    const s = strideRaw === undefined || strideRaw === null ? pool : tupleOf(ctx, ["strides", "stride"], n);
    if (pool.some((v) => v < 1) || s.some((v) => v < 1)) throw new ConfigError("pool_size", `pool_size ${JSON.stringify(pool)} and strides ${JSON.stringify(s)} must be positive`);
    const padding = paddingMode(ctx, ["valid", "same"]);
    const out: ShapeDim[] = [...x.shape];
    spatial.forEach((ax, j) => {
      const i = x.shape![ax] ?? null;
      if (i === null) return;
      const o = padding === "same" ? sameOutput(i, s[j]!) : validOutput(i, pool[j]!, s[j]!);
      out[ax] = o;
      ctx.require(o, `output ${spatialName(j, n)} of ${ctx.node.opType}`);
    });
    return [tensor(x.dtype, out)];
  };
}

function globalPoolInfer(n: number): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const { channel, spatial } = layoutAxes(n + 2, dataFormat(ctx));
    const keep = raw(ctx, "keepdims") === true;
    if (keep) return [tensor(x.dtype, x.shape.map((d, a) => (spatial.includes(a) ? 1 : d)))];
    return [tensor(x.dtype, [x.shape[0] ?? null, x.shape[channel] ?? null])];
  };
}

function upsampleInfer(n: number): (ctx: InferContext) => InferResult {
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const { spatial } = layoutAxes(n + 2, dataFormat(ctx));
    const size = n === 1 && !has(ctx, "size") && has(ctx, "length") ? [intOf(ctx, ["length"])] : tupleOf(ctx, ["size"], n, 2);
    if (size.some((v) => v < 1)) throw new ConfigError("size", `'size' must be positive, got ${JSON.stringify(size)}`);
    const out: ShapeDim[] = [...x.shape];
    spatial.forEach((ax, j) => {
      const i = x.shape![ax] ?? null;
      out[ax] = i === null ? null : mul(i, size[j]!);
    });
    return [tensor(x.dtype, out)];
  };
}

/**
 * `(before, after)` per spatial axis for ZeroPadding/Cropping: an int (all sides), n ints
 * (symmetric per axis; for 1D a pair is `(before, after)`), n pairs, and Keras 1 ZeroPadding2D's
 * 4-tuple `(top, bottom, left, right)` or `{top_pad, bottom_pad, left_pad, right_pad}`.
 */
export function amountsOf(v: unknown, n: number, what: string): [number, number][] {
  const u = unwrapTuple(v);
  const isInt = (a: unknown): a is number => typeof a === "number" && Number.isInteger(a) && a >= 0;
  const bad = (): ConfigError => new ConfigError(what, `'${what}' must be an int, ${n} ints or ${n} pairs of non-negative ints, got ${JSON.stringify(v)}`);
  if (isInt(u)) return Array.from({ length: n }, () => [u, u]);
  if (n === 2 && u !== null && typeof u === "object" && !Array.isArray(u)) {
    const o = u as Record<string, unknown>;
    const get = (k: string): number => {
      const x = o[k] ?? 0;
      if (!isInt(x)) throw bad();
      return x;
    };
    return [
      [get("top_pad"), get("bottom_pad")],
      [get("left_pad"), get("right_pad")],
    ];
  }
  if (!Array.isArray(u)) throw bad();
  if (u.every(isInt)) {
    const v = u as number[];
    if (n === 1 && v.length === 2) return [[v[0]!, v[1]!]];
    if (n === 2 && v.length === 4) return [
      [v[0]!, v[1]!],
      [v[2]!, v[3]!],
    ];
  }
  if (u.length !== n) throw bad();
  return u.map((e) => {
    const p = unwrapTuple(e);
    if (isInt(p)) return [p, p] as [number, number];
    if (Array.isArray(p) && p.length === 2 && p.every(isInt)) return [p[0], p[1]] as [number, number];
    throw bad();
  });
}

function padCropInfer(n: number, sign: 1 | -1, fallback: number): (ctx: InferContext) => InferResult {
  const attr = sign === 1 ? "padding" : "cropping";
  return (ctx) => {
    const x = ctx.input(0);
    if (!x || x.shape === null) return null;
    if (!expectRank(ctx, x.shape, n + 2)) return null;
    const { spatial } = layoutAxes(n + 2, dataFormat(ctx));
    const v = raw(ctx, attr);
    const amounts = amountsOf(v === undefined || v === null ? fallback : v, n, attr);
    const out: ShapeDim[] = [...x.shape];
    spatial.forEach((ax, j) => {
      const i = x.shape![ax] ?? null;
      if (i === null) return;
      const [b, e] = amounts[j]!;
      const o: Dim = sign === 1 ? add(i, b + e) : sub(i, b + e);
      out[ax] = o;
      if (sign === -1) ctx.require(o, `${spatialName(j, n)} left by ${ctx.node.opType} (cropping ${b}+${e} from ${String(i)})`);
    });
    return [tensor(x.dtype, out)];
  };
}

/** Keras preprocessing `Resizing` / `CenterCrop`: fixed `height` x `width`, batched or not. */
function fixedSizeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  if (!x || x.shape === null) return null;
  const h = intOf(ctx, ["height"]);
  const w = intOf(ctx, ["width"]);
  const rank = x.shape.length;
  if (rank !== 3 && rank !== 4) {
    expectRank(ctx, x.shape, 4);
    return null;
  }
  const first = dataFormat(ctx) === "channels_first";
  const out: ShapeDim[] = [...x.shape];
  const hAxis = rank - (first ? 2 : 3);
  out[hAxis] = h;
  out[hAxis + 1] = w;
  return [tensor(layerDtype(ctx, x), out)];
}

/** Keras pooling, padding, cropping and resizing layers. */
export const KERAS_SPATIAL_OPS: readonly OpDef[] = [
  ...kerasOps(["MaxPooling1D", "AveragePooling1D"], POOL_ATTRS, poolInfer(1)),
  ...kerasOps(["MaxPooling2D", "AveragePooling2D"], POOL_ATTRS, poolInfer(2)),
  ...kerasOps(["MaxPooling3D", "AveragePooling3D"], POOL_ATTRS, poolInfer(3)),
  ...kerasOps(["GlobalMaxPooling1D", "GlobalAveragePooling1D"], ["data_format", "keepdims", "dim_ordering"], globalPoolInfer(1)),
  ...kerasOps(["GlobalMaxPooling2D", "GlobalAveragePooling2D"], ["data_format", "keepdims", "dim_ordering"], globalPoolInfer(2)),
  ...kerasOps(["GlobalMaxPooling3D", "GlobalAveragePooling3D"], ["data_format", "keepdims", "dim_ordering"], globalPoolInfer(3)),
  ...kerasOps(["UpSampling1D"], ["size", "length"], upsampleInfer(1)),
  ...kerasOps(["UpSampling2D"], ["size", "data_format", "interpolation", "dim_ordering"], upsampleInfer(2)),
  ...kerasOps(["UpSampling3D"], ["size", "data_format", "dim_ordering"], upsampleInfer(3)),
  ...kerasOps(["ZeroPadding1D"], ["padding"], padCropInfer(1, 1, 1)),
  ...kerasOps(["ZeroPadding2D"], ["padding", "data_format", "dim_ordering"], padCropInfer(2, 1, 1)),
  ...kerasOps(["ZeroPadding3D"], ["padding", "data_format", "dim_ordering"], padCropInfer(3, 1, 1)),
  ...kerasOps(["Cropping1D"], ["cropping"], padCropInfer(1, -1, 1)),
  ...kerasOps(["Cropping2D"], ["cropping", "data_format", "dim_ordering"], padCropInfer(2, -1, 0)),
  ...kerasOps(["Cropping3D"], ["cropping", "data_format", "dim_ordering"], padCropInfer(3, -1, 1)),
  ...kerasOps(["Resizing"], ["height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias", "data_format"], fixedSizeInfer),
  ...kerasOps(["CenterCrop"], ["height", "width", "data_format"], fixedSizeInfer),
];
