/**
 * The propagation walk: orders the nodes topologically (rejecting cycles and dangling value
 * names), binds graph inputs to symbols or user-given sizes, and runs each node's shape function.
 * Unknown is never an error: an op without a shape function makes its outputs unknown and is
 * counted. A contradiction is recorded and propagation goes on.
 */
import { DimOverflowError } from "../ir/checked-int.js";
import { type Dim, isConst, substitute, sym } from "../ir/dim.js";
import type { Attr, Graph, Model, Node, Shape, ShapeDim, TensorConst, ValueInfo } from "../ir/graph.js";
import { LoadError } from "../loaders/load-error.js";
import { type Constraint, type Contradiction, type Fact, type InferContext, floatOf, floatsOf, intOf, intsOf, stringOf } from "./define-op.js";
import { findOp, opKey } from "./registry.js";
import { type TensorInfo, VALUE_TRACK_LIMIT, tensor } from "./tensor-info.js";

/** A user binding of a graph input's dims: integers, symbol names, or `null` to keep the file's dim. */
export type InputBinding = readonly (number | string | null)[];

/** Options of {@link propagate}. */
export interface PropagateOptions {
  /** Bindings by input name; the key `""` binds the first graph input. */
  readonly inputShapes?: ReadonlyMap<string, InputBinding>;
}

/** The outcome of propagation over a model. */
export interface ShapeResult {
  readonly model: Model;
  /** Propagated info for every value of the main graph. */
  readonly values: ReadonlyMap<string, TensorInfo>;
  /** Producing node of every node output. */
  readonly producers: ReadonlyMap<string, Node>;
  /** Consumers of every value. */
  readonly consumers: ReadonlyMap<string, readonly Node[]>;
  /** Main-graph nodes in topological order. */
  readonly order: readonly Node[];
  readonly contradictions: readonly Contradiction[];
  readonly facts: readonly Fact[];
  readonly constraints: readonly Constraint[];
  /** Nodes without a shape function, keyed `domain::op`. */
  readonly unsupported: ReadonlyMap<string, readonly Node[]>;
  /** Value names whose shape was taken from a declaration because inference knew nothing. */
  readonly fromDeclaration: ReadonlySet<string>;
  /** Symbol renames and bindings applied to declared shapes (file symbol -> bound dim). */
  readonly bindings: ReadonlyMap<string, Dim>;
  /** The shapes the graph inputs were bound to. */
  readonly inputShapes: ReadonlyMap<string, Shape | null>;
}

interface Sink {
  contradictions: Contradiction[];
  /** Values computed downstream of a contradiction. */
  poisoned: Set<string>;
  facts: Fact[];
  constraints: Constraint[];
  unsupported: Map<string, Node[]>;
}

/** Fresh symbol name for an unnamed input dim: `<input>_d<axis>`, made identifier-safe. */
export function freshSymbolName(input: string, axis: number): string {
  const base = input.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=\d)/, "_") || "in";
  return `${base}_d${axis}`;
}

/** Propagate shapes through a model. Throws {@link LoadError} for cycles, dangling names, bad bindings and absurd dims. */
export function propagate(model: Model, options: PropagateOptions = {}): ShapeResult {
  const graph = model.graph;
  const sink: Sink = { contradictions: [], poisoned: new Set(), facts: [], constraints: [], unsupported: new Map() };
  const values = new Map<string, TensorInfo>();
  const bindings = new Map<string, Dim>();
  const inputShapes = new Map<string, Shape | null>();

  graph.inputs.forEach((vi, index) => {
    const binding = options.inputShapes?.get(vi.name) ?? (index === 0 ? options.inputShapes?.get("") : undefined);
    const shape = bindInput(vi, binding, bindings);
    inputShapes.set(vi.name, shape);
    values.set(vi.name, tensor(vi.dtype, shape));
  });
  if (options.inputShapes) {
    for (const name of options.inputShapes.keys()) {
      if (name !== "" && !graph.inputs.some((i) => i.name === name)) {
        throw new LoadError("BAD_ARGUMENT", `--input-shape names '${name}', which is not a graph input (inputs: ${graph.inputs.map((i) => i.name).join(", ") || "none"})`);
      }
    }
  }
  for (const [name, t] of graph.initializers) if (!values.has(name)) values.set(name, constInfo(t));

  const order = topoSort(graph, (name) => values.has(name));
  const producers = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) producers.set(o, n);
    for (const i of n.inputs) if (i) (consumers.get(i) ?? consumers.set(i, []).get(i)!).push(n);
  }
  const fromDeclaration = new Set<string>();
  runNodes(model, graph, order, values, (name) => values.get(name), sink, fromDeclaration, bindings);

  return {
    model,
    values,
    producers,
    consumers,
    order,
    contradictions: sink.contradictions,
    facts: sink.facts,
    constraints: sink.constraints,
    unsupported: sink.unsupported,
    fromDeclaration,
    bindings,
    inputShapes,
  };
}

