/**
 * The graph executor of the CPU reference kernel: runs an IR {@link Model} node by node in
 * topological order, on given input tensors or on seeded random inputs of given sizes, and
 * records the runtime shape of every value.
 *
 * Memory: initializers are read from the model file only when their first consumer runs
 * (through the loader's `readTensorData`), and every tensor is dropped as soon as its last
 * consumer has run, unless it is a graph output or the caller asked to keep it. Peak RSS is
 * sampled after every node.
 */
import type { Attr, Graph, Model, Node, TensorConst } from "../ir/graph.js";
import { isConst } from "../ir/dim.js";
import { readTensorData, type TensorData as LoadedData } from "../loaders/onnx/tensor-data.js";
import { KernelError } from "./errors.js";
import { KERNELS, hasKernel, type OpContext, type OpNode } from "./ops.js";
import { allocData, isKernelDType, mulberry32, roundToDType, sizeOf, type KernelDType, type Tensor } from "./tensor.js";

/**
 * Attributes that do not change what a node computes on the CPU (documentation and
 * hints written by exporters), so an adapter need not read them.
 */
const IGNORABLE_ATTRS: ReadonlySet<string> = new Set(["doc_string"]);

/** Opset assumed when a model declares none for ai.onnx. */
const DEFAULT_OPSET = 21;

/** An attribute value to put on one node before running ("apply the fix to a copy"). */
export interface AttributeOverride {
  /** Node name (ONNX node name). */
  readonly node: string;
  /** Attribute name, e.g. `output_padding`. */
  readonly attribute: string;
  /**
   * New value: an IR {@link Attr}, or shorthand (integer -> int, other number -> float,
   * number[] -> ints, string -> string); `null` removes the attribute.
   */
  readonly value: Attr | number | readonly number[] | string | null;
}

/** Progress report after each node. */
export interface RunProgress {
  /** 1-based count of nodes run so far. */
  readonly done: number;
  readonly total: number;
  readonly node: string;
  readonly opType: string;
  /** Output dims of the node that just ran (`null` for an omitted output). */
  readonly outputDims: readonly (readonly number[] | null)[];
  readonly elapsedMs: number;
  /** Bytes held by live tensors after this node ran and its dead inputs were dropped. */
  readonly liveBytes: number;
}

/** Options of {@link runModel}. */
export interface RunOptions {
  /** Concrete dims per graph input; required for inputs whose declared shape is not concrete. */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>;
  /** Explicit input tensors (take precedence over random inputs). */
  readonly inputs?: ReadonlyMap<string, Tensor>;
  /** Seed of the random inputs (default 1). */
  readonly seed?: number;
  readonly onProgress?: (p: RunProgress) => void;
  readonly overrides?: readonly AttributeOverride[];
  /** Extra value names whose tensors are returned besides the graph outputs. */
  readonly keep?: Iterable<string>;
  /** Read an initializer / tensor attribute; defaults to the loader's `readTensorData`. */
  readonly readTensor?: (t: TensorConst) => Tensor;
}

/** Runtime shape of one value. */
export interface ValueShape {
  readonly dims: readonly number[];
  readonly dtype: KernelDType;
}

/** Result of {@link runModel}. */
export interface RunResult {
  /** Every graph input, initializer that was read, and node output, with its runtime shape. */
  readonly values: Map<string, ValueShape>;
  /** Graph outputs (and `keep`) with their tensors. */
  readonly outputs: Map<string, Tensor>;
  /** Largest resident set size sampled during the run, in bytes. */
  readonly peakRssBytes: number;
  readonly elapsedMs: number;
  /** Nodes in the order they ran. */
  readonly order: readonly string[];
}

/**
 * Convert decoded tensor elements (loader representation) to a kernel tensor. int64/uint64
 * become exact doubles (beyond 2^53 rounded, see `tensor.ts`).
 */
