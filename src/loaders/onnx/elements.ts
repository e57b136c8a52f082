/**
 * Element decoding for ONNX tensor payloads: raw little-endian bytes (`raw_data`, TensorProto
 * field 9) or the typed repeated fields (float_data 4, int32_data 5, string_data 6, int64_data 7,
 * double_data 10, uint64_data 11), for every dtype of src/ir/dtype.ts including the 8-, 4- and
 * 2-bit floats and integers. Used for small constants at load time and by `readTensorData`.
 */
import { bitsOf, type DType } from "../../ir/dtype.js";
import type { TensorDataLocation } from "../../ir/graph.js";
import { LoadError } from "../load-error.js";
import { WT_LEN, forEachPackedVarint } from "./wire-reader.js";

/** Decoded elements: a typed array matching the dtype, or strings. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** Inline payload encodings (the TensorProto field holding the data). */
export type InlineEncoding = Extract<TensorDataLocation, { kind: "inline" }>["encoding"];

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Bytes `raw_data` must hold for `count` elements, or `null` when raw data does not apply. */
export function rawByteLength(dtype: DType, count: number): number | null {
  const bits = bitsOf(dtype);
  if (bits === 0) return null;
  return Math.ceil((count * bits) / 8);
}

// ---------------------------------------------------------------------------------------------
// Small floats.

/** Layout of a small float format: exponent/mantissa bits, bias, and how it spells inf/NaN. */
interface MiniFloat {
  readonly e: number;
  readonly m: number;
  readonly bias: number;
  /** "ieee": all-ones exponent is inf/NaN; "fn": only all-ones is NaN; "fnuz": 0x80 is NaN, no -0; "none": finite only. */
  readonly special: "ieee" | "fn" | "fnuz" | "none";
}

const MINIFLOATS: Partial<Record<DType, MiniFloat>> = {
  float16: { e: 5, m: 10, bias: 15, special: "ieee" },
  float8e4m3fn: { e: 4, m: 3, bias: 7, special: "fn" },
  float8e4m3fnuz: { e: 4, m: 3, bias: 8, special: "fnuz" },
  float8e5m2: { e: 5, m: 2, bias: 15, special: "ieee" },
  float8e5m2fnuz: { e: 5, m: 2, bias: 16, special: "fnuz" },
  float4e2m1: { e: 2, m: 1, bias: 1, special: "none" },
};

function decodeMini(bits: number, f: MiniFloat): number {
  const total = 1 + f.e + f.m;
  const sign = (bits >>> (total - 1)) & 1;
  const exp = (bits >>> f.m) & ((1 << f.e) - 1);
  const mant = bits & ((1 << f.m) - 1);
  const expMax = (1 << f.e) - 1;
  if (f.special === "fnuz" && sign === 1 && exp === 0 && mant === 0) return NaN;
  if (f.special === "fn" && exp === expMax && mant === (1 << f.m) - 1) return NaN;
  if (f.special === "ieee" && exp === expMax) return mant === 0 ? (sign ? -Infinity : Infinity) : NaN;
  const mag = exp === 0 ? Math.pow(2, 1 - f.bias) * (mant / (1 << f.m)) : Math.pow(2, exp - f.bias) * (1 + mant / (1 << f.m));
  return sign ? -mag : mag;
}

const tables = new Map<DType, Float32Array>();