function bindInput(vi: ValueInfo, binding: InputBinding | undefined, bindings: Map<string, Dim>): Shape | null {
  const declared = vi.shape;
  if (binding === undefined) {
    if (declared === null) return null;
    return declared.map((d, axis) => (d === null ? sym(freshSymbolName(vi.name, axis)) : d));
  }
  if (declared !== null && declared.length !== binding.length) {
    throw new LoadError("BAD_ARGUMENT", `--input-shape for '${vi.name}' has ${binding.length} dims but the input has rank ${declared.length} (${declared.map((d) => (d === null ? "?" : String(d))).join(",")})`);
  }
  return binding.map((b, axis) => {
    const old: ShapeDim = declared ? (declared[axis] ?? null) : null;
    let bound: Dim;
    if (b === null) bound = old ?? sym(freshSymbolName(vi.name, axis));
    else if (typeof b === "number") {
      if (!Number.isSafeInteger(b) || b < 0) throw new LoadError("BAD_ARGUMENT", `--input-shape dim ${axis} of '${vi.name}' must be a non-negative integer or a name, got ${b}`);
      bound = b;
    } else bound = sym(b);
    // A dim fixed in the file may be rebound: "would this model work at 256x256?" is a fair
    // question for an export made at 224x224 (constants baked at export time then show up as
    // contradictions downstream).
    if (old !== null && !isConst(old) && old.terms.length === 1 && old.c === 0 && old.terms[0]!.atom.kind === "sym") {
      bindings.set(old.terms[0]!.atom.name, bound);
    }
    return bound;
  });
}

/** TensorInfo of a constant tensor (initializer or Constant), with its values when decoded. */
export function constInfo(t: TensorConst): TensorInfo {
  const value = t.values !== undefined && t.values.length <= VALUE_TRACK_LIMIT && !t.inexact ? t.values : undefined;
  return tensor(t.dtype, t.dims, value);
}

/**
 * Order nodes so that every value is produced before it is consumed. `known(name)` says whether
 * a name is available from outside the node list (inputs, initializers, outer scope).
 */
export function topoSort(graph: Graph, known: (name: string) => boolean): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o)) {
        throw new LoadError("DUPLICATE_OUTPUT", `value '${o}' is produced by two nodes ('${graph.nodes[producer.get(o)!]!.name}' and '${n.name}')`, { node: n.name });
      }
      producer.set(o, i);
    }
  });
  const indeg = new Array<number>(graph.nodes.length).fill(0);
  const users: number[][] = graph.nodes.map(() => []);
  graph.nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const name of n.inputs) {
      if (!name) continue;
      const p = producer.get(name);
      if (p === undefined) {
        if (!known(name)) {
          throw new LoadError("DANGLING_INPUT", `node '${n.name}' (${n.opType}) reads '${name}', which no node, input or initializer provides`, { node: n.name });
        }
        continue;
      }
      deps.add(p);
    }
    // Values used inside nested graphs (If/Loop bodies) from the outer scope are dependencies too.
    for (const name of outerReferences(n)) {
      const p = producer.get(name);
      if (p !== undefined && p !== i) deps.add(p);
    }
    indeg[i] = deps.size;
    for (const p of deps) users[p]!.push(i);
  });
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  const order: Node[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    order.push(graph.nodes[i]!);
    for (const u of users[i]!) if (--indeg[u]! === 0) queue.push(u);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => indeg[i]! > 0)!;
    throw new LoadError("GRAPH_CYCLE", `the graph has a cycle through node '${stuck.name}' (${stuck.opType})`, { node: stuck.name });
  }
  for (const o of graph.outputs) {
    if (!producer.has(o.name) && !known(o.name)) {
      throw new LoadError("DANGLING_INPUT", `graph output '${o.name}' is not produced by any node`, { node: o.name });
    }
  }
  return order;
}

