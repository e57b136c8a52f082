/**
 * ONNX protobuf messages -> graph IR, read field by field at the wire level (field numbers of
 * onnx.proto, IR 3..14). Tensor payloads are recorded as byte ranges and skipped; only tensors
 * with at most SMALL_TENSOR_LIMIT elements have their values decoded (shape constants).
 *
 * Unknown fields are skipped, so files from newer onnx versions (metadata_props, overloads,
 * device configurations) load. Every structural problem is a LoadError with a byte offset.
 */
import { type Dim, sym } from "../../ir/dim.js";
import { type DType, dtypeFromOnnx } from "../../ir/dtype.js";
import {
  type Attr,
  type Graph,
  type Node,
  type Shape,
  type ShapeDim,
  SMALL_TENSOR_LIMIT,
  type SourceLocation,
  type TensorConst,
  type TensorDataLocation,
  type ValueInfo,
} from "../../ir/graph.js";
import { LoadError } from "../load-error.js";
import { type InlineEncoding, decodePayload, elementCount, rawByteLength, rawNumbers, toNumbers } from "./elements.js";
import { WT_I32, WT_LEN, WT_VARINT, type WireReader } from "./wire-reader.js";

/** Dims above this (2^40) or below 0 are rejected as `ABSURD_DIM`. */
export const MAX_DIM = 2 ** 40;

/** Graphs nested deeper than this (If inside Loop inside ...) are rejected: no real model does it. */
export const MAX_GRAPH_DEPTH = 64;

/** What the decoder needs besides the reader. */
export interface DecodeContext {
  readonly r: WireReader;
  /** File name for node locations. */
  readonly file: string;
}

// ---------------------------------------------------------------------------------------------
// TensorProto

/** Raw fields of a TensorProto, before validation. */
interface TensorFields {
  name: string;
  dims: number[];
  dtypeCode: number;
  /** Inline payload: field, range; `multi` when the field appeared more than once (unpacked). */
  inline: { encoding: InlineEncoding; offset: number; length: number; multi: boolean } | null;
  dataLocation: number;
  /** external_data entries; created when the first one is seen. */
  external: Map<string, string> | null;
  /** Offset of the tag of the payload field, for error locations. */
  payloadTag: number;
  /** Offset of the first dim outside [0, 2^40] (-1: none), reported once the name is known. */
  badDimAt: number;
  badDim: number;
}

const TYPED_FIELDS: Readonly<Record<number, InlineEncoding>> = {
  4: "float_data",
  5: "int32_data",
  6: "string_data",
  7: "int64_data",
  9: "raw",
  10: "double_data",
  11: "uint64_data",
};

const FIELD_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(TYPED_FIELDS).map(([f, e]) => [f, `TensorProto.${e === "raw" ? "raw_data" : e}`]),
);

/** Wire type of one unpacked element of each typed field (packed form is WT_LEN). */
const ELEMENT_WIRE: Readonly<Record<number, number>> = { 4: WT_I32, 5: WT_VARINT, 7: WT_VARINT, 10: 1, 11: WT_VARINT };

/** `v` when it is a sane dim, else ABSURD_DIM; `what` names the owner (built only on error). */
function checkDim(v: number, at: number, what: string | (() => string)): number {
  if (v < 0 || v > MAX_DIM) {
    throw new LoadError("ABSURD_DIM", `${typeof what === "string" ? what : what()} has dim ${v}, outside [0, 2^40]`, { byteOffset: at });
  }
  return v;
}

