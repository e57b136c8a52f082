/**
 * Build small IR models from a compact description, run propagation, and read shapes back as text.
 * For unit tests of shape functions; any test may import it.
 *
 * ```ts
 * const r = infer({
 *   opset: 17,
 *   inputs: { x: [1, 3, "H", "W"] },                    // strings are symbols
 *   initializers: { w: { dims: [8, 3, 3, 3] } },          // values optional (small constants)
 *   nodes: [node("Conv", ["x", "w"], ["y"], { strides: [2, 2], auto_pad: "SAME_UPPER" })],
 * });
 * expect(r.shape("y")).toBe("[1, 8, ceil(H/2), ceil(W/2)]");
 * ```
 *
 * Attribute values are typed from JS: an integer is `int`, another number `float`, a string
 * `string`, an array of integers `ints`, of other numbers `floats`, of strings `strings`. Use
 * {@link floats}/{@link float} when a float attribute has integer values (`scales: floats([1, 1, 2, 2])`).
 *
 * {@link runOp} runs one registered shape function directly on given input infos (including
 * symbolic `value`s, which a graph cannot carry without the shape-computing ops).
 */
import { type Dim, formatDim, sym } from "../../src/ir/dim.js";
import type { DType } from "../../src/ir/dtype.js";
import type { Attr, Graph, Model, Node, Shape, TensorConst, ValueInfo } from "../../src/ir/graph.js";
import { type Constraint, type Contradiction, type Fact, type InferContext, attrReaders } from "../../src/shapes/define-op.js";
import { type PropagateOptions, type ShapeResult, propagate } from "../../src/shapes/propagate.js";
import { findOp } from "../../src/shapes/registry.js";
import type { TensorInfo } from "../../src/shapes/tensor-info.js";

/** A dim in a description: an integer, a symbol name, or `null` (unknown). */
export type DimSpec = number | string | null;

/** An input: its dims (dtype float32), or dtype and dims (`shape: null` = unknown rank). */
export type InputSpec = readonly DimSpec[] | { readonly dtype?: DType; readonly shape: readonly DimSpec[] | null };

/** A constant (initializer): dims, dtype (default float32), and its decoded values when small. */
export interface InitSpec {
  readonly dims: readonly number[];
  readonly dtype?: DType;
  readonly values?: readonly number[];
}

/** A JS attribute value, or an explicit IR attribute. */
export type AttrValue = number | string | readonly number[] | readonly string[] | Attr;

/** A node in a description. */
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  readonly name?: string;
  readonly domain?: string;
}

/** A model description. */
export interface ModelSpec {
  /** ai.onnx opset (default 17). */
  readonly opset?: number;
  /** Other domains' opsets. */
  readonly opsets?: Readonly<Record<string, number>>;
  readonly inputs?: Readonly<Record<string, InputSpec>>;
  readonly initializers?: Readonly<Record<string, InitSpec>>;
  readonly nodes: readonly NodeSpec[];
  /** Graph outputs (names, or names with a declared shape); default: the last node's outputs, undeclared. */
  readonly outputs?: readonly (string | { readonly name: string; readonly shape: readonly DimSpec[] | null })[];
  readonly valueInfo?: Readonly<Record<string, readonly DimSpec[]>>;
  readonly format?: "onnx" | "keras";
}

/** A node description; `name` defaults to `<op>_<first output>`. */
export function node(op: string, inputs: readonly string[], outputs: readonly string[], attrs?: Readonly<Record<string, AttrValue>>, name?: string): NodeSpec {
  return { op, inputs, outputs, ...(attrs ? { attrs } : {}), ...(name !== undefined ? { name } : {}) };
}

/** A `floats` attribute. */
export function floats(value: readonly number[]): Attr {
  return { type: "floats", value };
}

/** A `float` attribute. */
export function float(value: number): Attr {
  return { type: "float", value };
}

/** A dim from its description. */
export function dimOf(d: DimSpec): Dim | null {
  return typeof d === "string" ? sym(d) : d;
}

/** A shape from its description. */
export function shapeOfSpec(s: readonly DimSpec[] | null): Shape | null {
  return s === null ? null : s.map(dimOf);
}