/** Decode table for an 8-bit or smaller float format (256 entries), built on first use. */
function tableOf(dtype: DType): Float32Array {
  let t = tables.get(dtype);
  if (t) return t;
  t = new Float32Array(256);
  if (dtype === "float8e8m0") {
    // Exponent only (OCP MX scale): 2^(x - 127); 0xFF is NaN.
    for (let x = 0; x < 256; x++) t[x] = x === 255 ? NaN : Math.pow(2, x - 127);
  } else {
    const f = MINIFLOATS[dtype]!;
    const n = 1 << (1 + f.e + f.m);
    for (let x = 0; x < n; x++) t[x] = decodeMini(x, f);
  }
  tables.set(dtype, t);
  return t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of a float16 / bfloat16 / float8 / float4 bit pattern. */
export function decodeSmallFloat(dtype: DType, bits: number): number {
  if (dtype === "bfloat16") {
    u32[0] = (bits & 0xffff) << 16;
    return f32[0]!;
  }
  if (dtype === "float16") return decodeMini(bits & 0xffff, MINIFLOATS.float16!);
  return tableOf(dtype)[bits & 0xff]!;
}

function isSmallFloat(dtype: DType): boolean {
  return dtype === "float16" || dtype === "bfloat16" || dtype.startsWith("float8") || dtype === "float4e2m1";
}

// ---------------------------------------------------------------------------------------------
// Payload decoding.

function malformed(message: string, at: number): LoadError {
  return new LoadError("MALFORMED", message, { byteOffset: at });
}

/** Unpack sub-byte elements (low bits first), sign-extending the signed types. */
function unpackBits(bytes: ArrayLike<number>, count: number, bits: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  for (let i = 0; i < count; i++) {
    const v = ((bytes[Math.floor(i / per)] ?? 0) >>> ((i % per) * bits)) & mask;
    out[i] = signed ? (v << shift) >> shift : v;
  }
  return out;
}

function subByte(dtype: DType): { bits: number; signed: boolean } | null {
  switch (dtype) {
    case "int4":
      return { bits: 4, signed: true };
    case "uint4":
    case "float4e2m1":
      return { bits: 4, signed: false };
    case "int2":
      return { bits: 2, signed: true };
    case "uint2":
      return { bits: 2, signed: false };
    default:
      return null;
  }
}

/**
 * Copy into a fresh, aligned buffer (payload views can start at any offset). The copy
 * constructor is used because `slice()` on a Node Buffer returns a view of the shared pool.
 */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** Elements per logical element in the decoded array (complex types interleave re, im). */
function lanes(dtype: DType): number {
  return dtype === "complex64" || dtype === "complex128" ? 2 : 1;
}

function decodeRaw(bytes: Uint8Array, dtype: DType, count: number, at: number): TensorData {
  const need = rawByteLength(dtype, count);
  if (need === null) throw malformed(`raw_data cannot hold ${dtype} elements`, at);
  if (bytes.length !== need) {
    throw malformed(`raw_data holds ${bytes.length} bytes but ${count} ${dtype} elements need ${need}`, at);
  }
  const sb = subByte(dtype);
  if (sb) {
    const ints = unpackBits(bytes, count, sb.bits, sb.signed);
    return dtype === "float4e2m1" ? Float32Array.from(ints, (b) => decodeSmallFloat(dtype, b)) : ints;
  }
  const buf = aligned(bytes);
  switch (dtype) {
    case "float32":
    case "complex64":
      return new Float32Array(buf);
    case "float64":
    case "complex128":
      return new Float64Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "uint8":
    case "bool":
      return new Uint8Array(buf);
    case "int16":
      return new Int16Array(buf);
    case "uint16":
      return new Uint16Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "uint32":
      return new Uint32Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    case "uint64":
      return new BigUint64Array(buf);
    case "float16":
    case "bfloat16": {
      const half = new Uint16Array(buf);
      return Float32Array.from(half, (b) => decodeSmallFloat(dtype, b));
    }
    default:
      // float8 variants and float8e8m0: one byte each.
      return Float32Array.from(bytes, (b) => decodeSmallFloat(dtype, b));
  }
}

function checkCount(got: number, want: number, field: string, dtype: DType, at: number): void {
  if (got !== want) throw malformed(`${field} holds ${got} values but the dims of this ${dtype} tensor need ${want}`, at);
}

function decodeInt32Data(bytes: Uint8Array, dtype: DType, count: number, at: number): TensorData {
  const vals: number[] = [];
  forEachPackedVarint(bytes, at, (lo) => vals.push(lo | 0));
  const sb = subByte(dtype);
  if (sb) {
    // Sub-byte types: each int32_data entry is one packed byte.
    checkCount(vals.length, Math.ceil((count * sb.bits) / 8), "int32_data", dtype, at);
    const ints = unpackBits(vals.map((v) => v & 0xff), count, sb.bits, sb.signed);
    return dtype === "float4e2m1" ? Float32Array.from(ints, (b) => decodeSmallFloat(dtype, b)) : ints;
  }
  checkCount(vals.length, count, "int32_data", dtype, at);
  switch (dtype) {
    case "int32":
      return Int32Array.from(vals);
    case "int16":
      return Int16Array.from(vals);
    case "int8":
      return Int8Array.from(vals);
    case "uint16":
      return Uint16Array.from(vals);
    case "uint8":
    case "bool":
      return Uint8Array.from(vals);
    default:
      if (isSmallFloat(dtype)) return Float32Array.from(vals, (b) => decodeSmallFloat(dtype, b));
      throw malformed(`int32_data cannot hold ${dtype} elements`, at);
  }
}

function decodeStringRecords(bytes: Uint8Array, count: number, at: number): string[] {
  // The span covers consecutive string_data (field 6) records, tags included.
  const out: string[] = [];
  const dec = new TextDecoder("utf-8", { fatal: false });
  let p = 0;
  while (p < bytes.length) {
    let tag = 0;
    forEachPackedVarint(bytes.subarray(p, p + 1), at + p, (lo) => (tag = lo));
    if (tag !== ((6 << 3) | WT_LEN)) throw malformed("string_data span holds a field other than string_data", at + p);
    p++;
    let len = 0;
    let q = p;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[q++];
      if (b === undefined || shift > 28) throw malformed("bad string_data length", at + p);
      len += (b & 0x7f) * Math.pow(2, shift);
      if ((b & 0x80) === 0) break;
    }
    if (q + len > bytes.length) throw malformed("string_data record runs past its span", at + p);
    out.push(dec.decode(bytes.subarray(q, q + len)));
    p = q + len;
  }
  checkCount(out.length, count, "string_data", "string", at);
  return out;
}

/**
 * Decode a payload. `bytes` are exactly the recorded `[offset, offset + length)`; `at` is that
 * offset, for error locations. Throws `MALFORMED` when the payload does not fit the dims.
 */