/** Read a TensorProto occupying `[r.pos, end)`. `start` is its first byte (for errors). */
export function readTensor(ctx: DecodeContext, end: number, what: string): TensorConst {
  const r = ctx.r;
  const start = r.pos;
  const f: TensorFields = { name: "", dims: [], dtypeCode: 0, inline: null, dataLocation: 0, external: null, payloadTag: start, badDimAt: -1, badDim: 0 };
  const dim = (v: number, at: number): void => {
    if ((v < 0 || v > MAX_DIM) && f.badDimAt < 0) {
      f.badDimAt = at;
      f.badDim = v;
    }
    f.dims.push(v);
  };
  let stringSpan: { start: number; stop: number; broken: boolean } | null = null;
  while (r.tag(end, "TensorProto")) {
    const field = r.field;
    switch (field) {
      case 1: // dims: int64, unpacked in onnx files; packed accepted
        if (r.wire === WT_LEN) {
          const stop = r.len(end, "TensorProto.dims");
          while (r.pos < stop) {
            const at = r.pos;
            r.varint(stop);
            dim(r.int64, at);
          }
        } else {
          r.expect(WT_VARINT, "TensorProto.dims");
          const at = r.tagPos;
          r.varint(end);
          dim(r.int64, at);
        }
        break;
      case 2: // data_type
        r.expect(WT_VARINT, "TensorProto.data_type");
        r.varint(end);
        f.dtypeCode = r.int32;
        break;
      case 8: // name
        r.expect(WT_LEN, "TensorProto.name");
        f.name = r.string(end, "TensorProto.name");
        break;
      case 13: {
        // external_data: StringStringEntryProto {key = 1, value = 2}
        r.expect(WT_LEN, "TensorProto.external_data");
        const stop = r.len(end, "TensorProto.external_data");
        let key = "";
        let value = "";
        while (r.tag(stop, "StringStringEntryProto")) {
          if (r.field === 1 && r.wire === WT_LEN) key = r.string(stop, "StringStringEntryProto.key");
          else if (r.field === 2 && r.wire === WT_LEN) value = r.string(stop, "StringStringEntryProto.value");
          else r.skip(stop, "StringStringEntryProto field");
        }
        (f.external ??= new Map()).set(key, value);
        break;
      }
      case 14: // data_location: DEFAULT = 0, EXTERNAL = 1
        r.expect(WT_VARINT, "TensorProto.data_location");
        r.varint(end);
        f.dataLocation = r.int32;
        break;
      case 6: {
        // string_data: repeated bytes, one record per element; keep the span of the records.
        r.expect(WT_LEN, "TensorProto.string_data");
        const tagAt = r.tagPos;
        r.pos = r.len(end, "TensorProto.string_data");
        if (stringSpan === null) stringSpan = { start: tagAt, stop: r.pos, broken: false };
        else if (stringSpan.stop === tagAt) stringSpan.stop = r.pos;
        else stringSpan.broken = true;
        break;
      }
      case 4:
      case 5:
      case 7:
      case 9:
      case 10:
      case 11: {
        const encoding = TYPED_FIELDS[field]!;
        const fieldName = FIELD_NAMES[field]!;
        const tagAt = r.tagPos;
        let offset: number;
        let length: number;
        if (r.wire === WT_LEN) {
          const stop = r.len(end, fieldName);
          offset = r.pos;
          length = stop - r.pos;
          r.pos = stop; // the payload itself is never read here
        } else {
          // One unpacked element of a typed repeated field.
          if (field === 9 || r.wire !== ELEMENT_WIRE[field]) r.expect(field === 9 ? WT_LEN : ELEMENT_WIRE[field]!, fieldName);
          offset = r.pos;
          r.skip(end, fieldName);
          length = r.pos - offset;
        }
        if (f.inline === null) {
          f.inline = { encoding, offset, length, multi: r.wire !== WT_LEN };
          f.payloadTag = tagAt;
        } else if (f.inline.encoding === encoding) {
          f.inline.multi = true;
        } else {
          throw new LoadError("MALFORMED", `${what} has both ${f.inline.encoding} and ${encoding} payloads`, { byteOffset: tagAt });
        }
        break;
      }
      default:
        // segment (3), doc_string (12), metadata_props (16), future fields
        r.skip(end, "TensorProto field");
    }
  }
  if (stringSpan !== null && f.inline === null) {
    f.inline = { encoding: "string_data", offset: stringSpan.start, length: stringSpan.stop - stringSpan.start, multi: stringSpan.broken };
    f.payloadTag = stringSpan.start;
  }
  return finishTensor(ctx, f, start, what);
}

