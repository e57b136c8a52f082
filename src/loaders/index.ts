/**
 * Load any supported model file. The format is detected by peeking at the first bytes, never by
 * the extension alone: ONNX protobuf, Keras JSON / `.keras` zip / `.h5`, TF.js `model.json`.
 *
 * Detection order: a zip (`PK`), HDF5 (`\x89HDF`) or JSON (`{` / `[` after whitespace) goes to
 * the Keras loader; otherwise bytes that read as a ModelProto go to the ONNX loader; anything
 * else is `UNKNOWN_FORMAT` (with a hint when the bytes are a known non-model format).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Model } from "../ir/graph.js";
import { loadKerasFile } from "./keras/index.js";
import { LoadError } from "./load-error.js";
import { loadOnnxFile, looksLikeOnnx, looksLikeTensorProto } from "./onnx/onnx-loader.js";

/** Options shared by every loader. */
export interface LoadOptions {
  /** Name to show in errors and locations (defaults to the path). */
  readonly displayName?: string;
}

/** Bytes read to detect the format. */
export const PEEK_BYTES = 512;

/** The formats {@link detectFormat} tells apart. */
export type DetectedFormat = "keras-zip" | "keras-h5" | "json" | "onnx" | "onnx-tensor" | "unknown";

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean => sig.every((x, i) => b[at + i] === x);

/** Classify a file by its first bytes (`peek`) and total size. */
export function detectFormat(peek: Uint8Array, fileSize: number): DetectedFormat {
  if (startsWith(peek, [0x50, 0x4b])) return "keras-zip"; // "PK": .keras archive
  if (startsWith(peek, [0x89, 0x48, 0x44, 0x46])) return "keras-h5"; // "\x89HDF": .h5
  let i = 0;
  if (startsWith(peek, [0xef, 0xbb, 0xbf])) i = 3; // UTF-8 BOM
  while (i < peek.length && (peek[i] === 0x20 || peek[i] === 0x09 || peek[i] === 0x0a || peek[i] === 0x0d)) i++;
  if (peek[i] === 0x7b || peek[i] === 0x5b) return "json"; // "{" or "["
  if (looksLikeOnnx(peek, fileSize)) return "onnx";
  if (looksLikeTensorProto(peek, fileSize)) return "onnx-tensor";
  return "unknown";
}

/** A hint naming common non-model formats, for the UNKNOWN_FORMAT message. */
function knownNonModel(peek: Uint8Array): string | null {
  if (startsWith(peek, [0x89, 0x50, 0x4e, 0x47])) return "a PNG image";
  if (startsWith(peek, [0xff, 0xd8, 0xff])) return "a JPEG image";
  if (startsWith(peek, [0x1f, 0x8b])) return "gzip-compressed (decompress it first)";
  if (startsWith(peek, [0x25, 0x50, 0x44, 0x46])) return "a PDF document";
  if (startsWith(peek, [0x54, 0x46, 0x4c, 0x33], 4)) return "a TensorFlow Lite flatbuffer (not supported)";
  if (startsWith(peek, [0x7f, 0x45, 0x4c, 0x46])) return "an ELF executable";
  if (startsWith(peek, [0x80, 0x02]) || startsWith(peek, [0x80, 0x04])) return "a Python pickle (a PyTorch checkpoint? export it to ONNX first)";
  return null;
}

function readPeek(path: string): { peek: Uint8Array; size: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new LoadError("IO_ERROR", `cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new LoadError("IO_ERROR", `${path} is a directory, not a model file`);
    const buf = new Uint8Array(Math.min(PEEK_BYTES, st.size));
    let got = 0;
    while (got < buf.length) {
      const k = readSync(fd, buf, got, buf.length - got, got);
      if (k === 0) break;
      got += k;
    }
    return { peek: buf.subarray(0, got), size: st.size };
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError("IO_ERROR", `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Load a model file from disk. Throws {@link LoadError} for anything that is not a usable model. */
export async function loadModelFile(path: string, options: LoadOptions = {}): Promise<Model> {
  const { peek, size } = readPeek(path);
  const shown = options.displayName ?? path;
  if (size === 0) throw new LoadError("EMPTY_FILE", `${shown} is empty`, { byteOffset: 0 });
  switch (detectFormat(peek, size)) {
    case "keras-zip":
    case "keras-h5":
    case "json":
      // Keras hook: the Keras loader owns every zip / HDF5 / JSON input (Keras 1-3, TF.js).
      return loadKerasFile(path, peek, options);
    case "onnx":
      return loadOnnxFile(path, options.displayName !== undefined ? { displayName: options.displayName } : {});
    case "onnx-tensor":
      throw new LoadError(
        "WRONG_FORMAT",
        `${shown} is a standalone ONNX TensorProto (test data such as input_0.pb), not a model; pass the model.onnx next to it`,
        { byteOffset: 0 },
      );
    case "unknown": {
      const hint = knownNonModel(peek);
      const head = Array.from(peek.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new LoadError(
        "UNKNOWN_FORMAT",
        `${shown} is not a model file shapelint reads (ONNX protobuf, Keras .keras/.h5/JSON, TF.js model.json)${hint ? `: it looks like ${hint}` : ""}; first bytes: ${head}`,
        { byteOffset: 0 },
      );
    }
  }
}
