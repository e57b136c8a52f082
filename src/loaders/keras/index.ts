/**
 * The Keras loader: Keras 1/2 `to_json()`, Keras 3 configs, `.keras` archives, HDF5 model files
 * and TF.js `model.json`, detected by peeking (KERAS_JSON.md section 1), all turned into the
 * same flat graph IR with `domain: "keras"` nodes (see `graph-builder.ts` for the naming scheme).
 *
 * Flavours (`Model.flavour`): `keras1-json`, `keras2-json`, `keras3-json` (any config with the
 * Keras 3 `module`/`registered_name` envelope, including tf.keras 2.12-2.15 ones), `keras-zip`,
 * `h5`, `tfjs`. `Model.opsets.get("keras")` is the Keras major version whose semantics and
 * serialization conventions the file follows: 1, 2 (Keras 2, tf.keras, TF.js) or 3.
 */
import { open as openFile, readFile, stat } from "node:fs/promises";
import type { Model, Producer } from "../../ir/graph.js";
import { LoadError } from "../load-error.js";
import { buildKerasGraph } from "./graph-builder.js";
import { readKerasH5 } from "./h5.js";
import { type JsonSource, parseJsonSource } from "./json-source.js";
import { readKerasArchive } from "./zip.js";

/** Options of {@link loadKerasFile}. */
export interface KerasLoadOptions {
  /** Name to show in errors and locations (defaults to the path). */
  readonly displayName?: string;
}

/** The Keras flavours this loader reports. */
export type KerasFlavour = "keras1-json" | "keras2-json" | "keras3-json" | "keras-zip" | "h5" | "tfjs";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Where the JSON text came from, and the version hints the container gives. */
interface Container {
  readonly kind: "json" | "zip" | "h5";
  /** `metadata.json` `keras_version` (`.keras`) or the root attribute `keras_version` (H5). */
  readonly kerasVersion: string | null;
  /** How to name the JSON text in messages. */
  readonly what: string;
}

/**
 * Load a Keras or TF.js model file: `.json` (Keras 1/2/3, TF.js `model.json`), `.keras` zip or
 * `.h5`, detected from the first bytes. Throws {@link LoadError} with a code and a location.
 */
export async function loadKerasFile(path: string, options?: KerasLoadOptions): Promise<Model>;
/** Same, with the first bytes already read by the caller's format detection (`loadModelFile`). */
export async function loadKerasFile(path: string, peek: Uint8Array, options?: KerasLoadOptions): Promise<Model>;
export async function loadKerasFile(path: string, peekOrOptions?: Uint8Array | KerasLoadOptions, maybeOptions?: KerasLoadOptions): Promise<Model> {
  const given = peekOrOptions instanceof Uint8Array ? peekOrOptions : null;
  const options: KerasLoadOptions = (peekOrOptions instanceof Uint8Array ? maybeOptions : peekOrOptions) ?? {};
  const file = options.displayName ?? path;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new LoadError("IO_ERROR", `${file} is a directory, not a model file`);
    size = st.size;
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError("IO_ERROR", `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (size === 0) throw new LoadError("EMPTY_FILE", `${file} is empty`, { byteOffset: 0 });
  const head = given !== null && given.length >= 8 ? given : await peek(path, 8);
  if (head[0] === 0x50 && head[1] === 0x4b) {
    const archive = await readKerasArchive(path, size);
    const version = archive.metadata !== null ? versionFromMetadata(archive.metadata) : null;
    return fromText(archive.config, file, { kind: "zip", kerasVersion: version, what: `config.json in ${file}` });
  }
  if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) {
    const h5 = await readKerasH5(path, size);
    if (h5.config === null) {
      throw new LoadError(
        "NO_MODEL_CONFIG",
        `${file} is an HDF5 file without a 'model_config' attribute: it holds weights only (saved with save_weights()); lint the model's JSON architecture or a file saved with model.save() (root attributes: ${h5.attributes.join(", ") || "none"})`,
        { byteOffset: 0 },
      );
    }
    return fromText(h5.config, file, { kind: "h5", kerasVersion: h5.kerasVersion, what: `the 'model_config' attribute of ${file}` });
  }
  const text = await readFile(path, "utf8");
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  if (first !== "{" && first !== "[") {
    throw new LoadError("WRONG_FORMAT", `${file} is not a Keras file: expected JSON, a .keras zip or an HDF5 file`, { byteOffset: 0 });
  }
  return fromText(text, file, { kind: "json", kerasVersion: null, what: file });
}