function finishTensor(ctx: DecodeContext, f: TensorFields, start: number, what: string): TensorConst {
  // Built only for messages: this runs once per tensor.
  const label = (): string => (f.name ? `${what} '${f.name}'` : what);
  const dtype = dtypeFromOnnx(f.dtypeCode);
  if (dtype === null) {
    throw new LoadError("MALFORMED", `${label()} has unknown data_type ${f.dtypeCode} (known: 0..26)`, { byteOffset: start });
  }
  if (f.badDimAt >= 0) checkDim(f.badDim, f.badDimAt, label);
  const count = elementCount(f.dims);
  if (!Number.isSafeInteger(count)) {
    throw new LoadError("ABSURD_DIM", `${label()} has ${f.dims.join("x")} elements, more than 2^53`, { byteOffset: start });
  }
  let data: TensorDataLocation;
  if (f.dataLocation === 1) {
    data = externalLocation(f, label(), start);
  } else if (f.dataLocation !== 0) {
    throw new LoadError("MALFORMED", `${label()} has data_location ${f.dataLocation} (0 = inline, 1 = external)`, { byteOffset: start });
  } else if (f.inline === null || f.inline.multi) {
    data = { kind: "none" };
  } else {
    data = { kind: "inline", encoding: f.inline.encoding, offset: f.inline.offset, length: f.inline.length };
    if (f.inline.encoding === "raw") {
      const need = rawByteLength(dtype, count);
      if (need !== null && need !== f.inline.length) {
        throw new LoadError("MALFORMED", `${label()}: raw_data holds ${f.inline.length} bytes but ${f.dims.join("x") || "scalar"} ${dtype} needs ${need}`, {
          byteOffset: f.payloadTag,
        });
      }
    }
  }
  const t: { -readonly [K in keyof TensorConst]: TensorConst[K] } = { name: f.name, dtype, dims: f.dims, data };
  if (f.inline !== null && f.dataLocation === 0 && count <= SMALL_TENSOR_LIMIT && hasNumericValues(dtype)) {
    const inline = f.inline;
    // Fast path: raw fixed-width elements read in place (the length was checked above).
    let num: ReturnType<typeof rawNumbers> = null;
    if (inline.encoding === "raw" && !inline.multi) {
      const { buf, at } = ctx.r.region(inline.offset, inline.length);
      num = rawNumbers(buf, at, dtype, count);
    }
    if (num === null) {
      const decoded = inline.multi
        ? decodeUnpacked(ctx, f, dtype, count, start)
        : decodePayload(ctx.r.bytes(inline.offset, inline.offset + inline.length), inline.encoding, dtype, count, inline.offset);
      num = toNumbers(decoded);
    }
    t.values = num.values;
    if (num.inexact) t.inexact = true;
  }
  return t;
}

function hasNumericValues(dtype: DType): boolean {
  return dtype !== "string" && dtype !== "undefined" && dtype !== "complex64" && dtype !== "complex128";
}

/**
 * Values of a typed field written unpacked (one record per element, legal protobuf that onnx
 * itself does not write): re-read the records of the small tensor.
 */
function decodeUnpacked(ctx: DecodeContext, f: TensorFields, dtype: DType, count: number, start: number): ReturnType<typeof decodePayload> {
  const inline = f.inline!;
  // Re-assemble a packed payload from every record of the field, then decode as usual.
  const r = ctx.r;
  const saved = r.pos;
  const field = Object.entries(TYPED_FIELDS).find(([, e]) => e === inline.encoding)![0];
  const parts: Uint8Array[] = [];
  r.pos = start;
  // The tensor message ends where the reader was left.
  while (r.tag(saved, "TensorProto")) {
    if (r.field === Number(field)) {
      if (r.wire === WT_LEN) {
        const stop = r.len(saved, "payload");
        parts.push(r.bytes(r.pos, stop));
        r.pos = stop;
      } else {
        const at = r.pos;
        r.skip(saved, "payload");
        parts.push(r.bytes(at, r.pos));
      }
    } else r.skip(saved, "field");
  }
  r.pos = saved;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const joined = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.length;
  }
  return decodePayload(joined, inline.encoding, dtype, count, inline.offset);
}

function externalLocation(f: TensorFields, label: string, start: number): TensorDataLocation {
  const location = f.external?.get("location");
  if (!location) throw new LoadError("MALFORMED", `${label} has data_location EXTERNAL but no 'location' entry in external_data`, { byteOffset: start });
  const num = (key: string): number | null => {
    const s = f.external?.get(key);
    if (s === undefined) return null;
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      throw new LoadError("MALFORMED", `${label} has external_data ${key}='${s}', not a non-negative integer`, { byteOffset: start });
    }
    return Number(s);
  };
  return { kind: "external", location, offset: num("offset") ?? 0, length: num("length") };
}

// ---------------------------------------------------------------------------------------------
// ValueInfoProto / TypeProto