export function decodePayload(bytes: Uint8Array, encoding: InlineEncoding, dtype: DType, count: number, at: number): TensorData {
  const n = count * lanes(dtype);
  switch (encoding) {
    case "raw":
      return decodeRaw(bytes, dtype, count, at);
    case "float_data": {
      if (dtype !== "float32" && dtype !== "complex64") throw malformed(`float_data cannot hold ${dtype} elements`, at);
      if (bytes.length % 4 !== 0) throw malformed("float_data length is not a multiple of 4", at);
      checkCount(bytes.length / 4, n, "float_data", dtype, at);
      return new Float32Array(aligned(bytes));
    }
    case "double_data": {
      if (dtype !== "float64" && dtype !== "complex128") throw malformed(`double_data cannot hold ${dtype} elements`, at);
      if (bytes.length % 8 !== 0) throw malformed("double_data length is not a multiple of 8", at);
      checkCount(bytes.length / 8, n, "double_data", dtype, at);
      return new Float64Array(aligned(bytes));
    }
    case "int32_data":
      return decodeInt32Data(bytes, dtype, count, at);
    case "int64_data": {
      if (dtype !== "int64") throw malformed(`int64_data cannot hold ${dtype} elements`, at);
      const out: bigint[] = [];
      forEachPackedVarint(bytes, at, (lo, hi) => out.push(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))));
      checkCount(out.length, count, "int64_data", dtype, at);
      return BigInt64Array.from(out);
    }
    case "uint64_data": {
      if (dtype !== "uint64" && dtype !== "uint32") throw malformed(`uint64_data cannot hold ${dtype} elements`, at);
      const out: bigint[] = [];
      forEachPackedVarint(bytes, at, (lo, hi) => out.push((BigInt(hi) << 32n) | BigInt(lo)));
      checkCount(out.length, count, "uint64_data", dtype, at);
      return dtype === "uint64" ? BigUint64Array.from(out) : Uint32Array.from(out, (v) => Number(BigInt.asUintN(32, v)));
    }
    case "string_data":
      if (dtype !== "string") throw malformed(`string_data cannot hold ${dtype} elements`, at);
      return decodeStringRecords(bytes, count, at);
  }
}

/**
 * Raw little-endian elements of the common fixed-width dtypes straight to numbers, reading the
 * (possibly unaligned) bytes in place from `buf` at `start`; `null` for other dtypes. The length must already have
 * been checked. This is the load-time path for small constants: one allocation per tensor.
 */
export function rawNumbers(buf: Uint8Array, start: number, dtype: DType, count: number): { values: number[]; inexact: boolean } | null {
  const dv = new DataView(buf.buffer, buf.byteOffset + start, buf.byteLength - start);
  const values = new Array<number>(count);
  let inexact = false;
  switch (dtype) {
    case "float32":
      for (let i = 0; i < count; i++) values[i] = dv.getFloat32(i * 4, true);
      break;
    case "float64":
      for (let i = 0; i < count; i++) values[i] = dv.getFloat64(i * 8, true);
      break;
    case "int64":
    case "uint64":
      for (let i = 0; i < count; i++) {
        const lo = dv.getUint32(i * 8, true);
        const hi = dtype === "int64" ? dv.getInt32(i * 8 + 4, true) : dv.getUint32(i * 8 + 4, true);
        const v = hi * 4294967296 + lo;
        // |v| < 2^53 is exact; beyond, the sum rounds once to the nearest double.
        if (v > 9007199254740991 || v < -9007199254740991) inexact = true;
        values[i] = v;
      }
      break;
    case "int32":
      for (let i = 0; i < count; i++) values[i] = dv.getInt32(i * 4, true);
      break;
    case "uint32":
      for (let i = 0; i < count; i++) values[i] = dv.getUint32(i * 4, true);
      break;
    case "int16":
      for (let i = 0; i < count; i++) values[i] = dv.getInt16(i * 2, true);
      break;
    case "uint16":
      for (let i = 0; i < count; i++) values[i] = dv.getUint16(i * 2, true);
      break;
    case "int8":
      for (let i = 0; i < count; i++) values[i] = dv.getInt8(i);
      break;
    case "uint8":
    case "bool":
      for (let i = 0; i < count; i++) values[i] = dv.getUint8(i);
      break;
    default:
      return null;
  }
  return { values, inexact };
}

/** Elements as plain numbers; 64-bit integers beyond 2^53 are rounded and flagged `inexact`. */
export function toNumbers(data: TensorData): { values: number[]; inexact: boolean } {
  if (Array.isArray(data)) throw new Error("string tensors have no numeric values");
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    let inexact = false;
    const values = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      const x = Number(v);
      if (!Number.isSafeInteger(x) || BigInt(x) !== v) inexact = true;
      values[i] = x;
    }
    return { values, inexact };
  }
  const src = data as ArrayLike<number>;
  const values = new Array<number>(src.length);
  for (let i = 0; i < src.length; i++) values[i] = src[i]!;
  return { values, inexact: false };
}
