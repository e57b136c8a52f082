/**
 * The ONNX loader: a `.onnx` file (ModelProto) -> IR `Model`, read with positional reads so that
 * weight payloads stay on disk. Also the cheap format sniffers used by `loadModelFile`.
 */
import { statSync } from "node:fs";
import type { Model, Producer } from "../../ir/graph.js";
import { LoadError } from "../load-error.js";
import { type DecodeContext, emptyGraphParts, finishGraph, readGraphFields } from "./onnx-decode.js";
import { BufferSource, type ByteSource, FileSource, WT_I32, WT_I64, WT_LEN, WT_VARINT, WireReader } from "./wire-reader.js";

/** Oldest IR version read: IR 3 introduced opset_import (onnx 1.0). */
export const MIN_IR_VERSION = 3;
/** Newest IR version known (onnx 1.20+: IR 13 added 2-bit types; 14 is current main). */
export const MAX_IR_VERSION = 14;

/** Options of the ONNX loader. */
export interface OnnxLoadOptions {
  /** Name used in locations and messages (defaults to the path). */
  readonly displayName?: string;
}

/** A loaded model plus how much of the file had to be read. */
export interface OnnxLoadResult {
  readonly model: Model;
  /** Bytes read from disk (structure and small constants; weights are skipped). */
  readonly bytesRead: number;
  readonly fileSize: number;
}

/** Parse a ModelProto from a byte source. */
function decodeModel(src: ByteSource, file: string): Model {
  if (src.size === 0) throw new LoadError("EMPTY_FILE", "the file is empty", { byteOffset: 0 });
  const r = new WireReader(src);
  const ctx: DecodeContext = { r, file };
  const end = src.size;
  let irVersion: number | null = null;
  let producerName = "";
  let producerVersion = "";
  let graphSeen = false;
  const parts = emptyGraphParts();
  const opsets = new Map<string, number>();
  while (r.tag(end, "ModelProto")) {
    const top = r.field;
    switch (top) {
      case 1: {
        // ir_version
        r.expect(WT_VARINT, "ModelProto.ir_version");
        const at = r.tagPos;
        r.varint(end);
        irVersion = r.int64;
        if (irVersion < MIN_IR_VERSION || irVersion > MAX_IR_VERSION) {
          throw new LoadError(
            "UNSUPPORTED_VERSION",
            `ONNX IR version ${irVersion} is not supported (supported: ${MIN_IR_VERSION}..${MAX_IR_VERSION})`,
            { byteOffset: at },
          );
        }
        break;
      }
      case 2:
        r.expect(WT_LEN, "ModelProto.producer_name");
        producerName = r.string(end, "ModelProto.producer_name");
        break;
      case 3:
        r.expect(WT_LEN, "ModelProto.producer_version");
        producerVersion = r.string(end, "ModelProto.producer_version");
        break;
      case 7: {
        // graph; a repeated occurrence merges into the same graph, as protobuf specifies.
        r.expect(WT_LEN, "ModelProto.graph");
        const stop = r.len(end, "ModelProto.graph");
        readGraphFields(ctx, stop, parts);
        r.pos = stop;
        graphSeen = true;
        break;
      }
      case 8: {
        // opset_import: OperatorSetIdProto {domain = 1, version = 2}
        r.expect(WT_LEN, "ModelProto.opset_import");
        const stop = r.len(end, "ModelProto.opset_import");
        let domain = "";
        let version = 0;
        while (r.tag(stop, "OperatorSetIdProto")) {
          const field = r.field;
          if (field === 1) {
            r.expect(WT_LEN, "OperatorSetIdProto.domain");
            domain = r.string(stop, "OperatorSetIdProto.domain");
          } else if (field === 2) {
            r.expect(WT_VARINT, "OperatorSetIdProto.version");
            r.varint(stop);
            version = r.int64;
          } else r.skip(stop, `OperatorSetIdProto field ${r.field}`);
        }
        opsets.set(domain === "ai.onnx" ? "" : domain, version);
        break;
      }
      default:
        // domain (4), model_version (5), doc_string (6), metadata_props (14), training_info (20),
        // functions (25), configuration (26): not needed for shapes.
        r.skip(end, `ModelProto field ${top}`);
    }
  }
  if (irVersion === null) {
    throw new LoadError("MALFORMED", "ModelProto has no ir_version (field 1); this is not an ONNX model", { byteOffset: 0 });
  }
  if (!graphSeen) throw new LoadError("MALFORMED", "ModelProto has no graph (field 7)", { byteOffset: 0 });
  const graph = finishGraph(ctx, parts, { depth: 0, scope: [] });
  const producer: Producer | null = producerName || producerVersion ? { name: producerName, version: producerVersion } : null;
  return { format: "onnx", flavour: "onnx", file, graph, producer, irVersion, opsets };
}

/** Decode an ONNX model held in memory (tests, stdin). Byte offsets are offsets into `bytes`. */
export function decodeOnnxModel(bytes: Uint8Array, file = "<memory>"): Model {
  return decodeModel(new BufferSource(bytes), file);
}

