/**
 * A tiny protobuf writer that builds ONNX `ModelProto` / `TensorProto` bytes for tests and the
 * benchmarks, so that fixtures are written in TypeScript next to the assertions instead of being
 * committed binaries.
 *
 * It is deliberately independent of the loader under test (no shared code): field numbers are
 * spelled out here from onnx.proto and were checked against onnx 1.12's descriptors.
 *
 * Only what tests need is supported; {@link ProtoWriter} is exported for hand-crafting broken or
 * unusual messages (bad wire types, absurd lengths, unknown fields).
 */
import { writeSync } from "node:fs";
import { DTYPE_BY_CODE, type DType } from "../../src/ir/dtype.js";

// ---------------------------------------------------------------------------------------------
// Wire-level writer.

/** Protobuf wire types. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/**
 * Appends protobuf fields. Bytes are kept as a list of chunks (large payloads and nested
 * messages by reference) and joined once in {@link finish}, so big fixtures cost one copy.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(256);
  private curLen = 0;
  private total = 0;

  private flush(): void {
    if (this.curLen === 0) return;
    this.chunks.push(this.cur.subarray(0, this.curLen));
    this.cur = new Uint8Array(256);
    this.curLen = 0;
  }

  /** Raw bytes, no tag (for hand-made corruption). */
  raw(bytes: Uint8Array | readonly number[]): this {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    if (b.length > 128) {
      this.flush();
      this.chunks.push(b);
    } else {
      if (this.curLen + b.length > this.cur.length) this.flush();
      this.cur.set(b, this.curLen);
      this.curLen += b.length;
    }
    this.total += b.length;
    return this;
  }

  private appendWriter(w: ProtoWriter): void {
    w.flush();
    this.flush();
    for (const c of w.chunks) this.chunks.push(c);
    this.total += w.total;
  }

  /**
   * A base-128 varint. Negative numbers are written as 10-byte two's complement, as protobuf
   * does for int32/int64 fields.
   */
  rawVarint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    return this.raw(out);
  }

  /** A field tag: `(field << 3) | wireType`. */
  tag(field: number, wireType: number): this {
    return this.rawVarint(field * 8 + wireType);
  }

  varint(field: number, v: number | bigint | boolean): this {
    return this.tag(field, WIRE.VARINT).rawVarint(typeof v === "boolean" ? (v ? 1 : 0) : v);
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, WIRE.I32).raw(b);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.tag(field, WIRE.I64).raw(b);
  }

  bytes(field: number, b: Uint8Array): this {
    return this.tag(field, WIRE.LEN).rawVarint(b.length).raw(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A nested message, built by `fill` into a fresh writer. */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    fill(inner);
    this.tag(field, WIRE.LEN).rawVarint(inner.length);
    this.appendWriter(inner);
    return this;
  }

  /** Packed repeated varints (int32/int64/uint64/enum). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated fixed32 floats. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** Packed repeated fixed64 doubles. */
  packedDoubles(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 8);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat64(i * 8, v, true));
    return this.bytes(field, b);
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.total;
  }

  /** Write the bytes to an open file, chunk by chunk, without joining them first. */
  writeTo(fd: number): void {
    this.flush();
    for (const c of this.chunks) writeSync(fd, c);
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Specs.

/** An element type by name or by raw ONNX code (codes allow writing unknown types). */
export type DTypeSpec = DType | number;

/** A tensor to write (initializer, attribute, standalone `.pb`). */
export interface TensorSpec {
  readonly name?: string;
  readonly dtype: DTypeSpec;
  readonly dims: readonly (number | bigint)[];
  /**
   * Logical element values. float16/bfloat16 are converted from numbers; for float8*, float4e2m1
   * and float8e8m0 the numbers are the raw bit patterns (0..255 / 0..15). Sub-byte integer types
   * take their signed/unsigned values and are packed low bits first. complex types take
   * interleaved (re, im) pairs.
   */
  readonly data?: readonly (number | bigint)[] | ArrayLike<number>;
  /** Strings for dtype "string" (string_data, field 6). */
  readonly strings?: readonly string[];
  /** Where `data` goes: `raw_data` (9, default) or the typed repeated field. */
  readonly encoding?: "raw" | "typed";
  /** Exact raw_data bytes (overrides `data`). */
  readonly raw?: Uint8Array;
  /** Write as external data (data_location=1, field 14) with these `external_data` entries (13). */
  readonly external?: { readonly location: string; readonly offset?: number; readonly length?: number; readonly checksum?: string };
  readonly docString?: string;
}

/** A declared value (graph input/output, value_info). `shape: null` writes no shape at all. */
export interface ValueInfoSpec {
  readonly name: string;
  readonly dtype: DTypeSpec;
  /** Dims: number = dim_value, string = dim_param, null = neither. Omitted or null: no shape. */
  readonly shape?: readonly (number | bigint | string | null)[] | null;
}

/** Explicitly typed attribute value, for cases the JS shape cannot express (e.g. float 2.0). */
export type TypedAttr =
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "int"; readonly value: number | bigint }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "ints"; readonly value: readonly (number | bigint)[] }
  | { readonly type: "string"; readonly value: string | Uint8Array }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "tensor"; readonly value: TensorSpec }
  | { readonly type: "tensors"; readonly value: readonly TensorSpec[] }
  | { readonly type: "graph"; readonly value: GraphSpec }
  | { readonly type: "graphs"; readonly value: readonly GraphSpec[] };

