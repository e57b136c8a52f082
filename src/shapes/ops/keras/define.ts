/**
 * Helpers shared by the Keras shape functions: definition wrappers with the attribute lists
 * every Keras layer carries, rank checks, provable inequality, shape formatting.
 */
import { compareDims } from "../../../ir/dim-compare.js";
import { type Dim, dimEquals, formatDim, isConst } from "../../../ir/dim.js";
import type { Shape, ShapeDim } from "../../../ir/graph.js";
import type { InferContext, InferResult, OpDef } from "../../define-op.js";
import { ConfigError } from "./config.js";

/** The op domain of every Keras layer. */
export const KERAS_DOMAIN = "keras";

/**
 * Config entries and loader attributes that every Keras layer may carry and that never change
 * a shape (names, training flags, dtype policy, the input-shape hints read by the loader, and the
 * entry fields `module`/`registered_name`/`build_config`/call options the loader records).
 */
export const COMMON_ATTRS: readonly string[] = [
  "name",
  "trainable",
  "dtype",
  "batch_input_shape",
  "batch_shape",
  "input_shape",
  "input_dtype",
  "sparse",
  "ragged",
  "autocast",
  "dynamic",
  "activity_regularizer",
  "input_spec",
  "keras_module",
  "registered_name",
  "build_config",
  "call_kwargs",
  "call_args",
];

/** Config entries of layers with a kernel and a bias (Keras 1, 2 and 3 spellings). */
export const WEIGHT_ATTRS: readonly string[] = [
  "activation",
  "use_bias",
  "kernel_initializer",
  "bias_initializer",
  "kernel_regularizer",
  "bias_regularizer",
  "kernel_constraint",
  "bias_constraint",
  "lora_rank",
  "lora_alpha",
  "quantization_config",
  // Keras 1
  "init",
  "bias",
  "W_regularizer",
  "b_regularizer",
  "W_constraint",
  "b_constraint",
  "weights",
];

/** A Keras shape function; a {@link ConfigError} becomes a `malformed-config` fact and unknown outputs. */
export type KerasInfer = (ctx: InferContext) => InferResult;

function guarded(infer: KerasInfer): KerasInfer {
  return (ctx) => {
    try {
      return infer(ctx);
    } catch (e) {
      if (e instanceof ConfigError) {
        ctx.fact("malformed-config", { attribute: e.attribute, message: e.message });
        return null;
      }
      throw e;
    }
  };
}

/** Define one shape function for several Keras layer classes. */
export function kerasOps(types: readonly string[], attrs: readonly string[], infer: KerasInfer): OpDef[] {
  const all = [...new Set([...COMMON_ATTRS, ...attrs])];
  const fn = guarded(infer);
  return types.map((type) => ({ type, domain: KERAS_DOMAIN, since: 1, attrs: all, infer: fn }));
}

/** Text of a shape: `[?, 28, 28, 1]`. */
export function fmtShape(shape: Shape | null): string {
  if (shape === null) return "[?]";
  return `[${shape.map((d) => formatDim(d)).join(", ")}]`;
}

/**
 * True when the input has rank `rank`; otherwise records `RANK_MISMATCH` (Keras' `InputSpec`
 * check: "Input 0 of layer ... is incompatible with the layer: expected ndim=4, found ndim=3").
 */
export function expectRank(ctx: InferContext, shape: Shape, rank: number | { min: number }, index = 0): boolean {
  const ok = typeof rank === "number" ? shape.length === rank : shape.length >= rank.min;
  if (!ok) {
    const want = typeof rank === "number" ? `rank ${rank}` : `rank >= ${rank.min}`;
    ctx.contradiction("RANK_MISMATCH", `${ctx.node.opType} expects an input of ${want}, got ${fmtShape(shape)} (input '${ctx.node.inputs[index] ?? ""}')`, {
      expected: typeof rank === "number" ? rank : { min: rank.min },
      actual: shape.length,
      shape: [...shape],
      input: ctx.node.inputs[index] ?? "",
    });
  }
  return ok;
}

/** True when two dims can never be equal (two different constants, or an equality that never holds). */
export function provablyDifferent(a: ShapeDim, b: ShapeDim): boolean {
  if (a === null || b === null) return false;
  if (dimEquals(a, b)) return false;
  if (isConst(a) && isConst(b)) return a !== b;
  try {
    return compareDims(a, b, { budget: 4096 }).verdict === "never";
  } catch {
    return false;
  }
}

/** True when a dim is provably not 1 (so it cannot be broadcast). */
export function provablyNotOne(d: ShapeDim): boolean {
  if (d === null) return false;
  if (isConst(d)) return d !== 1;
  return provablyDifferent(d, 1);
}

/** Pick the most informative of several dims that must be equal: a constant, else the first known. */
export function pickEqual(dims: readonly ShapeDim[]): ShapeDim {
  const known = dims.filter((d): d is Dim => d !== null);
  return known.find((d) => isConst(d)) ?? known[0] ?? null;
}

/** Human name of spatial axis `j` of `n`. */
export function spatialName(j: number, n: number): string {
  const names = n === 1 ? ["length"] : n === 2 ? ["height", "width"] : n === 3 ? ["depth", "height", "width"] : [];
  return names[j] ?? `spatial axis ${j}`;
}
