/**
 * Reading Keras layer configs inside shape functions. A Keras node carries every entry of its
 * layer's `config` as a `json` attribute under the name the file uses, so one reader handles
 * Keras 1 (`nb_filter`, `subsample`, `border_mode`, `dim_ordering`), Keras 2 / tf.keras / TF.js
 * and Keras 3 spellings (KERAS_JSON.md sections 2, 9). Malformed values are reported with
 * {@link ConfigError}, which the shape functions turn into a `malformed-config` fact and unknown
 * outputs: a config Keras itself would reject is not ours to guess.
 */
import type { DType } from "../../../ir/dtype.js";
import type { InferContext } from "../../define-op.js";
import type { TensorInfo } from "../../tensor-info.js";

/** A config entry that cannot be read as what the layer needs. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly attribute: string;
  constructor(attribute: string, message: string) {
    super(message);
    this.attribute = attribute;
  }
}

/** The raw value of the first present config entry among `names` (`undefined` when absent). */
export function raw(ctx: InferContext, ...names: string[]): unknown {
  for (const n of names) {
    const a = ctx.attr(n);
    if (a !== undefined) return a.value;
  }
  return undefined;
}

/** True when any of `names` is present in the config (even as `null`). */
export function has(ctx: InferContext, ...names: string[]): boolean {
  return names.some((n) => ctx.attr(n) !== undefined);
}

/** Unwrap SavedModel-style `{"class_name": "__tuple__", "items": [...]}` wrappers. */
export function unwrapTuple(v: unknown): unknown {
  let cur = v;
  while (cur !== null && typeof cur === "object" && !Array.isArray(cur)) {
    const o = cur as Record<string, unknown>;
    if ((o["class_name"] === "__tuple__" || o["class_name"] === "TensorShape") && Array.isArray(o["items"])) cur = o["items"];
    else break;
  }
  return cur;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** An integer config entry. */
export function intOf(ctx: InferContext, names: readonly string[], fallback?: number): number {
  const v = unwrapTuple(raw(ctx, ...names));
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(names[0]!, `'${names[0]}' is missing`);
  }
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!isInt(x)) throw new ConfigError(names[0]!, `'${names[0]}' must be an integer, got ${JSON.stringify(v)}`);
  return x;
}

/**
 * An n-tuple of integers (`kernel_size`, `strides`, `dilation_rate`, `size`): Keras accepts an
 * int (repeated n times) or a list of n ints (`conv_utils.normalize_tuple`).
 */
export function tupleOf(ctx: InferContext, names: readonly string[], n: number, fallback?: number | readonly number[]): number[] {
  const v = unwrapTuple(raw(ctx, ...names));
  return normalizeTuple(v === null ? undefined : v, n, names[0]!, fallback);
}

/** `conv_utils.normalize_tuple` on a raw value. */
export function normalizeTuple(v: unknown, n: number, what: string, fallback?: number | readonly number[]): number[] {
  if (v === undefined) {
    if (fallback === undefined) throw new ConfigError(what, `'${what}' is missing`);
    return typeof fallback === "number" ? new Array<number>(n).fill(fallback) : [...fallback];
  }
  const u = unwrapTuple(v);
  if (isInt(u)) return new Array<number>(n).fill(u);
  if (Array.isArray(u) && u.length === n && u.every(isInt)) return u as number[];
  throw new ConfigError(what, `'${what}' must be an integer or a list of ${n} integers, got ${JSON.stringify(v)}`);
}

/** `channels_last` (Keras default, K1 `dim_ordering: "tf"`) or `channels_first` (K1 `"th"`). */
export type DataFormat = "channels_last" | "channels_first";

/** The layer's data format. `image_data_format` from `keras.json` is not in the file; Keras' default is channels_last. */
export function dataFormat(ctx: InferContext): DataFormat {
  const v = raw(ctx, "data_format", "dim_ordering");
  if (v === "channels_first" || v === "th") return "channels_first";
  if (v === undefined || v === null || v === "channels_last" || v === "tf" || v === "default") return "channels_last";
  throw new ConfigError("data_format", `unknown data_format ${JSON.stringify(v)}`);
}

/** Channel axis and spatial axes of a rank-`rank` tensor in a data format. */
export function layoutAxes(rank: number, fmt: DataFormat): { channel: number; spatial: number[] } {
  const spatial: number[] = [];
  if (fmt === "channels_last") {
    for (let a = 1; a < rank - 1; a++) spatial.push(a);
    return { channel: rank - 1, spatial };
  }
  for (let a = 2; a < rank; a++) spatial.push(a);
  return { channel: 1, spatial };
}

/** Lower-cased padding mode (`padding`, K1 `border_mode`); Keras lower-cases it itself. */
export function paddingMode(ctx: InferContext, allowed: readonly string[], fallback = "valid"): string {
  const v = raw(ctx, "padding", "border_mode");
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string") throw new ConfigError("padding", `padding ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
  const p = v.toLowerCase();
  if (!allowed.includes(p)) throw new ConfigError("padding", `padding '${v}' is not one of ${allowed.join(", ")}`);
  return p;
}

/** Keras dtype names that map to IR dtypes. */
const DTYPES: Readonly<Record<string, DType>> = {
  float16: "float16",
  half: "float16",
  float32: "float32",
  float: "float32",
  float64: "float64",
  double: "float64",
  bfloat16: "bfloat16",
  int8: "int8",
  int16: "int16",
  int32: "int32",
  int64: "int64",
  uint8: "uint8",
  uint16: "uint16",
  uint32: "uint32",
  uint64: "uint64",
  bool: "bool",
  string: "string",
  complex64: "complex64",
  complex128: "complex128",
};

/**
 * The compute dtype of a Keras dtype entry: a string, a Keras 2 mixed-precision
 * `{class_name: "Policy", config: {name: "mixed_float16"}}`, or a Keras 3 `DTypePolicy`
 * (`mixed_bfloat16` computes in bfloat16). `null` when unknown.
 */
export function kerasDtype(v: unknown): DType | null {
  if (typeof v === "string") {
    const m = /^mixed_(float16|bfloat16)$/.exec(v);
    if (m) return DTYPES[m[1]!] ?? null;
    return DTYPES[v] ?? null;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const cfg = (v as Record<string, unknown>)["config"];
    if (cfg !== null && typeof cfg === "object") return kerasDtype((cfg as Record<string, unknown>)["name"]);
  }
  return null;
}

/** The output dtype of a floating-point layer: its own dtype policy, else its input's dtype. */
export function layerDtype(ctx: InferContext, input: TensorInfo | null): DType | null {
  return kerasDtype(raw(ctx, "dtype")) ?? input?.dtype ?? null;
}

/** Normalise a possibly negative axis; `null` when out of range. */
export function normAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}
