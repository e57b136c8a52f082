/**
 * Keras core layers: `Dense` (last axis -> `units`), `Flatten`, `Reshape` (one `-1`),
 * `Permute`, `RepeatVector`, `Embedding`, the shape-preserving activations, dropouts, noises and
 * normalizations, and `InputLayer` inside a nested model (binds the outer tensor and checks it
 * against the shape the sub-model was built for).
 */
import { type Dim, floorDiv, isConst, mulDims } from "../../../ir/dim.js";
import type { DType } from "../../../ir/dtype.js";
import type { ShapeDim } from "../../../ir/graph.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { tensor } from "../../tensor-info.js";
import { ConfigError, intOf, kerasDtype, layerDtype, normAxis, raw, unwrapTuple } from "./config.js";
import { KERAS_DOMAIN, WEIGHT_ATTRS, expectRank, fmtShape, kerasOps, provablyDifferent } from "./define.js";

/** Shape functions whose output is the input, for layers no config entry of which can change a shape. */
function preserving(types: readonly string[]): OpDef[] {
  return types.map((type) => ({
    type,
    domain: KERAS_DOMAIN,
    since: 1,
    // No `attrs` list: every entry of these layers (rates, axes, initializers...) leaves the shape alone.
    infer: (ctx: InferContext): InferResult => {
      const x = ctx.input(0);
      if (!x) return null;
      return [tensor(floatLike(ctx, x.dtype), x.shape)];
    },
  }));
}

/** Output dtype of a float layer: its dtype policy, else the input's. */
function floatLike(ctx: InferContext, input: DType | null): DType | null {
  return kerasDtype(raw(ctx, "dtype")) ?? input;
}

function denseInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  if (!x || x.shape === null) return null;
  if (!expectRank(ctx, x.shape, { min: 2 })) return null;
  const units = intOf(ctx, ["units", "output_dim"]);
  if (units < 1) throw new ConfigError("units", `'units' must be positive, got ${units}`);
  const last = x.shape[x.shape.length - 1] ?? null;
  const bc = raw(ctx, "build_config");
  if (bc !== null && typeof bc === "object" && !Array.isArray(bc)) {
    const shape = unwrapTuple((bc as Record<string, unknown>)["input_shape"]);
    const built = Array.isArray(shape) ? shape[shape.length - 1] : undefined;
    if (typeof built === "number" && isConst(last) && built !== last) {
      ctx.contradiction("CHANNEL_MISMATCH", `Dense '${ctx.node.name}' was built for ${built} input features (build_config) but receives ${last}`, {
        expected: built,
        actual: last,
        axis: x.shape.length - 1,
        what: "build_config",
      });
    }
  }
  return [tensor(layerDtype(ctx, x), [...x.shape.slice(0, -1), units])];
}

/** Product of dims; `null` when unknown or not linear (two symbolic factors). */
function product(dims: readonly ShapeDim[]): ShapeDim {
  let p: Dim = 1;
  for (const d of dims) {
    if (d === null) return null;
    const q = mulDims(p, d);
    if (q === null) return null;
    p = q;
  }
  return p;
}

function flattenInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  if (!x || x.shape === null) return null;
  if (x.shape.length === 0) {
    expectRank(ctx, x.shape, { min: 1 });
    return null;
  }
  const rest = x.shape.length === 1 ? 1 : product(x.shape.slice(1));
  return [tensor(x.dtype, [x.shape[0] ?? null, rest])];
}

/** `total / k` when it is provably exact; `undefined` when not divisible, `null` when unknown. */
function exactDiv(total: ShapeDim, k: number): ShapeDim | undefined {
  if (total === null) return null;
  if (isConst(total)) return total % k === 0 ? total / k : undefined;
  if (total.c % k === 0 && total.terms.every((t) => t.coef % k === 0)) return floorDiv(total, k);
  return null;
}

function reshapeInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const target = unwrapTuple(raw(ctx, "target_shape"));
  if (!Array.isArray(target) || !target.every((d) => d === null || (typeof d === "number" && Number.isInteger(d) && (d > 0 || d === -1)))) {
    throw new ConfigError("target_shape", `'target_shape' must be a list of positive sizes and at most one -1, got ${JSON.stringify(target)}`);
  }
  const dims = target.map((d) => (d === null ? -1 : (d as number)));
  const unknownAt = dims.flatMap((d, i) => (d === -1 ? [i] : []));
  if (unknownAt.length > 1) throw new ConfigError("target_shape", `'target_shape' has more than one -1: ${JSON.stringify(target)}`);
  const batch = x?.shape?.[0] ?? null;
  const out: ShapeDim[] = [batch, ...dims.map((d) => (d === -1 ? null : d))];
  if (!x || x.shape === null) return [tensor(x?.dtype ?? null, out)];
  const total = x.shape.length <= 1 ? 1 : product(x.shape.slice(1));
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknownAt.length === 1) {
    const q = exactDiv(total, known);
    if (q === undefined) {
      ctx.contradiction("RESHAPE_MISMATCH", `Reshape cannot split ${String(total)} elements into ${JSON.stringify(target)} (not a multiple of ${known})`, {
        input: [...x.shape],
        targetShape: target,
        elements: total,
      });
      return [tensor(x.dtype, out)];
    }
    out[unknownAt[0]! + 1] = q;
  } else if (total !== null && provablyDifferent(total, known)) {
    ctx.contradiction("RESHAPE_MISMATCH", `Reshape to ${JSON.stringify(target)} needs ${known} elements per sample, the input ${fmtShape(x.shape)} has ${String(total)}`, {
      input: [...x.shape],
      targetShape: target,
      elements: total,
    });
  }
  return [tensor(x.dtype, out)];
}

function permuteInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dims = unwrapTuple(raw(ctx, "dims"));
  if (!Array.isArray(dims) || !dims.every((d) => typeof d === "number" && Number.isInteger(d))) throw new ConfigError("dims", `'dims' must be a list of axes, got ${JSON.stringify(dims)}`);
  const sorted = [...(dims as number[])].sort((a, b) => a - b);
  if (sorted.some((d, i) => d !== i + 1)) throw new ConfigError("dims", `'dims' must be a permutation of 1..${dims.length}, got ${JSON.stringify(dims)}`);
  if (!x || x.shape === null) return null;
  if (!expectRank(ctx, x.shape, dims.length + 1)) return null;
  return [tensor(x.dtype, [x.shape[0] ?? null, ...(dims as number[]).map((d) => x.shape![d] ?? null)])];
}

function repeatVectorInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  if (!x || x.shape === null) return null;
  if (!expectRank(ctx, x.shape, 2)) return null;
  const n = intOf(ctx, ["n"]);
  return [tensor(x.dtype, [x.shape[0] ?? null, n, x.shape[1] ?? null])];
}

function embeddingInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const dim = intOf(ctx, ["output_dim"]);
  const dtype = kerasDtype(raw(ctx, "dtype")) ?? "float32";
  if (!x || x.shape === null) return [tensor(dtype, null)];
  return [tensor(dtype, [...x.shape, dim])];
}

function groupNormInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  if (!x) return null;
  if (x.shape !== null) {
    const groups = intOf(ctx, ["groups"], 32);
    const axisRaw = raw(ctx, "axis");
    const axis = normAxis(typeof axisRaw === "number" ? axisRaw : -1, x.shape.length);
    const c = axis === null ? null : (x.shape[axis] ?? null);
    if (isConst(c) && (groups < 1 || c % groups !== 0)) {
      ctx.contradiction("CHANNEL_MISMATCH", `GroupNormalization with groups=${groups} needs the channel count (${c}, axis ${axis}) to be a multiple of it`, {
        axis,
        channels: c,
        groups,
        what: "groups",
      });
    }
  }
  return [tensor(floatLike(ctx, x.dtype), x.shape)];
}

/**
 * `InputLayer` of a nested model, bound to the outer tensor. Keras (2 and 3) warns and re-runs
 * the sub-model on the new shape when the two disagree, so a disagreement is a fact, not a
 * contradiction; the later layers decide whether the new shape works.
 */
function nestedInputInfer(ctx: InferContext): InferResult {
  const x = ctx.input(0);
  const declared = unwrapTuple(raw(ctx, "batch_shape", "batch_input_shape"));
  const declaredShape: ShapeDim[] | null = Array.isArray(declared) ? declared.map((d) => (typeof d === "number" && Number.isInteger(d) ? d : null)) : null;
  const dtype = x?.dtype ?? kerasDtype(raw(ctx, "dtype"));
  if (!x || x.shape === null) return [tensor(dtype, declaredShape)];
  if (declaredShape !== null) {
    const conflict = declaredShape.length !== x.shape.length || declaredShape.some((d, i) => d !== null && provablyDifferent(d, x.shape![i] ?? null));
    if (conflict) ctx.fact("declared-conflict", { declared: declaredShape, actual: [...x.shape], what: "nested model input" });
    else return [tensor(dtype, x.shape.map((d, i) => d ?? declaredShape[i] ?? null))];
  }
  return [tensor(dtype, x.shape)];
}

/** Keras core layers. */
export const KERAS_CORE_OPS: readonly OpDef[] = [
  ...kerasOps(["Dense"], [...WEIGHT_ATTRS, "units", "output_dim", "input_dim"], denseInfer),
  ...kerasOps(["Flatten"], ["data_format"], flattenInfer),
  ...kerasOps(["Reshape"], ["target_shape"], reshapeInfer),
  ...kerasOps(["Permute"], ["dims"], permuteInfer),
  ...kerasOps(["RepeatVector"], ["n"], repeatVectorInfer),
  ...kerasOps(
    ["Embedding"],
    ["input_dim", "output_dim", "input_length", "mask_zero", "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint", "init", "W_regularizer", "W_constraint", "dropout", "weights", "lora_rank", "lora_alpha", "quantization_config"],
    embeddingInfer,
  ),
  ...kerasOps(["GroupNormalization"], ["groups", "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"], groupNormInfer),
  ...kerasOps(["InputLayer"], ["batch_input_shape", "batch_shape", "input_shape", "dtype", "sparse", "ragged", "optional", "input_tensor"], nestedInputInfer),
  ...preserving([
    // activations
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "ThresholdedReLU",
    "Softmax",
    // regularisation and noise
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Masking",
    "Identity",
    // normalization
    "BatchNormalization",
    "SyncBatchNormalization",
    "LayerNormalization",
    "UnitNormalization",
    "Normalization",
    "RMSNormalization",
    "Rescaling",
    // augmentation (shape-preserving)
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomContrast",
    "RandomTranslation",
    "RandomBrightness",
  ]),
];
