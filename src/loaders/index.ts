/**
 * Load any supported model file. The format is detected by peeking at the first bytes, never by
 * the extension alone: ONNX protobuf, Keras JSON / `.keras` zip / `.h5`, TF.js `model.json`.
 */
import type { Model } from "../ir/graph.js";
import { LoadError } from "./load-error.js";

/** Options shared by every loader. */
export interface LoadOptions {
  /** Name to show in errors and locations (defaults to the path). */
  readonly displayName?: string;
}

/** Load a model file from disk. Throws {@link LoadError} for anything that is not a usable model. */
export async function loadModelFile(path: string, options: LoadOptions = {}): Promise<Model> {
  void options;
  throw new LoadError("UNKNOWN_FORMAT", `no loader is registered yet (${path})`);
}
