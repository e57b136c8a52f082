/**
 * Runtime tensors of the CPU reference kernel: a dtype, concrete dims and a typed array holding
 * the elements in row-major (C) order.
 *
 * Storage per dtype:
 * - `float32` -> `Float32Array` (the type every conv/pool/resize kernel is written for),
 * - `float64` -> `Float64Array`,
 * - 8/16/32-bit integers -> the matching integer typed array (stores wrap like C casts),
 * - `int64` / `uint64` -> `Float64Array` holding exact integers. Shape arithmetic never leaves
 *   +-2^53; the IR keeps int64 constants as doubles for the same reason (`TensorConst.values`),
 *   so values beyond 2^53 are rounded to the nearest double. BigInt arithmetic would make every
 *   elementwise kernel generic over two number types for no gain on shape subgraphs.
 * - `bool` -> `Uint8Array` of 0/1.
 * - `float16` / `bfloat16` -> `Float32Array` holding values representable in that format: kernels
 *   compute as for float32 and {@link roundToDType} rounds every result once (round to nearest
 *   even), which is what a half-precision kernel computing in float32 and storing does.
 */
import type { DType } from "../ir/dtype.js";

/** Element types the kernel can hold. */
export type KernelDType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool";

/** The typed arrays used as tensor storage. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** A runtime tensor. `data.length` equals the product of `dims`. */
export interface Tensor {
  readonly dtype: KernelDType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** A float32 tensor, the currency of the NN kernels. */
export interface FloatTensor extends Tensor {
  readonly dtype: "float32";
  readonly data: Float32Array;
}

const KERNEL_DTYPES: ReadonlySet<string> = new Set<KernelDType>([
  "float32",
  "float64",
  "float16",
  "bfloat16",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bool",
]);

/** True when the kernel can hold tensors of this IR dtype. */
export function isKernelDType(d: DType | string | null | undefined): d is KernelDType {
  return d !== null && d !== undefined && KERNEL_DTYPES.has(d);
}

/** True for the floating-point types. */
export function isFloatDType(d: KernelDType): boolean {
  return d === "float32" || d === "float64" || d === "float16" || d === "bfloat16";
}

/** True for the signed and unsigned integer types (not bool). */
export function isIntDType(d: KernelDType): boolean {
  return !isFloatDType(d) && d !== "bool";
}

/** Allocate zeroed storage of `n` elements for a dtype. */
export function allocData(dtype: KernelDType, n: number): TensorData {
  switch (dtype) {
    case "float32":
    case "float16":
    case "bfloat16":
      return new Float32Array(n);
    case "float64":
    case "int64":
    case "uint64":
      return new Float64Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
  }
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i] as number;
  }
  return s;
}

/** A new zero-filled tensor. */
export function zeros(dtype: KernelDType, dims: readonly number[]): Tensor {
  return { dtype, dims: [...dims], data: allocData(dtype, sizeOf(dims)) };
}

/** A float32 tensor over the given data (no copy) or zero-filled. */
export function floatTensor(dims: readonly number[], data?: Float32Array): FloatTensor {
  const n = sizeOf(dims);
  const d = data ?? new Float32Array(n);
  if (d.length !== n) throw new RangeError(`float tensor of dims [${dims.join(",")}] needs ${n} elements, got ${d.length}`);
  return { dtype: "float32", dims: [...dims], data: d };
}

/** A tensor of a dtype from plain numbers (copied, converted by the typed array's store rule). */
export function tensorFrom(dtype: KernelDType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const n = sizeOf(dims);
  if (values.length !== n) throw new RangeError(`tensor of dims [${dims.join(",")}] needs ${n} elements, got ${values.length}`);
  const data = allocData(dtype, n);
  if (dtype === "bool") for (let i = 0; i < n; i++) data[i] = values[i] ? 1 : 0;
  else if (dtype === "int64" || dtype === "uint64") for (let i = 0; i < n; i++) data[i] = Math.trunc(values[i] as number);
  else for (let i = 0; i < n; i++) data[i] = values[i] as number;
  return { dtype, dims: [...dims], data };
}

/** A same-data view with other dims (Reshape and friends never copy). */
export function withDims(t: Tensor, dims: readonly number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

/** Narrow to float32, or throw a TypeError naming what was expected. */
export function asFloat(t: Tensor, what: string): FloatTensor {
  if (t.dtype !== "float32") throw new TypeError(`${what} must be float32, got ${t.dtype}`);
  return t as FloatTensor;
}

/** The elements as plain numbers (for shape tensors and tests). */
export function toNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

/** `[1,64,22,22]`: dims as they appear in error messages. */
export function formatDims(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

/** Cheap seeded PRNG (mulberry32): deterministic random inputs and tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 tensor of uniform values in `[lo, hi)` from a seeded generator. */
export function randomFloat(dims: readonly number[], seed: number, lo = -1, hi = 1): FloatTensor {
  const rnd = mulberry32(seed);
  const data = new Float32Array(sizeOf(dims));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rnd();
  return { dtype: "float32", dims: [...dims], data };
}

/** Round a double to the nearest value with `bits` significand bits (incl. the implicit one), ties to even. */
function roundSignificand(v: number, bits: number, minExp: number, max: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // Subnormals share the quantum of the smallest normal exponent.
  const q = 2 ** (Math.max(e, minExp) - (bits - 1));
  const m = a / q;
  const f = Math.floor(m);
  const d = m - f;
  const r = (d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f) * q;
  const out = r > max ? Infinity : r;
  return v < 0 ? -out : out;
}

/** Nearest IEEE binary16 value (ties to even; 65520 and beyond round to infinity). */
export function roundToHalf(v: number): number {
  return roundSignificand(v, 11, -14, 65504);
}

/** Nearest bfloat16 value (ties to even). */
export function roundToBfloat16(v: number): number {
  return roundSignificand(v, 8, -126, 3.3895313892515355e38);
}

/** Round a float16/bfloat16 tensor's elements to its format, in place; other dtypes untouched. */
export function roundToDType(t: Tensor): Tensor {
  if (t.dtype !== "float16" && t.dtype !== "bfloat16") return t;
  const f = t.dtype === "float16" ? roundToHalf : roundToBfloat16;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = f(d[i] as number);
  return t;
}
