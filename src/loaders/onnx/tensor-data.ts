/**
 * On-demand access to tensor payloads: the loader records where each tensor's bytes are
 * (`TensorConst.data`) and never reads large ones; the CPU kernels and tests read them here.
 * Also decodes ONNX's standalone TensorProto files (`test_data_set_N/input_K.pb`).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { TensorConst } from "../../ir/graph.js";
import { LoadError } from "../load-error.js";
import { type TensorData, decodePayload, elementCount, toNumbers } from "./elements.js";
import { readTensor } from "./onnx-decode.js";
import { BufferSource, WireReader } from "./wire-reader.js";

export type { TensorData } from "./elements.js";
export { toNumbers } from "./elements.js";

function readRange(path: string, offset: number, length: number | null, what: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new LoadError("IO_ERROR", `cannot open ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const size = fstatSync(fd).size;
    const n = length ?? size - offset;
    if (offset < 0 || n < 0 || offset + n > size) {
      throw new LoadError("TRUNCATED", `${what} ${path} has ${size} bytes; the tensor needs bytes ${offset}..${offset + n}`, { byteOffset: offset });
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const k = readSync(fd, out, got, n - got, offset + got);
      if (k === 0) break;
      got += k;
    }
    if (got !== n) throw new LoadError("TRUNCATED", `short read from ${what} ${path}`, { byteOffset: offset + got });
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The path of an external-data file: relative to the model's directory, and not allowed to
 * escape it (an absolute or `..` location in a downloaded model must not read arbitrary files).
 */
export function externalDataPath(modelFile: string, location: string): string {
  const base = dirname(resolve(modelFile));
  const full = resolve(base, location);
  const rel = relative(base, full);
  if (isAbsolute(location) || rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new LoadError("MALFORMED", `external data location '${location}' must be a file inside the model's directory`);
  }
  return full;
}

/** Typed array of the dtype's natural kind built from decoded numbers (for `data.kind == "none"`). */
function fromValues(t: TensorConst, values: readonly number[]): TensorData {
  switch (t.dtype) {
    case "float64":
      return Float64Array.from(values);
    case "int8":
    case "int4":
    case "int2":
      return Int8Array.from(values);
    case "uint8":
    case "bool":
    case "uint4":
    case "uint2":
      return Uint8Array.from(values);
    case "int16":
      return Int16Array.from(values);
    case "uint16":
      return Uint16Array.from(values);
    case "int32":
      return Int32Array.from(values);
    case "uint32":
      return Uint32Array.from(values);
    case "int64":
      return BigInt64Array.from(values, (v) => BigInt(v));
    case "uint64":
      return BigUint64Array.from(values, (v) => BigInt(v));
    default:
      return Float32Array.from(values);
  }
}

/**
 * Read and decode a tensor's elements from where the loader recorded them. `modelFile` is the
 * path of the model file the tensor came from (external data is relative to its directory).
 *
 * Result kinds: float32/complex64 (interleaved) and every small float format (float16,
 * bfloat16, float8*, float4e2m1, float8e8m0, decoded) -> Float32Array; float64/complex128 ->
 * Float64Array; int64 -> BigInt64Array; uint64 -> BigUint64Array; int4/int2 -> Int8Array;
 * uint4/uint2/bool -> Uint8Array; other integers -> the matching typed array; string -> string[].
 */
export function readTensorData(modelFile: string, t: TensorConst): TensorData {
  const count = elementCount(t.dims);
  switch (t.data.kind) {
    case "inline": {
      const bytes = readRange(modelFile, t.data.offset, t.data.length, "model file");
      return decodePayload(bytes, t.data.encoding, t.dtype, count, t.data.offset);
    }
    case "external": {
      const path = externalDataPath(modelFile, t.data.location);
      const bytes = readRange(path, t.data.offset, t.data.length, "external data file");
      return decodePayload(bytes, "raw", t.dtype, count, t.data.offset);
    }
    case "none":
      if (t.values !== undefined) return fromValues(t, t.values);
      if (count === 0) return fromValues(t, []);
      throw new LoadError("MALFORMED", `tensor '${t.name}' has no data in the file`);
  }
}

/** A standalone TensorProto file decoded: the tensor and its elements. */
export interface DecodedTensorFile {
  readonly tensor: TensorConst;
  readonly data: TensorData;
}

/**
 * Decode a standalone TensorProto (the `.pb` files of ONNX's test data). Offsets in
 * `tensor.data` refer to `bytes`. `file` is needed only for external data.
 */
export function decodeTensorFile(bytes: Uint8Array, file?: string): DecodedTensorFile {
  const r = new WireReader(new BufferSource(bytes));
  const tensor = readTensor({ r, file: file ?? "<memory>" }, bytes.length, "tensor");
  const count = elementCount(tensor.dims);
  let data: TensorData;
  if (tensor.data.kind === "inline") {
    data = decodePayload(bytes.subarray(tensor.data.offset, tensor.data.offset + tensor.data.length), tensor.data.encoding, tensor.dtype, count, tensor.data.offset);
  } else if (tensor.data.kind === "external") {
    if (file === undefined) throw new LoadError("BAD_ARGUMENT", `tensor '${tensor.name}' has external data; pass the file path to resolve it`);
    data = readTensorData(file, tensor);
  } else {
    data = tensor.values !== undefined ? fromValues(tensor, tensor.values) : fromValues(tensor, []);
    if (tensor.values === undefined && count !== 0) {
      // Unpacked typed fields on a large tensor: not something onnx writes; decode them anyway.
      throw new LoadError("MALFORMED", `tensor '${tensor.name}' has no packed payload`);
    }
  }
  return { tensor, data };
}

/**
 * Only the header of a standalone TensorProto: name, dtype, dims, payload location, and the
 * values when small. Large payloads are not decoded (for dims-only consumers such as the
 * conformance harness).
 */
export function decodeTensorHeader(bytes: Uint8Array): TensorConst {
  const r = new WireReader(new BufferSource(bytes));
  return readTensor({ r, file: "<memory>" }, bytes.length, "tensor");
}

/** Elements of a decoded tensor as numbers (64-bit integers beyond 2^53 rounded). */
export function tensorNumbers(data: TensorData): number[] {
  return toNumbers(data).values;
}