export function tensorFromLoaded(dtype: string, dims: readonly number[], data: LoadedData, what: string): Tensor {
  if (!isKernelDType(dtype)) throw new KernelError("UNSUPPORTED_FEATURE", `${what}: element type ${dtype} is not supported by the kernel`);
  if (Array.isArray(data)) throw new KernelError("UNSUPPORTED_FEATURE", `${what}: string tensors are not supported`);
  const n = sizeOf(dims);
  if (data.length !== n) throw new KernelError("BAD_GRAPH", `${what}: ${data.length} elements for dims [${dims.join(",")}]`);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(data[i] as bigint);
    return { dtype, dims: [...dims], data: out };
  }
  const out = allocData(dtype, n);
  out.set(data as ArrayLike<number>);
  return { dtype, dims: [...dims], data: out };
}

function shorthand(v: Exclude<AttributeOverride["value"], null>): Attr {
  if (typeof v === "number") return Number.isInteger(v) ? { type: "int", value: v } : { type: "float", value: v };
  if (typeof v === "string") return { type: "string", value: v };
  if (Array.isArray(v)) return { type: "ints", value: [...(v as readonly number[])] };
  return v as Attr;
}

/** The graph's nodes with overrides applied (copies; the model is never mutated). */
function applyOverrides(g: Graph, overrides: readonly AttributeOverride[]): Node[] {
  const byNode = new Map<string, AttributeOverride[]>();
  for (const o of overrides) {
    const l = byNode.get(o.node) ?? [];
    l.push(o);
    byNode.set(o.node, l);
  }
  for (const name of byNode.keys()) {
    if (!g.nodes.some((n) => n.name === name)) throw new KernelError("BAD_GRAPH", `override names node "${name}", which is not in the graph`);
  }
  return g.nodes.map((n) => {
    const os = byNode.get(n.name);
    if (os === undefined) return n;
    const attrs = new Map(n.attrs);
    for (const o of os) {
      if (o.value === null) attrs.delete(o.attribute);
      else attrs.set(o.attribute, shorthand(o.value));
    }
    return { ...n, attrs };
  });
}

/** Kahn's algorithm over value dependencies; file order breaks ties. */
function topoOrder(g: Graph, nodes: readonly Node[]): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === "") continue;
      if (producer.has(o)) throw new KernelError("BAD_GRAPH", `value "${o}" is produced by two nodes`, n.name, n.opType);
      producer.set(o, i);
    }
  });
  const available = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  const indeg = new Array<number>(nodes.length).fill(0);
  const users = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const v of n.inputs) {
      if (v === "") continue;
      const p = producer.get(v);
      if (p !== undefined) deps.add(p);
      else if (!available.has(v)) throw new KernelError("BAD_GRAPH", `input "${v}" is neither a graph input, an initializer nor a node output`, n.name, n.opType);
    }
    indeg[i] = deps.size;
    for (const p of deps) {
      const l = users.get(p) ?? [];
      l.push(i);
      users.set(p, l);
    }
  });
  const ready: number[] = [];
  indeg.forEach((d, i) => {
    if (d === 0) ready.push(i);
  });
  const out: Node[] = [];
  // A min-ordered ready list keeps file order where possible (stable, readable progress).
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift() as number;
    out.push(nodes[i] as Node);
    for (const u of users.get(i) ?? []) {
      indeg[u] = (indeg[u] as number) - 1;
      if (indeg[u] === 0) ready.push(u);
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.find((_, i) => (indeg[i] as number) > 0);
    throw new KernelError("BAD_GRAPH", "the graph has a cycle", stuck?.name ?? "", stuck?.opType ?? "");
  }
  return out;
}

function inputDims(name: string, declared: readonly (unknown)[] | null, opts: RunOptions): number[] {
  const given = opts.inputShapes instanceof Map ? opts.inputShapes.get(name) : (opts.inputShapes as Readonly<Record<string, readonly number[]>> | undefined)?.[name];
  if (given !== undefined) return [...given];
  if (declared === null) throw new KernelError("BAD_GRAPH", `graph input "${name}" has no declared shape; pass its dims in inputShapes`);
  return declared.map((d, i) => {
    if (isConst(d as never) && (d as number) >= 0) return d as number;
    throw new KernelError("BAD_GRAPH", `graph input "${name}" dim ${i} is not a concrete size; pass its dims in inputShapes`);
  });
}