function toAttr(v: AttrValue): Attr {
  if (typeof v === "number") return Number.isInteger(v) ? { type: "int", value: v } : { type: "float", value: v };
  if (typeof v === "string") return { type: "string", value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return { type: "strings", value: v as readonly string[] };
    const nums = v as readonly number[];
    return nums.every((x) => Number.isInteger(x)) ? { type: "ints", value: nums } : { type: "floats", value: nums };
  }
  return v as Attr;
}

function inputInfo(name: string, spec: InputSpec): ValueInfo {
  if (Array.isArray(spec)) return { name, dtype: "float32", shape: shapeOfSpec(spec as readonly DimSpec[]) };
  const s = spec as { readonly dtype?: DType; readonly shape: readonly DimSpec[] | null };
  return { name, dtype: s.dtype ?? "float32", shape: shapeOfSpec(s.shape) };
}

/** Build a model from a description. */
export function buildModel(spec: ModelSpec): Model {
  const nodes: Node[] = spec.nodes.map((n, index) => ({
    name: n.name ?? `${n.op}_${n.outputs[0] ?? index}`,
    opType: n.op,
    domain: n.domain ?? "",
    inputs: n.inputs,
    outputs: n.outputs,
    attrs: new Map(Object.entries(n.attrs ?? {}).map(([k, v]) => [k, toAttr(v)])),
    loc: { nodeIndex: index, nodeName: n.name ?? `${n.op}_${n.outputs[0] ?? index}` },
  }));
  const initializers = new Map<string, TensorConst>();
  for (const [name, t] of Object.entries(spec.initializers ?? {})) {
    initializers.set(name, {
      name,
      dtype: t.dtype ?? "float32",
      dims: t.dims,
      data: { kind: "none" },
      ...(t.values !== undefined ? { values: t.values } : {}),
    });
  }
  const last = spec.nodes[spec.nodes.length - 1];
  const outputs: ValueInfo[] = (spec.outputs ?? last?.outputs.filter((o) => o !== "") ?? []).map((o) =>
    typeof o === "string" ? { name: o, dtype: null, shape: null } : { name: o.name, dtype: null, shape: shapeOfSpec(o.shape) },
  );
  const graph: Graph = {
    name: "test",
    inputs: Object.entries(spec.inputs ?? {}).map(([name, s]) => inputInfo(name, s)),
    outputs,
    valueInfo: new Map(Object.entries(spec.valueInfo ?? {}).map(([name, s]) => [name, { name, dtype: null, shape: shapeOfSpec(s) }])),
    initializers,
    nodes,
  };
  const opsets = new Map<string, number>([["", spec.opset ?? 17], ...Object.entries(spec.opsets ?? {})]);
  return { format: spec.format ?? "onnx", flavour: spec.format === "keras" ? "keras3-json" : "onnx", file: "test.onnx", graph, producer: null, irVersion: 8, opsets };
}

/** Text of a shape: `[1, 3, ceil(H/2)]`, `?` for unknown dims, `unknown` for unknown rank. */
export function fmtShape(shape: Shape | null | undefined): string {
  if (shape === null || shape === undefined) return "unknown";
  return `[${shape.map((d) => formatDim(d)).join(", ")}]`;
}

/** A propagation result with readers. */
export interface Inferred {
  readonly result: ShapeResult;
  /** Propagated info of a value. */
  info(name: string): TensorInfo | undefined;
  /** Text of a value's shape (see {@link fmtShape}). */
  shape(name: string): string;
  readonly contradictions: readonly Contradiction[];
  readonly facts: readonly Fact[];
  readonly constraints: readonly Constraint[];
  /** Facts of one kind (and, for `runtime-divergence`, optionally one id). */
  factsOf(kind: string, id?: string): Readonly<Record<string, unknown>>[];
  /** Codes of the contradictions, in order. */
  codes(): string[];
}

function readers(result: ShapeResult): Inferred {
  return {
    result,
    info: (name) => result.values.get(name),
    shape: (name) => fmtShape(result.values.get(name)?.shape),
    contradictions: result.contradictions,
    facts: result.facts,
    constraints: result.constraints,
    factsOf: (kind, id) => result.facts.filter((f) => f.kind === kind && (id === undefined || f.data["id"] === id)).map((f) => f.data),
    codes: () => result.contradictions.map((c) => c.code),
  };
}