/** Read a ValueInfoProto occupying `[r.pos, end)`. */
function readValueInfo(ctx: DecodeContext, end: number): ValueInfo {
  const r = ctx.r;
  let name = "";
  let dtype: DType | null = null;
  let shape: Shape | null = null;
  while (r.tag(end, "ValueInfoProto")) {
    if (r.field === 1) {
      r.expect(WT_LEN, "ValueInfoProto.name");
      name = r.string(end, "ValueInfoProto.name");
    } else if (r.field === 2) {
      r.expect(WT_LEN, "ValueInfoProto.type");
      const stop = r.len(end, "ValueInfoProto.type");
      const t = readType(ctx, stop, name);
      dtype = t.dtype;
      shape = t.shape;
    } else r.skip(end, "ValueInfoProto field");
  }
  return { name, dtype, shape };
}

/** TypeProto: tensor_type (1) and sparse_tensor_type (8) carry elem_type/shape; others are opaque here. */
function readType(ctx: DecodeContext, end: number, valueName: string): { dtype: DType | null; shape: Shape | null } {
  const r = ctx.r;
  let dtype: DType | null = null;
  let shape: Shape | null = null;
  while (r.tag(end, "TypeProto")) {
    const outer = r.field;
    if ((outer === 1 || outer === 8) && r.wire === WT_LEN) {
      const stop = r.len(end, "TypeProto.tensor_type");
      while (r.tag(stop, "TypeProto.Tensor")) {
        const field = r.field;
        if (field === 1) {
          r.expect(WT_VARINT, "TypeProto.Tensor.elem_type");
          r.varint(stop);
          dtype = dtypeFromOnnx(r.int32);
        } else if (field === 2) {
          r.expect(WT_LEN, "TypeProto.Tensor.shape");
          const shapeEnd = r.len(stop, "TensorShapeProto");
          shape = readShape(ctx, shapeEnd, valueName);
        } else r.skip(stop, "TypeProto.Tensor field");
      }
    } else r.skip(end, "TypeProto field");
  }
  return { dtype, shape };
}

function readShape(ctx: DecodeContext, end: number, valueName: string): Shape {
  const r = ctx.r;
  const dims: ShapeDim[] = [];
  while (r.tag(end, "TensorShapeProto")) {
    if (r.field !== 1) {
      r.skip(end, "TensorShapeProto field");
      continue;
    }
    r.expect(WT_LEN, "TensorShapeProto.dim");
    const dimAt = r.tagPos;
    const stop = r.len(end, "TensorShapeProto.Dimension");
    let d: ShapeDim = null;
    while (r.tag(stop, "TensorShapeProto.Dimension")) {
      if (r.field === 1) {
        r.expect(WT_VARINT, "Dimension.dim_value");
        r.varint(stop);
        const v = r.int64;
        if (v < 0 || v > MAX_DIM) checkDim(v, dimAt, `value '${valueName}' axis ${dims.length}`);
        d = v;
      } else if (r.field === 2) {
        r.expect(WT_LEN, "Dimension.dim_param");
        const p = r.string(stop, "Dimension.dim_param");
        d = p === "" ? null : (sym(p) as Dim);
      } else r.skip(stop, "Dimension field"); // denotation (3)
    }
    dims.push(d);
  }
  return dims;
}

// ---------------------------------------------------------------------------------------------
// AttributeProto

/** AttributeProto.AttributeType values (onnx.proto) -> IR attribute kinds. */
type AttrKind = Exclude<Attr["type"], "json"> | "unsupported";

const ATTR_KIND: Readonly<Record<number, AttrKind>> = {
  1: "float",
  2: "int",
  3: "string",
  4: "tensor",
  5: "graph",
  6: "floats",
  7: "ints",
  8: "strings",
  9: "tensors",
  10: "graphs",
  11: "unsupported", // SPARSE_TENSOR
  12: "unsupported", // SPARSE_TENSORS
  13: "unsupported", // TYPE_PROTO
  14: "unsupported", // TYPE_PROTOS
};

/** The attribute kind a value field implies, for files that omit `type` (20). */
const FIELD_KIND: Readonly<Record<number, AttrKind>> = {
  2: "float",
  3: "int",
  4: "string",
  5: "tensor",
  6: "graph",
  7: "floats",
  8: "ints",
  9: "strings",
  10: "tensors",
  11: "graphs",
  14: "unsupported",
  15: "unsupported",
  22: "unsupported",
  23: "unsupported",
};