/**
 * An attribute value. Typed by JS shape: an integer number is `int`, another number `float`,
 * a number array `ints` when every element is an integer else `floats`, a string `string`, a
 * string array `strings`, an object with `dtype`+`dims` a tensor, an object with `nodes` a
 * graph (arrays of those: tensors / graphs). An empty array is `ints`. Use {@link TypedAttr}
 * for anything else.
 */
export type AttrValue =
  | number
  | bigint
  | string
  | readonly number[]
  | readonly string[]
  | TensorSpec
  | GraphSpec
  | readonly TensorSpec[]
  | readonly GraphSpec[]
  | TypedAttr;

export interface NodeSpec {
  readonly opType: string;
  readonly domain?: string;
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, AttrValue>>;
}

export interface GraphSpec {
  readonly name?: string;
  readonly nodes: readonly NodeSpec[];
  readonly inputs?: readonly ValueInfoSpec[];
  readonly outputs?: readonly ValueInfoSpec[];
  readonly valueInfo?: readonly ValueInfoSpec[];
  readonly initializers?: readonly TensorSpec[];
}

export interface ModelSpec {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly graph: GraphSpec;
}

// ---------------------------------------------------------------------------------------------
// Encoders.

/** ONNX TensorProto.DataType code of a dtype spec. */
export function dtypeCode(d: DTypeSpec): number {
  if (typeof d === "number") return d;
  if (d === "undefined") return 0;
  for (const [code, name] of Object.entries(DTYPE_BY_CODE)) if (name === d) return Number(code);
  throw new Error(`unknown dtype ${d}`);
}

function dtypeName(d: DTypeSpec): DType | null {
  if (typeof d === "string") return d;
  return (DTYPE_BY_CODE as Record<number, DType>)[d] ?? null;
}

/** IEEE half bits of a number (round to nearest even). */
function toHalfBits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** bfloat16 bits of a number (round to nearest even). */
function toBf16Bits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  if (Number.isNaN(v)) return 0x7fc0;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

function subByteBits(dtype: DType | null): number {
  if (dtype === "int4" || dtype === "uint4" || dtype === "float4e2m1") return 4;
  if (dtype === "int2" || dtype === "uint2") return 2;
  return 0;
}

/** Pack sub-byte elements into bytes, low bits first (ONNX's packing order). */
function packBits(values: readonly number[], bits: number): number[] {
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Array<number>(Math.ceil(values.length / per)).fill(0);
  values.forEach((v, i) => {
    out[Math.floor(i / per)]! |= (v & mask) << ((i % per) * bits);
  });
  return out;
}

/** Element values as numbers/bigints for the dtype's wire form. */
function asList(data: TensorSpec["data"]): (number | bigint)[] {
  if (!data) return [];
  return Array.from(data as ArrayLike<number | bigint>);
}

/** Little-endian raw_data bytes for `data` of `dtype`. */
export function rawBytes(dtype: DTypeSpec, data: TensorSpec["data"]): Uint8Array {
  const name = dtypeName(dtype);
  const list = asList(data);
  const sb = subByteBits(name);
  if (sb) return Uint8Array.from(packBits(list.map(Number), sb));
  switch (name) {
    case "float32":
    case "complex64": {
      const b = new Uint8Array(list.length * 4);
      const dv = new DataView(b.buffer);
      list.forEach((v, i) => dv.setFloat32(i * 4, Number(v), true));
      return b;
    }
    case "float64":
    case "complex128": {
      const b = new Uint8Array(list.length * 8);
      const dv = new DataView(b.buffer);
      list.forEach((v, i) => dv.setFloat64(i * 8, Number(v), true));
      return b;
    }
    case "int64":
    case "uint64": {
      const b = new Uint8Array(list.length * 8);
      const dv = new DataView(b.buffer);
      list.forEach((v, i) => {
        if (name === "int64") dv.setBigInt64(i * 8, BigInt(v), true);
        else dv.setBigUint64(i * 8, BigInt(v), true);
      });
      return b;
    }
    case "int32":
    case "uint32": {
      const b = new Uint8Array(list.length * 4);
      const dv = new DataView(b.buffer);
      list.forEach((v, i) => (name === "int32" ? dv.setInt32(i * 4, Number(v), true) : dv.setUint32(i * 4, Number(v), true)));
      return b;
    }
    case "int16":
    case "uint16":
    case "float16":
    case "bfloat16": {
      const b = new Uint8Array(list.length * 2);
      const dv = new DataView(b.buffer);
      list.forEach((v, i) => {
        const n = Number(v);
        const bits = name === "float16" ? toHalfBits(n) : name === "bfloat16" ? toBf16Bits(n) : n & 0xffff;
        dv.setUint16(i * 2, bits, true);
      });
      return b;
    }
    case "int8":
    case "uint8":
    case "bool":
    case "float8e4m3fn":
    case "float8e4m3fnuz":
    case "float8e5m2":
    case "float8e5m2fnuz":
    case "float8e8m0":
      return Uint8Array.from(list.map((v) => Number(v) & 0xff));
    default:
      throw new Error(`rawBytes: unsupported dtype ${String(dtype)}`);
  }
}

