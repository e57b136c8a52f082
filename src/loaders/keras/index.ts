/**
 * Keras loader entry point. STUB written by the ONNX-loader engineer so that `loadModelFile`
 * compiles; the Keras engineer replaces this file with the real loader (same signature).
 */
import type { Model } from "../../ir/graph.js";
import type { LoadOptions } from "../index.js";
import { LoadError } from "../load-error.js";

/**
 * Load a Keras model (`.keras` zip, `.h5`, Keras/TF.js JSON). `bytesPeek` holds the first bytes
 * of the file, already read for format detection.
 */
export async function loadKerasFile(path: string, bytesPeek: Uint8Array, options: LoadOptions): Promise<Model> {
  void bytesPeek;
  throw new LoadError("UNKNOWN_FORMAT", `${options.displayName ?? path}: the Keras loader is not available yet`, { byteOffset: 0 });
}
