/**
 * A small IR builder for rule and reporter tests: models are written in TypeScript next to the
 * assertions. Dims are integers, symbol names (`"H"`) or `null`.
 */
import { type Dim, sym } from "../../src/ir/dim.js";
import type { DType } from "../../src/ir/dtype.js";
import type { Attr, Graph, Model, Node, ShapeDim, TensorConst, ValueInfo } from "../../src/ir/graph.js";

/** A dim as written in tests. */
export type D = number | string | null;

/** A node as written in tests; attributes are typed from their JS values. */
export interface NodeSpec {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, number | readonly number[] | string | readonly string[] | { json: unknown }>>;
  readonly domain?: string;
  readonly line?: number;
}

/** A model as written in tests. */
export interface ModelSpec {
  readonly inputs: readonly (readonly [string, readonly D[] | null])[];
  readonly outputs: readonly (readonly [string, readonly D[] | null])[];
  readonly nodes: readonly NodeSpec[];
  /** Initializers: name -> dims (values optional). */
  readonly inits?: Readonly<Record<string, readonly number[] | { dims: readonly number[]; values: readonly number[]; dtype?: DType }>>;
  readonly valueInfo?: readonly (readonly [string, readonly D[] | null])[];
  readonly format?: "onnx" | "keras";
  readonly flavour?: string;
  readonly producer?: string;
  readonly opset?: number;
  readonly file?: string;
}

function dim(d: D): ShapeDim {
  if (d === null) return null;
  return typeof d === "number" ? d : (sym(d) as Dim);
}

function vi(name: string, shape: readonly D[] | null, dtype: DType = "float32"): ValueInfo {
  return { name, dtype, shape: shape === null ? null : shape.map(dim) };
}

function attr(v: NonNullable<NodeSpec["attrs"]>[string]): Attr {
  if (typeof v === "number") return Number.isInteger(v) ? { type: "int", value: v } : { type: "float", value: v };
  if (typeof v === "string") return { type: "string", value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return { type: "strings", value: v as readonly string[] };
    return { type: "ints", value: v as readonly number[] };
  }
  return { type: "json", value: (v as { json: unknown }).json };
}

/** Build a Model from a spec. */
export function buildModel(spec: ModelSpec): Model {
  const format = spec.format ?? "onnx";
  const file = spec.file ?? (format === "onnx" ? "model.onnx" : "model.json");
  const nodes: Node[] = spec.nodes.map((n, i) => ({
    name: n.name,
    opType: n.op,
    domain: n.domain ?? (format === "keras" ? "keras" : ""),
    inputs: n.inputs,
    outputs: n.outputs,
    attrs: new Map(Object.entries(n.attrs ?? {}).map(([k, v]) => [k, attr(v)])),
    loc: { file, nodeIndex: i, nodeName: n.name, ...(n.line !== undefined ? { line: n.line, column: 5 } : {}) },
  }));
  const initializers = new Map<string, TensorConst>();
  for (const [name, t] of Object.entries(spec.inits ?? {})) {
    const dims = Array.isArray(t) ? (t as readonly number[]) : (t as { dims: readonly number[] }).dims;
    const values = Array.isArray(t) ? undefined : (t as { values: readonly number[] }).values;
    const dtype = (Array.isArray(t) ? undefined : (t as { dtype?: DType }).dtype) ?? (values ? "int64" : "float32");
    initializers.set(name, { name, dtype, dims, data: { kind: "none" }, ...(values ? { values } : {}) });
  }
  const graph: Graph = {
    name: "main",
    inputs: spec.inputs.map(([n, s]) => vi(n, s)),
    outputs: spec.outputs.map(([n, s]) => vi(n, s)),
    valueInfo: new Map((spec.valueInfo ?? []).map(([n, s]) => [n, vi(n, s)])),
    initializers,
    nodes,
  };
  return {
    format,
    flavour: spec.flavour ?? (format === "onnx" ? "onnx" : "keras2-json"),
    file,
    graph,
    producer: spec.producer ? { name: spec.producer, version: "1" } : null,
    irVersion: format === "onnx" ? 8 : 0,
    opsets: new Map(format === "onnx" ? [["", spec.opset ?? 17]] : [["keras", spec.opset ?? 2]]),
  };
}