/** Nesting depth and the enclosing `<node>/<attribute>` path of a graph. */
export interface GraphScope {
  depth: number;
  scope: readonly string[];
}

function readAttribute(ctx: DecodeContext, end: number, nodeName: string, gs: GraphScope): [string, Attr] {
  const r = ctx.r;
  const start = r.pos;
  let name = "";
  let typeCode = 0;
  let firstKind: AttrKind | null = null;
  let f = 0;
  let i = 0;
  let s = "";
  // Lists are created on first use: most attributes have one kind of value.
  let floats: number[] | null = null;
  let ints: number[] | null = null;
  let strings: string[] | null = null;
  let tensors: TensorConst[] | null = null;
  let graphs: Graph[] | null = null;
  let t: TensorConst | null = null;
  let g: Graph | null = null;
  let pending: { field: number; pos: number; stop: number }[] | null = null;
  while (r.tag(end, "AttributeProto")) {
    const field = r.field;
    if (firstKind === null && FIELD_KIND[field] !== undefined) firstKind = FIELD_KIND[field]!;
    switch (field) {
      case 1:
        r.expect(WT_LEN, "AttributeProto.name");
        name = r.string(end, "AttributeProto.name");
        break;
      case 20:
        r.expect(WT_VARINT, "AttributeProto.type");
        r.varint(end);
        typeCode = r.int32;
        break;
      case 2:
        r.expect(WT_I32, "AttributeProto.f");
        f = r.float32(end, "AttributeProto.f");
        break;
      case 3:
        r.expect(WT_VARINT, "AttributeProto.i");
        r.varint(end);
        i = r.int64;
        break;
      case 4:
        r.expect(WT_LEN, "AttributeProto.s");
        s = r.string(end, "AttributeProto.s");
        break;
      case 7: // floats: unpacked in onnx files (proto2), packed accepted
        if (r.wire === WT_LEN) {
          const stop = r.len(end, "AttributeProto.floats");
          floats ??= [];
          while (r.pos < stop) floats.push(r.float32(stop, "AttributeProto.floats"));
        } else {
          r.expect(WT_I32, "AttributeProto.floats");
          (floats ??= []).push(r.float32(end, "AttributeProto.floats"));
        }
        break;
      case 8: // ints
        if (r.wire === WT_LEN) {
          const stop = r.len(end, "AttributeProto.ints");
          ints ??= [];
          while (r.pos < stop) {
            r.varint(stop);
            ints.push(r.int64);
          }
        } else {
          r.expect(WT_VARINT, "AttributeProto.ints");
          r.varint(end);
          (ints ??= []).push(r.int64);
        }
        break;
      case 9:
        r.expect(WT_LEN, "AttributeProto.strings");
        (strings ??= []).push(r.string(end, "AttributeProto.strings"));
        break;
      case 5:
      case 6:
      case 10:
      case 11: {
        // Tensors and graphs are read after the name is known, for better messages.
        r.expect(WT_LEN, "AttributeProto tensor/graph field");
        const stop = r.len(end, "AttributeProto tensor/graph field");
        (pending ??= []).push({ field, pos: r.pos, stop });
        r.pos = stop;
        break;
      }
      default:
        r.skip(end, "AttributeProto field");
    }
  }
  const label = `attribute '${name}' of node '${nodeName}'`;
  for (const p of pending ?? []) {
    r.pos = p.pos;
    if (p.field === 5 || p.field === 10) {
      const tensor = readTensor(ctx, p.stop, `tensor of ${label}`);
      if (p.field === 5) t = tensor;
      else (tensors ??= []).push(tensor);
    } else {
      if (gs.depth + 1 > MAX_GRAPH_DEPTH) {
        throw new LoadError("MALFORMED", `graphs nested deeper than ${MAX_GRAPH_DEPTH} levels`, { byteOffset: p.pos });
      }
      const graph = readGraph(ctx, p.stop, { depth: gs.depth + 1, scope: [...gs.scope, `${nodeName}/${name}`] });
      if (p.field === 6) g = graph;
      else (graphs ??= []).push(graph);
    }
    r.pos = p.stop;
  }
  r.pos = end;
  const kind = typeCode !== 0 ? ATTR_KIND[typeCode] : firstKind;
  if (kind === undefined) throw new LoadError("MALFORMED", `${label} has unknown type ${typeCode}`, { byteOffset: start });
  switch (kind) {
    case null:
      // No type and no value: an empty list is the only reading that loses nothing.
      return [name, { type: "ints", value: [] }];
    case "float":
      return [name, { type: "float", value: f }];
    case "int":
      return [name, { type: "int", value: i }];
    case "string":
      return [name, { type: "string", value: s }];
    case "floats":
      return [name, { type: "floats", value: floats ?? [] }];
    case "ints":
      return [name, { type: "ints", value: ints ?? [] }];
    case "strings":
      return [name, { type: "strings", value: strings ?? [] }];
    case "tensor":
      if (t === null) throw new LoadError("MALFORMED", `${label} has type TENSOR but no tensor (field 5)`, { byteOffset: start });
      return [name, { type: "tensor", value: t }];
    case "tensors":
      return [name, { type: "tensors", value: tensors ?? [] }];
    case "graph":
      if (g === null) throw new LoadError("MALFORMED", `${label} has type GRAPH but no graph (field 6)`, { byteOffset: start });
      return [name, { type: "graph", value: g }];
    case "graphs":
      return [name, { type: "graphs", value: graphs ?? [] }];
    case "unsupported":
      // Sparse tensors and type protos are kept visible (never dropped silently) but not decoded.
      return [name, { type: "json", value: { unsupportedOnnxAttributeType: typeCode || null } }];
  }
}