/** Seeded random input: floats uniform in [-1, 1), integers in [0, 4), booleans fair. */
export function randomInput(dtype: KernelDType, dims: readonly number[], seed: number): Tensor {
  const rnd = mulberry32(seed);
  const n = sizeOf(dims);
  const data = allocData(dtype, n);
  if (dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16") for (let i = 0; i < n; i++) data[i] = rnd() * 2 - 1;
  else if (dtype === "bool") for (let i = 0; i < n; i++) data[i] = rnd() < 0.5 ? 1 : 0;
  else for (let i = 0; i < n; i++) data[i] = Math.floor(rnd() * 4);
  return roundToDType({ dtype, dims: [...dims], data });
}

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Run a model. Throws {@link KernelError} (a {@link RuntimeShapeError} for shapes the graph
 * cannot combine) attributed to the failing node.
 */
export function runModel(model: Model, opts: RunOptions = {}): RunResult {
  const t0 = performance.now();
  const g = model.graph;
  const opset = model.opsets.get("") ?? model.opsets.get("ai.onnx") ?? DEFAULT_OPSET;
  const readTensor = opts.readTensor ?? ((t: TensorConst): Tensor => tensorFromLoaded(t.dtype, t.dims, readTensorData(model.file, t), `tensor "${t.name}"`));
  const nodes = topoOrder(g, applyOverrides(g, opts.overrides ?? []));
  const outputNames = new Set(g.outputs.map((o) => o.name));
  const keep = new Set<string>([...outputNames, ...(opts.keep ?? [])]);

  // Remaining consumers of each value.
  const uses = new Map<string, number>();
  for (const n of nodes) for (const v of n.inputs) if (v !== "") uses.set(v, (uses.get(v) ?? 0) + 1);

  const live = new Map<string, Tensor>();
  const values = new Map<string, ValueShape>();
  const record = (name: string, t: Tensor): void => {
    values.set(name, { dims: [...t.dims], dtype: t.dtype });
  };

  // Graph inputs: explicit tensors or seeded random data.
  const seed = opts.seed ?? 1;
  for (const vi of g.inputs) {
    if (g.initializers.has(vi.name)) continue;
    let t = opts.inputs?.get(vi.name);
    if (t === undefined) {
      const dtype = vi.dtype ?? "float32";
      if (!isKernelDType(dtype)) throw new KernelError("UNSUPPORTED_FEATURE", `graph input "${vi.name}" has element type ${dtype}, which the kernel does not support`);
      t = randomInput(dtype, inputDims(vi.name, vi.shape, opts), (seed * 0x9e3779b1 + hashName(vi.name)) >>> 0);
    }
    live.set(vi.name, t);
    record(vi.name, t);
  }
  for (const [name, t] of opts.inputs ?? []) {
    if (!live.has(name)) {
      live.set(name, t);
      record(name, t);
    }
  }

  const ctx: OpContext = { opset, readConst: readTensor };
  let peak = process.memoryUsage.rss();
  const order: string[] = [];
  const total = nodes.length;
  let done = 0;
  for (const node of nodes) {
    if (!hasKernel(node.opType, node.domain)) {
      throw new KernelError("UNSUPPORTED_OP", `no kernel for op ${node.domain === "" ? "" : `${node.domain}.`}${node.opType}`, node.name, node.opType);
    }
    const kernel = KERNELS.get(node.opType);
    if (kernel === undefined) throw new KernelError("UNSUPPORTED_OP", `no kernel for op ${node.opType}`, node.name, node.opType);
    const ins: (Tensor | null)[] = node.inputs.map((v) => {
      if (v === "") return null;
      let t = live.get(v);
      if (t === undefined) {
        const init = g.initializers.get(v);
        if (init === undefined) throw new KernelError("BAD_GRAPH", `value "${v}" is not available`, node.name, node.opType);
        try {
          t = readTensor(init);
        } catch (e) {
          if (e instanceof KernelError) throw e.at(node.name, node.opType);
          throw e;
        }
        live.set(v, t);
        record(v, t);
      }
      return t;
    });
    // Record which attributes the adapter reads: one it never looks at is not modelled, and a
    // result computed without it could be silently wrong (DESIGN.md: never dropped silently).
    const read = new Set<string>();
    const attrs: ReadonlyMap<string, Attr> = {
      get: (k: string) => (read.add(k), node.attrs.get(k)),
      has: (k: string) => (read.add(k), node.attrs.has(k)),
      get size() {
        return node.attrs.size;
      },
      // An adapter that walks the attributes (Constant) looks at all of them.
      keys: () => (readAll(), node.attrs.keys()),
      values: () => (readAll(), node.attrs.values()),
      entries: () => (readAll(), node.attrs.entries()),
      forEach: (fn: (v: Attr, k: string, m: ReadonlyMap<string, Attr>) => void) => (readAll(), node.attrs.forEach(fn)),
      [Symbol.iterator]: () => (readAll(), node.attrs[Symbol.iterator]()),
    };
    function readAll(): void {
      for (const k of node.attrs.keys()) read.add(k);
    }
    const opNode: OpNode = { name: node.name, opType: node.opType, domain: node.domain, attrs, outputs: node.outputs };
    let outs: (Tensor | null)[];
    try {
      outs = kernel(ins, opNode, ctx);
      const ignored = [...node.attrs.keys()].filter((k) => !read.has(k) && !IGNORABLE_ATTRS.has(k));
      if (ignored.length > 0) throw new KernelError("UNSUPPORTED_FEATURE", `attribute${ignored.length > 1 ? "s" : ""} ${ignored.join(", ")} of ${node.opType} ${ignored.length > 1 ? "are" : "is"} not modelled by the kernel`, node.name, node.opType);
    } catch (e) {
      if (e instanceof KernelError) throw e.at(node.name, node.opType);
      const err = new KernelError("UNSUPPORTED_FEATURE", e instanceof Error ? e.message : String(e), node.name, node.opType);
      (err as { cause?: unknown }).cause = e;
      throw err;
    }
    node.outputs.forEach((name, i) => {
      if (name === "") return;
      const t = outs[i];
      if (t === undefined || t === null) throw new KernelError("UNSUPPORTED_FEATURE", `output ${i} ("${name}") is not produced by this kernel`, node.name, node.opType);
      // Half-precision results are computed in float32/double and stored once, rounded.
      roundToDType(t);
      live.set(name, t);
      record(name, t);
    });
    // Free inputs whose last consumer this was.
    for (const v of node.inputs) {
      if (v === "") continue;
      const left = (uses.get(v) ?? 1) - 1;
      uses.set(v, left);
      if (left === 0 && !keep.has(v)) live.delete(v);
    }
    // Outputs nobody consumes and nobody asked for are dropped at once.
    for (const name of node.outputs) if (name !== "" && !uses.has(name) && !keep.has(name)) live.delete(name);
    order.push(node.name);
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    done++;
    if (opts.onProgress !== undefined) {
      let liveBytes = 0;
      for (const d of new Set([...live.values()].map((t) => t.data))) liveBytes += d.byteLength;
      opts.onProgress({
        done,
        total,
        node: node.name,
        opType: node.opType,
        outputDims: node.outputs.map((_, i) => (outs[i] === null || outs[i] === undefined ? null : [...(outs[i] as Tensor).dims])),
        elapsedMs: performance.now() - t0,
        liveBytes,
      });
    }
  }

  const outputs = new Map<string, Tensor>();
  for (const name of keep) {
    let t = live.get(name);
    if (t === undefined) {
      const init = g.initializers.get(name);
      if (init !== undefined) t = readTensor(init);
    }
    if (t === undefined) {
      if (outputNames.has(name)) throw new KernelError("BAD_GRAPH", `graph output "${name}" was never produced`);
      continue;
    }
    outputs.set(name, t);
    if (!values.has(name)) record(name, t);
  }
  return { values, outputs, peakRssBytes: peak, elapsedMs: performance.now() - t0, order };
}