/** Load an ONNX model file, reading only its structure and small constants. */
export function loadOnnxFileWithStats(path: string, options: OnnxLoadOptions = {}): OnnxLoadResult {
  let src: FileSource;
  try {
    if (statSync(path).isDirectory()) throw new LoadError("IO_ERROR", `${path} is a directory, not a model file`);
    src = new FileSource(path);
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError("IO_ERROR", `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const model = decodeModel(src, options.displayName ?? path);
    return { model, bytesRead: src.bytesRead, fileSize: src.size };
  } finally {
    src.close();
  }
}

/** Load an ONNX model file. Throws {@link LoadError}. */
export function loadOnnxFile(path: string, options: OnnxLoadOptions = {}): Model {
  return loadOnnxFileWithStats(path, options).model;
}

// ---------------------------------------------------------------------------------------------
// Sniffing.

/** ModelProto fields and their wire types (onnx.proto, IR 14). */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WT_VARINT], // ir_version
  [2, WT_LEN], // producer_name
  [3, WT_LEN], // producer_version
  [4, WT_LEN], // domain
  [5, WT_VARINT], // model_version
  [6, WT_LEN], // doc_string
  [7, WT_LEN], // graph
  [8, WT_LEN], // opset_import
  [14, WT_LEN], // metadata_props
  [20, WT_LEN], // training_info
  [25, WT_LEN], // functions
  [26, WT_LEN], // configuration
]);

/** TensorProto fields and their wire types (LEN for the packed repeated ones). */
const TENSOR_FIELDS: ReadonlyMap<number, readonly number[]> = new Map([
  [1, [WT_VARINT, WT_LEN]], // dims
  [2, [WT_VARINT]], // data_type
  [3, [WT_LEN]], // segment
  [4, [WT_LEN, WT_I32]], // float_data
  [5, [WT_LEN, WT_VARINT]], // int32_data
  [6, [WT_LEN]], // string_data
  [7, [WT_LEN, WT_VARINT]], // int64_data
  [8, [WT_LEN]], // name
  [9, [WT_LEN]], // raw_data
  [10, [WT_LEN, WT_I64]], // double_data
  [11, [WT_LEN, WT_VARINT]], // uint64_data
  [12, [WT_LEN]], // doc_string
  [13, [WT_LEN]], // external_data
  [14, [WT_VARINT]], // data_location
  [16, [WT_LEN]], // metadata_props
]);

/**
 * Walk the first fields of `peek` against a message's field table. True when at least one field
 * was seen and every field seen (up to `maxFields`) has a known number and wire type, with
 * lengths inside the file. A field whose payload runs past the peek ends the walk.
 */
function walkFields(
  peek: Uint8Array,
  fileSize: number,
  ok: (field: number, wire: number) => boolean,
  maxFields: number,
  onField?: (field: number) => void,
): boolean {
  let p = 0;
  // A varint, or "end" when it runs past the peek, or "bad" when longer than 10 bytes.
  const varint = (): number | "end" | "bad" => {
    let v = 0;
    for (let i = 0; i < 10; i++) {
      const b = peek[p++];
      if (b === undefined) return "end";
      v += (b & 0x7f) * Math.pow(2, 7 * i);
      if ((b & 0x80) === 0) return v;
    }
    return "bad";
  };
  let seen = 0;
  while (seen < maxFields && p < peek.length) {
    const tag = varint();
    if (tag === "bad") return false;
    if (tag === "end") return seen > 0; // an unfinished tag at the end of the peek
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (!ok(field, wire)) return false;
    onField?.(field);
    seen++;
    if (wire === WT_VARINT) {
      const v = varint();
      if (v === "bad") return false;
      if (v === "end") return true; // the value runs past the peek: nothing contradicts
    } else if (wire === WT_LEN) {
      const n = varint();
      if (n === "bad") return false;
      if (n === "end") return true;
      // Past the end of the file: garbage, unless earlier fields already matched (a truncated
      // model, which the decoder then reports as TRUNCATED at this field).
      if (p + n > fileSize) return seen > 1;
      p += n;
    } else if (wire === WT_I32) p += 4;
    else p += 8;
  }
  return seen > 0;
}

/**
 * True when the first bytes read as a ModelProto: the first (up to 3) fields are ModelProto
 * fields with their proper wire types and lengths that fit in the file. Real files start with
 * `08 xx` (ir_version), which a text file, an image or a TensorProto does not.
 */
export function looksLikeOnnx(peek: Uint8Array, fileSize: number): boolean {
  return walkFields(peek, fileSize, (f, w) => MODEL_FIELDS.get(f) === w, 3);
}

/** True when the first bytes read as a standalone TensorProto with a data_type (a `.pb` test file). */
export function looksLikeTensorProto(peek: Uint8Array, fileSize: number): boolean {
  let sawType = false;
  const ok = walkFields(
    peek,
    fileSize,
    (f, w) => TENSOR_FIELDS.get(f)?.includes(w) === true,
    16,
    (f) => {
      if (f === 2) sawType = true;
    },
  );
  return ok && sawType;
}