// ---------------------------------------------------------------------------------------------
// NodeProto

interface RawNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, Attr>;
  /** `[start, stop)` payload ranges of the attribute fields, read once the name is final. */
  attrRanges: number[];
  offset: number;
}

function readNodeHeader(ctx: DecodeContext, end: number): RawNode {
  const r = ctx.r;
  const n: RawNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attrs: new Map(), attrRanges: [], offset: r.pos };
  while (r.tag(end, "NodeProto")) {
    switch (r.field) {
      case 1:
        r.expect(WT_LEN, "NodeProto.input");
        n.inputs.push(r.string(end, "NodeProto.input"));
        break;
      case 2:
        r.expect(WT_LEN, "NodeProto.output");
        n.outputs.push(r.string(end, "NodeProto.output"));
        break;
      case 3:
        r.expect(WT_LEN, "NodeProto.name");
        n.name = r.string(end, "NodeProto.name");
        break;
      case 4:
        r.expect(WT_LEN, "NodeProto.op_type");
        n.opType = r.string(end, "NodeProto.op_type");
        break;
      case 7:
        r.expect(WT_LEN, "NodeProto.domain");
        n.domain = r.string(end, "NodeProto.domain");
        break;
      case 5: {
        // attribute: read once the node's name is final (it labels errors and nested scopes).
        r.expect(WT_LEN, "NodeProto.attribute");
        const stop = r.len(end, "NodeProto.attribute");
        n.attrRanges.push(r.pos, stop);
        r.pos = stop;
        break;
      }
      default:
        // doc_string (6), overload (8), metadata_props (9), device_configurations (10)
        r.skip(end, "NodeProto field");
    }
  }
  return n;
}

function readNodeAttributes(ctx: DecodeContext, n: RawNode, nodeName: string, gs: GraphScope): void {
  const r = ctx.r;
  for (let k = 0; k < n.attrRanges.length; k += 2) {
    r.pos = n.attrRanges[k]!;
    const [name, attr] = readAttribute(ctx, n.attrRanges[k + 1]!, nodeName, gs);
    n.attrs.set(name, attr);
  }
}

// ---------------------------------------------------------------------------------------------
// GraphProto