/** Build and propagate a model. */
export function infer(spec: ModelSpec | Model, options?: PropagateOptions): Inferred {
  const model = "graph" in spec ? spec : buildModel(spec);
  return readers(propagate(model, options));
}

/** Input of {@link runOp}: a TensorInfo, a dims description (float32), or `null` (omitted input). */
export type OpInput = TensorInfo | readonly DimSpec[] | null;

/** Result of {@link runOp}. */
export interface OpRun {
  readonly outputs: readonly (TensorInfo | null)[] | null;
  /** Text of output `k`'s shape. */
  shape(k?: number): string;
  readonly contradictions: readonly Contradiction[];
  readonly facts: readonly Fact[];
  readonly constraints: readonly Constraint[];
  factsOf(kind: string, id?: string): Readonly<Record<string, unknown>>[];
  codes(): string[];
}

/**
 * Run the registered shape function of `op` (domain `""` unless given) at `opset` on the given
 * inputs, with a context that behaves like the propagator's. Use it for inputs whose `value`
 * holds symbolic dims.
 */
export function runOp(spec: {
  readonly op: string;
  readonly opset?: number;
  readonly domain?: string;
  readonly inputs: readonly OpInput[];
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  readonly outputs?: number;
}): OpRun {
  const domain = spec.domain ?? "";
  const opset = spec.opset ?? 17;
  const def = findOp(domain, spec.op, opset);
  if (!def) throw new Error(`no shape function for ${spec.op}`);
  const infos: (TensorInfo | null)[] = spec.inputs.map((x) => (x === null ? null : Array.isArray(x) ? { dtype: "float32", shape: shapeOfSpec(x as readonly DimSpec[]) } : (x as TensorInfo)));
  const node: Node = {
    name: `${spec.op}_0`,
    opType: spec.op,
    domain,
    inputs: infos.map((x, k) => (x === null ? "" : `in${k}`)),
    outputs: Array.from({ length: spec.outputs ?? 1 }, (_, k) => `out${k}`),
    attrs: new Map(Object.entries(spec.attrs ?? {}).map(([k, v]) => [k, toAttr(v)])),
    loc: { nodeIndex: 0, nodeName: `${spec.op}_0` },
  };
  const contradictions: Contradiction[] = [];
  const facts: Fact[] = [];
  const constraints: Constraint[] = [];
  const attr = (name: string): Attr | undefined => node.attrs.get(name);
  const ctx: InferContext = {
    node,
    opset,
    graph: { name: "test", inputs: [], outputs: [], valueInfo: new Map(), initializers: new Map(), nodes: [node] },
    inputCount: node.inputs.length,
    hasInput: (i) => (node.inputs[i] ?? "") !== "",
    input: (i) => infos[i] ?? null,
    constInput: () => null,
    ...attrReaders(attr),
    contradiction: (code, message, data = {}) => contradictions.push({ node, code, message, data }),
    fact: (kind, data) => facts.push({ node, kind, data }),
    require: (dim, what, minimum = 1) => {
      if (typeof dim === "number") {
        if (dim < minimum) contradictions.push({ node, code: "NONPOSITIVE_DIM", message: `${what} is ${dim}`, data: { dim, what, min: minimum } });
        return;
      }
      constraints.push({ node, dim, min: minimum, what });
    },
    subgraph: () => [],
  };
  const outputs = def.infer(ctx);
  return {
    outputs,
    shape: (k = 0) => fmtShape(outputs?.[k]?.shape),
    contradictions,
    facts,
    constraints,
    factsOf: (kind, id) => facts.filter((f) => f.kind === kind && (id === undefined || f.data["id"] === id)).map((f) => f.data),
    codes: () => contradictions.map((c) => c.code),
  };
}

/** A TensorInfo for {@link runOp}: dtype, dims description, optional element values (dims or numbers). */
export function info(dtype: DType | null, shape: readonly DimSpec[] | null, value?: readonly (DimSpec | Dim)[]): TensorInfo {
  const s = shapeOfSpec(shape);
  if (value === undefined) return { dtype, shape: s };
  return { dtype, shape: s, value: value.map((v) => (typeof v === "string" ? sym(v) : (v as Dim | null))) };
}