/** Names a node's nested graphs read from the enclosing scope. */
const NO_NAMES: ReadonlySet<string> = new Set();

function outerReferences(n: Node): ReadonlySet<string> {
  let out: Set<string> | null = null;
  for (const a of n.attrs.values()) {
    if (a.type !== "graph" && a.type !== "graphs") continue;
    out ??= new Set<string>();
    for (const g of a.type === "graph" ? [a.value] : a.value) collectOuter(g, out);
  }
  return out ?? NO_NAMES;
}

function collectOuter(g: Graph, out: Set<string>): void {
  const local = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) local.add(o);
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !local.has(i)) out.add(i);
    const inner = outerReferences(n);
    for (const i of inner) if (!local.has(i)) out.add(i);
  }
}

function runNodes(
  model: Model,
  graph: Graph,
  order: readonly Node[],
  values: Map<string, TensorInfo>,
  lookup: (name: string) => TensorInfo | undefined,
  sink: Sink,
  fromDeclaration: Set<string>,
  bindings: ReadonlyMap<string, Dim>,
): void {
  const declaredOutputs = new Map(graph.outputs.map((o) => [o.name, o]));
  for (const node of order) {
    const downstream = sink.poisoned.size > 0 && node.inputs.some((i) => i !== "" && sink.poisoned.has(i));
    const before = sink.contradictions.length;
    const domain = node.domain === "ai.onnx" ? "" : node.domain;
    const opset = model.opsets.get(domain) ?? (domain === "" ? (model.opsets.get("ai.onnx") ?? 1) : 1);
    const def = findOp(domain, node.opType, opset);
    let outs: readonly (TensorInfo | null)[] | null = null;
    if (!def) {
      const key = opKey(domain, node.opType);
      (sink.unsupported.get(key) ?? sink.unsupported.set(key, []).get(key)!).push(node);
    } else {
      if (def.attrs) {
        for (const name of node.attrs.keys()) {
          if (!def.attrs.includes(name)) sink.facts.push({ node, kind: "unmodelled-attribute", data: { attribute: name } });
        }
      }
      const ctx = new NodeContext(model, graph, node, opset, lookup, sink, bindings);
      try {
        outs = def.infer(ctx);
      } catch (e) {
        if (e instanceof DimOverflowError) {
          throw new LoadError("ABSURD_DIM", `sizes overflow at node '${node.name}' (${node.opType}): ${e.message}`, { node: node.name });
        }
        if (e instanceof LoadError) throw e;
        sink.facts.push({ node, kind: "internal-error", data: { message: e instanceof Error ? e.message : String(e) } });
        outs = null;
      }
    }
    if (downstream) {
      for (let c = before; c < sink.contradictions.length; c++) sink.contradictions[c] = { ...sink.contradictions[c]!, cascade: true };
    }
    if (downstream || sink.contradictions.length > before) for (const o of node.outputs) if (o) sink.poisoned.add(o);
    node.outputs.forEach((name, k) => {
      if (!name) return;
      let info = outs?.[k] ?? null;
      const declared = graph.valueInfo.get(name) ?? declaredOutputs.get(name);
      if (declared && (info === null || info.shape === null || info.shape.some((d) => d === null))) {
        const filled = fillFromDeclared(info, declared, bindings);
        if (filled !== info) {
          info = filled;
          fromDeclaration.add(name);
        }
      }
      values.set(name, info ?? { dtype: declared?.dtype ?? null, shape: null });
    });
  }
}