/** Write the typed repeated field for `data` (onnx.proto's per-dtype field choice). */
function writeTyped(w: ProtoWriter, dtype: DTypeSpec, data: TensorSpec["data"]): void {
  const name = dtypeName(dtype);
  const list = asList(data);
  const sb = subByteBits(name);
  if (sb) {
    // Sub-byte types: one packed byte per int32_data (5) element.
    w.packedVarints(5, packBits(list.map(Number), sb));
    return;
  }
  switch (name) {
    case "float32":
    case "complex64":
      w.packedFloats(4, list.map(Number)); // float_data
      return;
    case "float64":
    case "complex128":
      w.packedDoubles(10, list.map(Number)); // double_data
      return;
    case "int64":
      w.packedVarints(7, list); // int64_data
      return;
    case "uint32":
    case "uint64":
      w.packedVarints(11, list); // uint64_data
      return;
    case "float16":
      w.packedVarints(5, list.map((v) => toHalfBits(Number(v))));
      return;
    case "bfloat16":
      w.packedVarints(5, list.map((v) => toBf16Bits(Number(v))));
      return;
    default:
      // int32, int16, int8, uint16, uint8, bool, float8*: int32_data (5)
      w.packedVarints(5, list);
  }
}

function writeTensorFields(w: ProtoWriter, t: TensorSpec): void {
  for (const d of t.dims) w.varint(1, d); // dims: unpacked, as onnx (proto2) writes them
  w.varint(2, dtypeCode(t.dtype)); // data_type
  if (t.name !== undefined) w.string(8, t.name); // name
  if (t.docString !== undefined) w.string(12, t.docString);
  if (t.external) {
    const e = t.external;
    const kv = (k: string, v: string) => w.message(13, (m) => m.string(1, k).string(2, v)); // external_data
    kv("location", e.location);
    if (e.offset !== undefined) kv("offset", String(e.offset));
    if (e.length !== undefined) kv("length", String(e.length));
    if (e.checksum !== undefined) kv("checksum", e.checksum);
    w.varint(14, 1); // data_location = EXTERNAL
    return;
  }
  if (t.strings) {
    for (const s of t.strings) w.string(6, s); // string_data
    return;
  }
  if (t.raw) {
    w.bytes(9, t.raw);
    return;
  }
  if (t.data === undefined) return;
  if ((t.encoding ?? "raw") === "raw") w.bytes(9, rawBytes(t.dtype, t.data)); // raw_data
  else writeTyped(w, t.dtype, t.data);
}

/** A standalone TensorProto (the `.pb` files of ONNX's test data). */
export function encodeTensor(t: TensorSpec): Uint8Array {
  const w = new ProtoWriter();
  writeTensorFields(w, t);
  return w.finish();
}

function writeValueInfo(w: ProtoWriter, field: number, v: ValueInfoSpec): void {
  w.message(field, (vi) => {
    vi.string(1, v.name); // ValueInfoProto.name
    vi.message(2, (tp) => {
      // TypeProto.tensor_type (1)
      tp.message(1, (tt) => {
        tt.varint(1, dtypeCode(v.dtype)); // elem_type
        if (v.shape !== undefined && v.shape !== null) {
          tt.message(2, (sh) => {
            for (const d of v.shape!) {
              sh.message(1, (dim) => {
                if (typeof d === "number" || typeof d === "bigint") dim.varint(1, d); // dim_value
                else if (typeof d === "string") dim.string(2, d); // dim_param
              });
            }
          });
        }
      });
    });
  });
}

function isTensorSpec(v: unknown): v is TensorSpec {
  return typeof v === "object" && v !== null && "dtype" in v && "dims" in v;
}

function isGraphSpec(v: unknown): v is GraphSpec {
  return typeof v === "object" && v !== null && "nodes" in v;
}

