/** Helpers for the Keras loader and layer tests. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDim } from "../../src/ir/dim.js";
import type { Model, Node } from "../../src/ir/graph.js";
import { loadKerasText } from "../../src/loaders/keras/index.js";
import { type PropagateOptions, type ShapeResult, propagate } from "../../src/shapes/propagate.js";

/** Directory of the Keras fixtures generated for this project (HDF5, zip, edge cases). */
export const FIXTURES = fileURLToPath(new URL("../fixtures/keras/", import.meta.url));

/**
 * The real public Keras / TF.js samples of `shared/formats/keras` (beside the repository, as on
 * the developers' machines and in CI). They are third-party files, so they are read from there,
 * not copied into the repository.
 */
export const SAMPLES = fileURLToPath(new URL("../../../shared/formats/keras/", import.meta.url));

/** True when the shared samples are present. */
export const SAMPLES_PRESENT = existsSync(join(SAMPLES, "k3unet-unet.json"));

/** Path of a Keras test file: a shared sample by its name, else a generated fixture. */
export function kerasFile(name: string): string {
  return /^(k1seq|k2nest|k2seq|k2shared|k3seq|k3siam|k3unet|tfjsconv|tfjsjs|tfjsmimo|tfjsold|tk214)-/.test(name) ? join(SAMPLES, name) : join(FIXTURES, name);
}

/** `[N, 28, 28, 1]`-style text of a value's propagated shape (`?` unknown dim, `[?]` unknown rank). */
export function shapeText(r: ShapeResult, value: string): string {
  const info = r.values.get(value);
  if (!info || info.shape === null) return "[?]";
  return `[${info.shape.map((d) => formatDim(d)).join(", ")}]`;
}

/** Shape text of a node's first output. */
export function nodeShape(r: ShapeResult, node: string): string {
  const n = r.model.graph.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node ${node}; nodes: ${r.model.graph.nodes.map((x) => x.name).join(", ")}`);
  return shapeText(r, n.outputs[0]!);
}

/** The node called `name`. */
export function nodeNamed(m: Model, name: string): Node {
  const n = m.graph.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}; nodes: ${m.graph.nodes.map((x) => x.name).join(", ")}`);
  return n;
}

/** A Keras 2 layer entry `[class_name, config]` for {@link seqJson} / {@link fnJson}. */
export type LayerSpec = readonly [string, Record<string, unknown>];

/** Keras 2 (tf.keras 2.4+) Sequential JSON with an explicit InputLayer. */
export function seqJson(inputShape: readonly (number | null)[], layers: readonly LayerSpec[], version = "2.4.0"): string {
  const entries = [
    { class_name: "InputLayer", config: { batch_input_shape: [null, ...inputShape], dtype: "float32", name: "x" } },
    ...layers.map(([cls, cfg], i) => ({ class_name: cls, config: { name: `l${i}`, ...cfg } })),
  ];
  return JSON.stringify({ class_name: "Sequential", config: { name: "m", layers: entries }, keras_version: version, backend: "tensorflow" }, null, 1);
}

/** Load and propagate a Sequential of `layers` on input `[batch, ...inputShape]`; nodes are `l0`, `l1`, ... */
export function runSeq(inputShape: readonly (number | null)[], layers: readonly LayerSpec[], options: PropagateOptions = {}, version = "2.4.0"): ShapeResult {
  return propagate(loadKerasText(seqJson(inputShape, layers, version), "seq.json"), options);
}

/** A Keras 2 functional layer entry. */
export function fnLayer(name: string, cls: string, config: Record<string, unknown>, inbound: readonly (readonly (string | number)[])[][]): Record<string, unknown> {
  return { name, class_name: cls, config: { name, ...config }, inbound_nodes: inbound.map((node) => node.map((ref) => [...ref, {}])) };
}

/** Keras 2 functional model JSON. */
export function fnJson(layers: readonly Record<string, unknown>[], inputs: readonly string[], outputs: readonly (readonly [string, number, number])[], version = "2.4.0"): string {
  return JSON.stringify(
    {
      class_name: "Functional",
      config: { name: "f", layers, input_layers: inputs.map((i) => [i, 0, 0]), output_layers: outputs },
      keras_version: version,
      backend: "tensorflow",
    },
    null,
    1,
  );
}

/** A Keras 2 InputLayer entry. */
export function inputLayer(name: string, shape: readonly (number | null)[], dtype = "float32"): Record<string, unknown> {
  return { name, class_name: "InputLayer", config: { name, batch_input_shape: [null, ...shape], dtype }, inbound_nodes: [] };
}

/** Resolve an RFC 6901 pointer in a parsed JSON document (independent of the loader). */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === "") return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === "object") cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

/** Codes of the contradictions of a result. */
export function codes(r: ShapeResult): string[] {
  return r.contradictions.map((c) => c.code);
}

/** Facts of one kind (optionally of one node). */
export function factsOf(r: ShapeResult, kind: string, node?: string): Record<string, unknown>[] {
  return r.facts.filter((f) => f.kind === kind && (node === undefined || f.node.name === node)).map((f) => f.data as Record<string, unknown>);
}