function fillFromDeclared(info: TensorInfo | null, declared: ValueInfo, bindings: ReadonlyMap<string, Dim>): TensorInfo | null {
  if (declared.shape === null) return info;
  const decl = declared.shape.map((d) => (d === null || isConst(d) ? d : substitute(d, bindings)));
  if (info === null || info.shape === null) return tensor(info?.dtype ?? declared.dtype, decl, info?.value);
  if (info.shape.length !== decl.length) return info;
  const shape = info.shape.map((d, i) => d ?? decl[i] ?? null);
  return tensor(info.dtype ?? declared.dtype, shape, info.value);
}

/**
 * The InferContext of one node. A class with methods on its prototype: propagation creates one
 * per node, and closures per node were a measurable share of the walk on large graphs.
 */
class NodeContext implements InferContext {
  readonly node: Node;
  readonly opset: number;
  readonly graph: Graph;
  readonly inputCount: number;
  readonly #model: Model;
  readonly #lookup: (name: string) => TensorInfo | undefined;
  readonly #sink: Sink;
  readonly #bindings: ReadonlyMap<string, Dim>;

  constructor(model: Model, graph: Graph, node: Node, opset: number, lookup: (name: string) => TensorInfo | undefined, sink: Sink, bindings: ReadonlyMap<string, Dim>) {
    this.node = node;
    this.opset = opset;
    this.graph = graph;
    this.inputCount = node.inputs.length;
    this.#model = model;
    this.#lookup = lookup;
    this.#sink = sink;
    this.#bindings = bindings;
  }

  hasInput(i: number): boolean {
    return (this.node.inputs[i] ?? "") !== "";
  }

  input(i: number): TensorInfo | null {
    const name = this.node.inputs[i];
    return name ? (this.#lookup(name) ?? null) : null;
  }

  constInput(i: number): TensorConst | null {
    const name = this.node.inputs[i];
    return name ? (this.graph.initializers.get(name) ?? null) : null;
  }

  attr(name: string): Attr | undefined {
    return this.node.attrs.get(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return intOf(this.node.attrs.get(name), fallback);
  }

  ints(name: string, fallback: readonly number[]): readonly number[];
  ints(name: string): readonly number[] | undefined;
  ints(name: string, fallback?: readonly number[]): readonly number[] | undefined {
    return intsOf(this.node.attrs.get(name), fallback);
  }

  float(name: string, fallback: number): number {
    return floatOf(this.node.attrs.get(name), fallback);
  }

  floats(name: string): readonly number[] | undefined {
    return floatsOf(this.node.attrs.get(name));
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return stringOf(this.node.attrs.get(name), fallback);
  }

  contradiction(code: string, message: string, data: Record<string, unknown> = {}): void {
    this.#sink.contradictions.push({ node: this.node, code, message, data });
  }

  fact(kind: string, data: Record<string, unknown>): void {
    this.#sink.facts.push({ node: this.node, kind, data });
  }

  require(dim: Dim, what: string, minimum = 1): void {
    if (isConst(dim)) {
      if (dim < minimum) this.#sink.contradictions.push({ node: this.node, code: "NONPOSITIVE_DIM", message: `${what} is ${dim}`, data: { dim, what, min: minimum } });
      return;
    }
    this.#sink.constraints.push({ node: this.node, dim, min: minimum, what });
  }

  subgraph(g: Graph, inputs: readonly TensorInfo[]): (TensorInfo | null)[] {
    const local = new Map<string, TensorInfo>();
    g.inputs.forEach((vi, k) => local.set(vi.name, inputs[k] ?? tensor(vi.dtype, vi.shape)));
    for (const [name, t] of g.initializers) local.set(name, constInfo(t));
    const outer = this.#lookup;
    const inner = (name: string): TensorInfo | undefined => local.get(name) ?? outer(name);
    const order = topoSort(g, (name) => inner(name) !== undefined);
    runNodes(this.#model, g, order, local, inner, this.#sink, new Set(), this.#bindings);
    return g.outputs.map((o) => local.get(o.name) ?? null);
  }
}