function isTypedAttr(v: unknown): v is TypedAttr {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "type" in v && "value" in v;
}

function normalizeAttr(v: AttrValue): TypedAttr {
  if (isTypedAttr(v)) return v;
  if (typeof v === "bigint") return { type: "int", value: v };
  if (typeof v === "number") return Number.isInteger(v) ? { type: "int", value: v } : { type: "float", value: v };
  if (typeof v === "string") return { type: "string", value: v };
  if (Array.isArray(v)) {
    const arr = v as readonly unknown[];
    if (arr.length === 0) return { type: "ints", value: [] };
    if (arr.every((x) => typeof x === "string")) return { type: "strings", value: arr as string[] };
    if (arr.every((x) => typeof x === "number")) {
      const nums = arr as number[];
      return nums.every((x) => Number.isInteger(x)) ? { type: "ints", value: nums } : { type: "floats", value: nums };
    }
    if (arr.every(isTensorSpec)) return { type: "tensors", value: arr };
    if (arr.every(isGraphSpec)) return { type: "graphs", value: arr };
    throw new Error("attribute array of mixed kinds");
  }
  if (isTensorSpec(v)) return { type: "tensor", value: v };
  if (isGraphSpec(v)) return { type: "graph", value: v };
  throw new Error("unrecognised attribute value");
}

/** AttributeProto.AttributeType codes. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10 } as const;

function writeAttr(w: ProtoWriter, name: string, value: AttrValue): void {
  const a = normalizeAttr(value);
  w.message(5, (m) => {
    m.string(1, name); // AttributeProto.name
    switch (a.type) {
      case "float":
        m.float(2, a.value);
        break;
      case "int":
        m.varint(3, a.value);
        break;
      case "string":
        if (typeof a.value === "string") m.string(4, a.value);
        else m.bytes(4, a.value);
        break;
      case "tensor":
        m.message(5, (t) => writeTensorFields(t, a.value));
        break;
      case "graph":
        m.message(6, (g) => writeGraphFields(g, a.value));
        break;
      case "floats":
        // onnx.proto (proto2) declares floats/ints without [packed=true]: one field per element.
        for (const f of a.value) m.float(7, f);
        break;
      case "ints":
        for (const i of a.value) m.varint(8, i);
        break;
      case "strings":
        for (const s of a.value) m.string(9, s);
        break;
      case "tensors":
        for (const t of a.value) m.message(10, (x) => writeTensorFields(x, t));
        break;
      case "graphs":
        for (const g of a.value) m.message(11, (x) => writeGraphFields(x, g));
        break;
    }
    m.varint(20, ATTR_TYPE[a.type]); // AttributeProto.type
  });
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  w.message(1, (m) => {
    for (const i of n.inputs) m.string(1, i);
    for (const o of n.outputs) m.string(2, o);
    if (n.name !== undefined) m.string(3, n.name);
    m.string(4, n.opType);
    for (const [k, v] of Object.entries(n.attrs ?? {})) writeAttr(m, k, v);
    if (n.domain !== undefined) m.string(7, n.domain);
  });
}

function writeGraphFields(w: ProtoWriter, g: GraphSpec): void {
  for (const n of g.nodes) writeNode(w, n); // node = 1
  w.string(2, g.name ?? "graph"); // name = 2
  for (const t of g.initializers ?? []) w.message(5, (m) => writeTensorFields(m, t)); // initializer = 5
  for (const v of g.inputs ?? []) writeValueInfo(w, 11, v); // input = 11
  for (const v of g.outputs ?? []) writeValueInfo(w, 12, v); // output = 12
  for (const v of g.valueInfo ?? []) writeValueInfo(w, 13, v); // value_info = 13
}

/** A GraphProto on its own (e.g. to embed by hand with {@link ProtoWriter}). */
export function encodeGraph(g: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  writeGraphFields(w, g);
  return w.finish();
}

/** A ModelProto. Fields in onnx's own order: ir_version, producer, graph, opset_import. */
export function encodeModel(m: ModelSpec): Uint8Array {
  return modelWriter(m).finish();
}

/**
 * The writer of a ModelProto, before its bytes are joined: large tensor payloads (`raw`) stay
 * referenced, so {@link ProtoWriter.writeTo} can stream a model of hundreds of MiB to a file.
 */
export function modelWriter(m: ModelSpec): ProtoWriter {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion); // ir_version = 1
  if (m.producerName !== undefined) w.string(2, m.producerName); // producer_name = 2
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion); // producer_version = 3
  w.message(7, (g) => writeGraphFields(g, m.graph)); // graph = 7
  for (const o of m.opsets) w.message(8, (op) => op.string(1, o.domain).varint(2, o.version)); // opset_import = 8
  return w;
}