/** Load Keras or TF.js JSON text (a `.json` file or an editor buffer). */
export function loadKerasText(text: string, name: string): Model {
  return fromText(text, name, { kind: "json", kerasVersion: null, what: name });
}

async function peek(path: string, n: number): Promise<Buffer> {
  const fh = await openFile(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function versionFromMetadata(text: string): string | null {
  try {
    const m: unknown = JSON.parse(text);
    return isObj(m) && typeof m["keras_version"] === "string" ? m["keras_version"] : null;
  } catch {
    return null;
  }
}

function fromText(text: string, file: string, container: Container): Model {
  const source = parseJsonSource(text, container.what);
  const a = analyse(source, container);
  const graph = buildKerasGraph({ source, root: a.root, rootPath: a.rootPath, file, major: a.major });
  return {
    format: "keras",
    flavour: a.flavour,
    file,
    graph,
    producer: a.producer,
    irVersion: 0,
    opsets: new Map([["keras", a.major]]),
  };
}

interface Analysis {
  readonly root: unknown;
  readonly rootPath: readonly (string | number)[];
  readonly flavour: KerasFlavour;
  readonly major: 1 | 2 | 3;
  readonly producer: Producer | null;
}

/** Identify the flavour (KERAS_JSON.md section 1) and find the model config. */
function analyse(source: JsonSource, container: Container): Analysis {
  const doc = source.value;
  const containerFlavour: KerasFlavour | null = container.kind === "zip" ? "keras-zip" : container.kind === "h5" ? "h5" : null;
  if (isObj(doc) && (Object.hasOwn(doc, "modelTopology") || Object.hasOwn(doc, "weightsManifest"))) {
    return analyseTfjs(doc, container);
  }
  let root: unknown;
  if (Array.isArray(doc)) root = doc;
  else if (isObj(doc) && typeof doc["class_name"] === "string" && Object.hasOwn(doc, "config")) root = doc;
  else {
    const keys = isObj(doc) ? Object.keys(doc).slice(0, 6).join(", ") : Array.isArray(doc) ? "a list" : typeof doc;
    throw new LoadError(
      "UNKNOWN_FORMAT",
      `${container.what} is JSON but not a Keras model: expected {class_name, config} (Keras to_json / config.json) or a TF.js model.json with modelTopology; found ${isObj(doc) ? `keys ${keys}` : keys}`,
      { pointer: "" },
    );
  }
  const m = scanMarkers(root);
  const envelope3 = isObj(root) && (Object.hasOwn(root, "module") || Object.hasOwn(root, "registered_name"));
  const version = container.kerasVersion ?? (isObj(root) && typeof root["keras_version"] === "string" ? root["keras_version"] : null);
  const major = majorOf(version, m, isObj(root) && typeof root["module"] === "string" ? root["module"] : null);
  const flavour: KerasFlavour = containerFlavour ?? (envelope3 ? "keras3-json" : major === 1 ? "keras1-json" : major === 3 ? "keras3-json" : "keras2-json");
  return { root, rootPath: [], flavour, major, producer: kerasProducer(version, major) };
}

function analyseTfjs(doc: Obj, container: Container): Analysis {
  const mt = doc["modelTopology"];
  if (doc["format"] === "graph-model" || (isObj(mt) && (Object.hasOwn(mt, "node") || Object.hasOwn(mt, "library") || Object.hasOwn(mt, "versions")))) {
    throw new LoadError("GRAPH_MODEL", `${container.what} is a TF.js graph model (a TensorFlow GraphDef), which has no Keras layers to lint; convert the Keras model with --output_format=tfjs_layers_model`, {
      pointer: doc["format"] === "graph-model" ? "/format" : "/modelTopology",
    });
  }
  if (!isObj(mt)) {
    throw new LoadError("NO_MODEL_CONFIG", `${container.what} is a TF.js model.json without a 'modelTopology' object (weights manifest only)`, { pointer: "/modelTopology" });
  }
  const hasModelConfig = isObj(mt["model_config"]);
  const root = hasModelConfig ? mt["model_config"] : mt;
  const rootPath = hasModelConfig ? ["modelTopology", "model_config"] : ["modelTopology"];
  if (!isObj(root) || typeof root["class_name"] !== "string") {
    throw new LoadError("MALFORMED", `${container.what}: modelTopology holds no Keras model config {class_name, config}`, { pointer: "/" + rootPath.join("/") });
  }
  const kv = typeof mt["keras_version"] === "string" ? mt["keras_version"] : typeof root["keras_version"] === "string" ? root["keras_version"] : null;
  let producer: Producer | null;
  const js = kv !== null ? /^tfjs-layers\s+v?(\S+)/.exec(kv) : null;
  if (js) producer = { name: "tfjs-layers", version: js[1]! };
  else {
    const gen = typeof doc["generatedBy"] === "string" ? /^(?:TensorFlow\.js )?tfjs-layers v?(\S+)/.exec(doc["generatedBy"]) : null;
    producer = gen ? { name: "tfjs-layers", version: gen[1]! } : kv !== null ? { name: "keras", version: kv } : null;
  }
  const m = scanMarkers(root);
  // A TF.js file converted from a Keras 3 .keras keeps Keras 3 nodes and batch_shape (KERAS_JSON.md section 4).
  const major: 1 | 2 | 3 = m.dictNodes || m.batchShape ? 3 : kv !== null && /^1\./.test(kv) ? 1 : 2;
  return { root, rootPath, flavour: "tfjs", major, producer };
}

interface Markers {
  dictNodes: boolean;
  listNodes: boolean;
  batchShape: boolean;
  keras1: boolean;
}

const KERAS1_CLASSES = new Set(["Convolution1D", "Convolution2D", "Convolution3D", "Deconvolution2D", "AtrousConvolution1D", "AtrousConvolution2D", "Merge", "SeparableConvolution2D"]);
const KERAS1_KEYS = ["nb_filter", "border_mode", "subsample", "dim_ordering", "subsample_length", "filter_length", "nb_row"];

/** Structural hints of the Keras version, from every layer entry (nested models included). */
function scanMarkers(root: unknown): Markers {
  const m: Markers = { dictNodes: false, listNodes: false, batchShape: false, keras1: false };
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === "object") stack.push(x);
      continue;
    }
    if (!isObj(v)) continue;
    const cls = v["class_name"];
    const cfg = v["config"];
    if (typeof cls === "string" && (isObj(cfg) || Array.isArray(cfg))) {
      if (KERAS1_CLASSES.has(cls)) m.keras1 = true;
      if (isObj(cfg)) {
        if (Object.hasOwn(cfg, "batch_shape")) m.batchShape = true;
        if (KERAS1_KEYS.some((k) => Object.hasOwn(cfg, k))) m.keras1 = true;
        if (Array.isArray(cfg["layers"])) stack.push(cfg["layers"]);
        else if (cfg["layer"] !== undefined) stack.push(cfg["layer"]);
      } else stack.push(cfg);
      const inbound = v["inbound_nodes"];
      if (Array.isArray(inbound)) {
        for (const n of inbound) {
          if (isObj(n)) m.dictNodes = true;
          else if (Array.isArray(n)) m.listNodes = true;
        }
      }
    }
  }
  return m;
}

function majorOf(version: string | null, m: Markers, module: string | null): 1 | 2 | 3 {
  const v = version !== null ? /^(\d+)\./.exec(version) : null;
  if (v) {
    const n = Number(v[1]);
    if (n <= 1) return 1;
    if (n === 2) return 2;
    return 3;
  }
  // tf.keras 2.12-2.15 write the Keras 3 envelope with module "keras.src.engine.*" and list nodes.
  if (module !== null && module.startsWith("keras.src.engine")) return 2;
  if (m.dictNodes || m.batchShape) return 3;
  if (m.keras1) return 1;
  if (module !== null) return m.listNodes ? 2 : 3;
  return 2;
}

function kerasProducer(version: string | null, major: 1 | 2 | 3): Producer {
  if (version !== null) {
    const js = /^tfjs-layers\s+v?(\S+)/.exec(version);
    if (js) return { name: "tfjs-layers", version: js[1]! };
    return { name: "keras", version };
  }
  // No version in the file (Keras 3 to_json, tf.keras config.json alone): the major version only.
  return { name: "keras", version: String(major) };
}