/** Accumulates the fields of a GraphProto (a message may in principle arrive in pieces). */
export interface GraphParts {
  name: string;
  nodes: RawNode[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  initializers: TensorConst[];
}

/** A fresh accumulator. */
export function emptyGraphParts(): GraphParts {
  return { name: "", nodes: [], inputs: [], outputs: [], valueInfo: [], initializers: [] };
}

/** Read the fields of a GraphProto in `[r.pos, end)` into `parts` (nodes are finished later). */
export function readGraphFields(ctx: DecodeContext, end: number, parts: GraphParts): void {
  const r = ctx.r;
  while (r.tag(end, "GraphProto")) {
    switch (r.field) {
      case 1: {
        r.expect(WT_LEN, "GraphProto.node");
        const stop = r.len(end, "GraphProto.node");
        parts.nodes.push(readNodeHeader(ctx, stop));
        r.pos = stop;
        break;
      }
      case 2:
        r.expect(WT_LEN, "GraphProto.name");
        parts.name = r.string(end, "GraphProto.name");
        break;
      case 5: {
        r.expect(WT_LEN, "GraphProto.initializer");
        const stop = r.len(end, "GraphProto.initializer");
        parts.initializers.push(readTensor(ctx, stop, "initializer"));
        r.pos = stop;
        break;
      }
      case 11:
      case 12:
      case 13: {
        const field = r.field;
        const what = field === 11 ? "GraphProto.input" : field === 12 ? "GraphProto.output" : "GraphProto.value_info";
        r.expect(WT_LEN, what);
        const stop = r.len(end, what);
        const vi = readValueInfo(ctx, stop);
        (field === 11 ? parts.inputs : field === 12 ? parts.outputs : parts.valueInfo).push(vi);
        r.pos = stop;
        break;
      }
      case 15: {
        // sparse_initializer: SparseTensorProto {values = 1 (TensorProto), indices = 2, dims = 3}
        r.expect(WT_LEN, "GraphProto.sparse_initializer");
        const stop = r.len(end, "GraphProto.sparse_initializer");
        parts.initializers.push(readSparse(ctx, stop));
        r.pos = stop;
        break;
      }
      default:
        // doc_string (10), quantization_annotation (14), metadata_props (16)
        r.skip(end, "GraphProto field");
    }
  }
}

/** A sparse initializer: its dense dims and dtype matter for shapes; its data is not located. */
function readSparse(ctx: DecodeContext, end: number): TensorConst {
  const r = ctx.r;
  const start = r.pos;
  let values: TensorConst | null = null;
  const dims: number[] = [];
  while (r.tag(end, "SparseTensorProto")) {
    if (r.field === 1 && r.wire === WT_LEN) {
      const stop = r.len(end, "SparseTensorProto.values");
      values = readTensor(ctx, stop, "sparse initializer values");
      r.pos = stop;
    } else if (r.field === 3 && r.wire === WT_VARINT) {
      const at = r.tagPos;
      r.varint(end);
      dims.push(checkDim(r.int64, at, "sparse initializer"));
    } else r.skip(end, "SparseTensorProto field");
  }
  if (values === null) throw new LoadError("MALFORMED", "sparse initializer without values", { byteOffset: start });
  return { name: values.name, dtype: values.dtype, dims, data: { kind: "none" } };
}

/** Turn accumulated graph fields into an IR graph, naming unnamed nodes and reading attributes. */
export function finishGraph(ctx: DecodeContext, parts: GraphParts, gs: GraphScope): Graph {
  const initializers = new Map<string, TensorConst>();
  for (const t of parts.initializers) initializers.set(t.name, t);
  const taken = new Set(parts.nodes.map((n) => n.name).filter((n) => n !== ""));
  const nodes: Node[] = parts.nodes.map((raw, index) => {
    let name = raw.name;
    if (name === "") {
      // Deterministic: <opType>_<index in this graph>, suffixed if a real node already has it.
      const base = `${raw.opType || "node"}_${index}`;
      name = base;
      for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
      taken.add(name);
    }
    readNodeAttributes(ctx, raw, name, gs);
    const loc: { -readonly [K in keyof SourceLocation]: SourceLocation[K] } = { file: ctx.file, nodeIndex: index, nodeName: name, byteOffset: raw.offset };
    if (gs.scope.length > 0) loc.scope = gs.scope;
    return {
      name,
      opType: raw.opType,
      domain: raw.domain === "ai.onnx" ? "" : raw.domain,
      inputs: raw.inputs,
      outputs: raw.outputs,
      attrs: raw.attrs,
      loc,
    };
  });
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of parts.valueInfo) valueInfo.set(v.name, v);
  return {
    name: parts.name,
    // Inputs that are initializers are constants with defaults, not model inputs (IR >= 4).
    inputs: parts.inputs.filter((i) => !initializers.has(i.name)),
    outputs: parts.outputs,
    valueInfo,
    initializers,
    nodes,
  };
}

/** Read a whole GraphProto in `[r.pos, end)`. */
export function readGraph(ctx: DecodeContext, end: number, gs: GraphScope): Graph {
  const parts = emptyGraphParts();
  readGraphFields(ctx, end, parts);
  const g = finishGraph(ctx, parts, gs);
  ctx.r.pos = end;
  return g;
}
