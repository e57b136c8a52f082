/**
 * Keras model config -> flat graph IR (KERAS_JSON.md section 10).
 *
 * Naming scheme (what a user sees in findings):
 * - A graph node is one call of one layer. Its name is the layer name for the layer's first saved
 *   call and `layer@j` for saved call `j` of a shared layer (`j` = index into the layer's
 *   `inbound_nodes`).
 * - Nested models (a `Functional`/`Model`/`Sequential` entry used as a layer) are expanded inline.
 *   Their layers are named `<model call>/<layer>`, e.g. `encoder/conv2d_1`; the second call of a
 *   shared sub-model gives `functional_4@1/dense_8`. `loc.scope` lists the enclosing sub-model
 *   names (outermost first, the root model excluded: it is `Graph.name`), `loc.nodeName` is the
 *   plain layer name and `loc.pointer` the layer's JSON pointer (shared calls share it).
 * - The `InputLayer` of a nested model becomes a node (`encoder/input_1`) that binds the outer
 *   tensor, so a call on a shape the sub-model was not built for is visible.
 * - A value (tensor) is named after its producing node; output `t > 0` is `<node>:<t>`. Graph
 *   inputs are the `InputLayer` names (a Sequential without one: `<first layer>_input`, as Keras
 *   names it).
 *
 * Unknown input dims: the batch axis stays `null` (propagation names it `<input>_d0`). Other
 * `None` axes get readable, deterministic symbols: for rank 3/4/5 inputs the spatial axes are
 * `L` / `H, W` / `D, H, W` and the channel axis `C`, placed by the `data_format` of the input's
 * first consumer (channels_last unless it says otherwise); the remaining axes of other ranks are
 * `L` for axis 1 and `d<axis>` beyond. With several graph inputs every name is prefixed with the
 * input name: `input_1_H`.
 *
 * Shapes the file records (Keras 3 `__keras_tensor__` shapes of every consumed tensor, the
 * `build_config.input_shape` of the next layer in a Sequential, a `Lambda`'s `output_shape`) are
 * declared in `Graph.valueInfo`; propagation uses them only where inference knows nothing
 * (opaque layers), and lists those values in `fromDeclaration`.
 */
import type { Attr, Graph, Node, Shape, ShapeDim, ValueInfo } from "../../ir/graph.js";
import type { DType } from "../../ir/dtype.js";
import { sym } from "../../ir/dim.js";
import { LoadError, type LoadErrorCode } from "../load-error.js";
import { canonicalClassName, mergeModeClass } from "../../shapes/ops/keras/names.js";
import { kerasDtype, unwrapTuple } from "../../shapes/ops/keras/config.js";
import { type JsonSource, jsonPointer } from "./json-source.js";

type Path = readonly (string | number)[];
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** What the builder needs to know about the file. */
export interface BuildOptions {
  readonly source: JsonSource;
  /** The model config object `{class_name, config}` (or a bare layer list). */
  readonly root: unknown;
  /** JSON path of `root` inside the parsed document. */
  readonly rootPath: Path;
  /** File name for locations. */
  readonly file: string;
  /** Keras major version whose conventions the file follows (node-index offsets, Keras 1 names). */
  readonly major: 1 | 2 | 3;
}

/** A layer entry of a model config. */
interface Entry {
  readonly index: number;
  readonly name: string;
  readonly className: string;
  readonly opType: string;
  readonly module: string | null;
  readonly registeredName: string | null;
  readonly config: Obj;
  readonly path: Path;
  /** `inbound_nodes` (functional entries); `null` in a Sequential. */
  readonly inbound: readonly unknown[] | null;
  readonly buildConfig: unknown;
  readonly model: ModelDef | null;
  readonly isInput: boolean;
}

/** A (sub-)model config. */
interface ModelDef {
  readonly kind: "functional" | "sequential";
  readonly name: string;
  readonly entries: readonly Entry[];
  readonly byName: ReadonlyMap<string, Entry>;
  readonly config: Obj | null;
  readonly path: Path;
  /** For nested Sequentials: whether an input shape was ever known (tf.keras skips the node offset otherwise). */
  readonly hasInputShape: boolean;
}

/** A tensor reference `[layer, call, output]` and where it is written. */
interface Ref {
  readonly layer: string;
  readonly call: number;
  readonly output: number;
  readonly path: Path;
  /** Keras 3 records the shape of every consumed tensor. */
  readonly shape?: unknown;
  readonly dtype?: unknown;
}

interface NodeRec {
  name: string;
  opType: string;
  inputs: string[];
  attrs: Map<string, Attr>;
  entry: Entry;
  scope: readonly string[];
}

interface Scope {
  readonly model: ModelDef;
  /** Prefix of node names: `""` at the root, `encoder/` inside a nested call. */
  readonly prefix: string;
  /** Enclosing sub-model names (root excluded). */
  readonly names: readonly string[];
  readonly top: boolean;
  /** Values of this scope's InputLayers. */
  readonly inputValues: Map<string, string>;
}

const ALIAS = "\u0001";

/** Build the flat graph of a Keras model config. Throws {@link LoadError} with a JSON pointer for structural problems. */
export function buildKerasGraph(opts: BuildOptions): Graph {
  return new Builder(opts).build();
}

class Builder {
  private readonly opts: BuildOptions;
  private readonly nodes: NodeRec[] = [];
  private readonly outCount = new Map<string, number>();
  private readonly aliases = new Map<string, string>();
  private readonly pendingAliases: { key: string; ref: Ref }[] = [];
  private readonly declared = new Map<string, { shape: Shape | null; dtype: DType | null }>();
  private readonly inputs: ValueInfo[] = [];

  constructor(opts: BuildOptions) {
    this.opts = opts;
  }

  // -------------------------------------------------------------------------------------------
  // Errors and locations.

  private where(path: Path): { pointer: string; line?: number; column?: number } {
    const pointer = jsonPointer(path);
    const off = this.opts.source.offsetAt(path);
    if (off === undefined) return { pointer };
    const pos = this.opts.source.position(off);
    return { pointer, line: pos.line, column: pos.column };
  }

  private fail(code: LoadErrorCode, message: string, path: Path, node?: string): never {
    const w = this.where(path);
    throw new LoadError(code, message, node === undefined ? w : { ...w, node });
  }

  // -------------------------------------------------------------------------------------------
  // Parsing model configs.

  private parseModel(obj: unknown, path: Path, nameHint: string): ModelDef {
    let cfg: unknown;
    let layers: unknown;
    let layersPath: Path;
    let className = "";
    if (Array.isArray(obj)) {
      // A bare list of layers: a Sequential.
      cfg = null;
      layers = obj;
      layersPath = path;
    } else if (isObj(obj)) {
      className = typeof obj["class_name"] === "string" ? obj["class_name"] : "";
      cfg = obj["config"];
      if (Array.isArray(cfg)) {
        // Keras 1 and Keras <= 2.2.2 Sequential: config is the layer list.
        layers = cfg;
        layersPath = [...path, "config"];
        cfg = null;
      } else if (isObj(cfg)) {
        layers = cfg["layers"];
        layersPath = [...path, "config", "layers"];
      } else {
        return this.fail("MALFORMED", `model '${nameHint}' has no 'config' object`, path);
      }
    } else {
      return this.fail("MALFORMED", `expected a model config object, got ${JSON.stringify(obj)?.slice(0, 40)}`, path);
    }
    if (!Array.isArray(layers)) {
      return this.fail(
        "NO_MODEL_CONFIG",
        `model '${nameHint}' (${className || "?"}) has no layer list ('config.layers'): a subclassed model keeps its graph in Python code, not in the file`,
        path,
      );
    }
    const c = cfg as Obj | null;
    const functional = c !== null && (Object.hasOwn(c, "input_layers") || Object.hasOwn(c, "output_layers")) && className !== "Sequential";
    const kind = functional ? "functional" : "sequential";
    const name = c !== null && typeof c["name"] === "string" ? c["name"] : nameHint;
    const entries: Entry[] = [];
    const byName = new Map<string, Entry>();
    layers.forEach((l, i) => {
      const e = this.parseEntry(l, [...layersPath, i], i, kind);
      if (byName.has(e.name)) this.fail("MALFORMED", `model '${name}' has two layers named '${e.name}'`, e.path);
      byName.set(e.name, e);
      entries.push(e);
    });
    let hasInputShape = c !== null && c["build_input_shape"] !== undefined && c["build_input_shape"] !== null;
    const first = entries[0];
    if (first && (first.isInput || readShape(inputShapeHint(first)) !== null)) hasInputShape = true;
    return { kind, name, entries, byName, config: c, path, hasInputShape };
  }

  private parseEntry(l: unknown, path: Path, index: number, kind: "functional" | "sequential"): Entry {
    if (!isObj(l)) return this.fail("MALFORMED", `layer entry ${index} must be an object with 'class_name' and 'config'`, path);
    const className = l["class_name"];
    if (typeof className !== "string") return this.fail("MALFORMED", `layer entry ${index} has no 'class_name'`, path);
    const config = l["config"];
    if (!isObj(config)) return this.fail("MALFORMED", `layer entry ${index} ('${className}') has no 'config' object`, path);
    const rawName = typeof l["name"] === "string" ? l["name"] : typeof config["name"] === "string" ? config["name"] : null;
    if (rawName === null && kind === "functional") return this.fail("MALFORMED", `layer entry ${index} ('${className}') has no name`, path);
    const name = rawName ?? `${className.toLowerCase()}_${index}`;
    const module = typeof l["module"] === "string" ? l["module"] : null;
    const registeredName = typeof l["registered_name"] === "string" ? l["registered_name"] : null;
    const inboundRaw = l["inbound_nodes"];
    let inbound: unknown[] | null = null;
    if (kind === "functional") {
      if (inboundRaw === undefined || inboundRaw === null) inbound = [];
      else if (Array.isArray(inboundRaw)) inbound = inboundRaw;
      else return this.fail("MALFORMED", `layer '${name}': 'inbound_nodes' must be a list`, [...path, "inbound_nodes"]);
    }
    // Keras 1 `Merge` keeps its input models under `layers`; it is a layer, not a sub-model.
    const nested = className !== "Merge" && (Array.isArray(config["layers"]) || className === "Sequential" || className === "Functional" || className === "Model");
    const model = nested ? this.parseModel(l, path, name) : null;
    const opType = model ? className : layerOpType(className, module, registeredName, config);
    return {
      index,
      name,
      className,
      opType,
      module,
      registeredName,
      config,
      path,
      inbound,
      buildConfig: l["build_config"],
      model,
      isInput: className === "InputLayer" && model === null,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Building.

  build(): Graph {
    const root = this.parseModel(this.opts.root, this.opts.rootPath, "model");
    const scope: Scope = { model: root, prefix: "", names: [], top: true, inputValues: new Map() };
    const outputs = root.kind === "functional" ? this.expandFunctional(scope, null) : this.expandSequential(scope, null);
    for (const p of this.pendingAliases) {
      if (!this.aliases.has(p.key)) {
        this.fail("DANGLING_INPUT", `reference to output ${p.ref.output} of nested model '${p.ref.layer}' (call ${p.ref.call}), which has no such output`, p.ref.path);
      }
    }
    const nodes = this.finishNodes();
    const valueInfo = new Map<string, ValueInfo>();
    for (const [key, d] of this.declared) {
      const name = this.resolve(key);
      if (!valueInfo.has(name) && !this.inputs.some((i) => i.name === name)) valueInfo.set(name, { name, dtype: d.dtype, shape: d.shape });
    }
    const graphOutputs: ValueInfo[] = outputs.map((o) => ({ name: this.resolve(o), dtype: null, shape: null }));
    this.checkUniqueAndAcyclic(nodes);
    const inputs = this.nameInputDims(nodes);
    return { name: root.name, inputs, outputs: graphOutputs, valueInfo, initializers: new Map(), nodes };
  }

  private resolve(key: string): string {
    let k = key;
    for (let guard = 0; k.startsWith(ALIAS); guard++) {
      const next = this.aliases.get(k);
      if (next === undefined || guard > 10_000) throw new LoadError("DANGLING_INPUT", `unresolved nested-model output ${k.slice(1)}`);
      k = next;
    }
    return k;
  }

  private finishNodes(): Node[] {
    return this.nodes.map((r) => {
      const count = Math.max(1, (this.outCount.get(r.name) ?? 0) + 1);
      const outputs: string[] = [];
      for (let t = 0; t < count; t++) outputs.push(valueName(r.name, t));
      const w = this.where(r.entry.path);
      const loc = {
        file: this.opts.file,
        nodeName: r.entry.name,
        pointer: w.pointer,
        ...(w.line !== undefined ? { line: w.line, column: w.column! } : {}),
        scope: r.scope,
      };
      return { name: r.name, opType: r.opType, domain: "keras", inputs: r.inputs.map((i) => this.resolve(i)), outputs, attrs: r.attrs, loc };
    });
  }

  private checkUniqueAndAcyclic(nodes: readonly Node[]): void {
    const producer = new Map<string, number>();
    const inputNames = new Set(this.inputs.map((i) => i.name));
    nodes.forEach((n, i) => {
      for (const o of n.outputs) {
        if (producer.has(o) || inputNames.has(o)) {
          const r = this.nodes[i]!;
          this.fail("MALFORMED", `two layers end up with the name '${o}' after nested-model scoping`, r.entry.path, n.name);
        }
        producer.set(o, i);
      }
    });
    // Kahn's algorithm; a leftover node lies on (or behind) a cycle of inbound references.
    const indeg = nodes.map(() => 0);
    const users: number[][] = nodes.map(() => []);
    nodes.forEach((n, i) => {
      const deps = new Set<number>();
      for (const x of n.inputs) {
        const p = producer.get(x);
        if (p !== undefined) deps.add(p);
      }
      indeg[i] = deps.size;
      for (const p of deps) users[p]!.push(i);
    });
    const queue: number[] = [];
    indeg.forEach((d, i) => d === 0 && queue.push(i));
    for (let q = 0; q < queue.length; q++) for (const u of users[queue[q]!]!) if (--indeg[u]! === 0) queue.push(u);
    if (queue.length === nodes.length) return;
    // Report a node that is on a cycle: walk back along unfinished inputs until a node repeats.
    let i = indeg.findIndex((d) => d > 0);
    const seen = new Set<number>();
    while (!seen.has(i)) {
      seen.add(i);
      const back = nodes[i]!.inputs.map((x) => producer.get(x)).find((p) => p !== undefined && indeg[p]! > 0);
      if (back === undefined) break;
      i = back;
    }
    const r = this.nodes[i]!;
    const cycle: string[] = [];
    let j = i;
    do {
      cycle.push(nodes[j]!.name);
      j = nodes[j]!.inputs.map((x) => producer.get(x)).find((p) => p !== undefined && indeg[p]! > 0) ?? i;
    } while (j !== i && cycle.length < 50);
    this.fail("GRAPH_CYCLE", `the layers' inbound references form a cycle: ${[...cycle, nodes[i]!.name].join(" <- ")}`, r.entry.path, nodes[i]!.name);
  }

  // -------------------------------------------------------------------------------------------
  // Model scopes.

  private expandFunctional(scope: Scope, callInputs: readonly string[] | null): string[] {
    const model = scope.model;
    const cfg = model.config!;
    const inRefs = this.ioRefs(cfg["input_layers"], [...model.path, "config", "input_layers"], model.name, "input_layers");
    if (callInputs !== null && callInputs.length !== inRefs.length) {
      this.fail("MALFORMED", `nested model '${model.name}' takes ${inRefs.length} input(s) but is called with ${callInputs.length}`, model.path);
    }
    inRefs.forEach((ref, k) => {
      const e = model.byName.get(ref.layer);
      if (!e) return this.fail("DANGLING_INPUT", `model '${model.name}' lists input '${ref.layer}', which is not one of its layers`, ref.path);
      if (!e.isInput) return this.fail("MALFORMED", `model '${model.name}' lists '${ref.layer}' (${e.className}) as an input; only InputLayers can be model inputs`, ref.path);
      if (scope.inputValues.has(e.name)) return;
      if (callInputs === null) scope.inputValues.set(e.name, this.addGraphInput(e, scope));
      else scope.inputValues.set(e.name, this.addInputNode(e, scope, callInputs[k]!));
    });
    for (const e of model.entries) {
      if (e.isInput) continue;
      const calls = e.inbound ?? [];
      calls.forEach((node, j) => {
        const nodePath: Path = [...e.path, "inbound_nodes", j];
        const { refs, encoding, kwargs, args } = collectRefs(node, nodePath, (msg, p) => this.fail("MALFORMED", msg, p));
        const inputs = refs.map((r) => this.resolveRef(scope, r, encoding === "dict" ? "node3" : "node2"));
        if (e.model) {
          this.expandNested(scope, e, j, inputs);
        } else {
          const rec = this.addNode(scope, e, j, inputs);
          if (kwargs !== null) rec.attrs.set("call_kwargs", { type: "json", value: kwargs });
          if (args !== null) rec.attrs.set("call_args", { type: "json", value: args });
        }
      });
    }
    const outRefs = this.ioRefs(cfg["output_layers"], [...model.path, "config", "output_layers"], model.name, "output_layers");
    return outRefs.map((r) => this.resolveRef(scope, r, "io"));
  }

  private expandSequential(scope: Scope, callInputs: readonly string[] | null): string[] {
    const model = scope.model;
    const entries = model.entries;
    let start = 0;
    let cur: string;
    const first = entries[0];
    if (callInputs === null) {
      if (first && first.isInput) {
        cur = this.addGraphInput(first, scope);
        start = 1;
      } else {
        // Keras' own name for the implicit input; kept apart from a layer that happens to have it.
        let name = `${first ? first.name : model.name}_input`;
        while (model.byName.has(name)) name += "_";
        const shape = readShape(first ? inputShapeHint(first) : undefined) ?? readShape(model.config?.["build_input_shape"]);
        const dtype = first ? kerasDtype(first.config["dtype"] ?? first.config["input_dtype"]) : null;
        this.inputs.push({ name, dtype, shape });
        cur = name;
      }
    } else {
      if (callInputs.length !== 1) this.fail("MALFORMED", `nested Sequential '${model.name}' takes one input but is called with ${callInputs.length}`, model.path);
      cur = callInputs[0]!;
      if (first && first.isInput) {
        cur = this.addInputNode(first, scope, cur);
        start = 1;
      }
    }
    for (let i = start; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.isInput) this.fail("MALFORMED", `Sequential '${model.name}' has an InputLayer ('${e.name}') after its first layer`, e.path);
      const recorded = isObj(e.buildConfig) ? e.buildConfig["input_shape"] : undefined;
      if (recorded !== undefined) this.declare(cur, recorded, undefined);
      if (e.model) {
        const outs = this.expandNested(scope, e, 0, [cur]);
        if (outs.length !== 1) this.fail("MALFORMED", `layer '${e.name}' of Sequential '${model.name}' has ${outs.length} outputs; a Sequential chains single tensors`, e.path);
        cur = outs[0]!;
      } else {
        cur = valueName(this.addNode(scope, e, 0, [cur]).name, 0);
      }
    }
    return [cur];
  }

  /** Expand call `j` of a nested model entry; records the aliases of its outputs and returns them. */
  private expandNested(scope: Scope, e: Entry, j: number, inputs: readonly string[]): string[] {
    const inner: Scope = {
      model: e.model!,
      prefix: `${scope.prefix}${callName(e.name, j)}/`,
      names: [...scope.names, e.name],
      top: false,
      inputValues: new Map(),
    };
    const outs = inner.model.kind === "functional" ? this.expandFunctional(inner, inputs) : this.expandSequential(inner, inputs);
    outs.forEach((o, t) => this.aliases.set(aliasKey(scope.prefix, e.name, j, t), o));
    return outs;
  }

  private addGraphInput(e: Entry, scope: Scope): string {
    const name = `${scope.prefix}${e.name}`;
    const existing = this.inputs.find((i) => i.name === name);
    if (existing) return name;
    const shape = readShape(inputShapeHint(e));
    const dtype = kerasDtype(e.config["dtype"] ?? e.config["input_dtype"]);
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  private addInputNode(e: Entry, scope: Scope, outer: string): string {
    return valueName(this.addNode(scope, e, 0, [outer]).name, 0);
  }

  private addNode(scope: Scope, e: Entry, call: number, inputs: readonly string[]): NodeRec {
    const attrs = new Map<string, Attr>();
    for (const [k, v] of Object.entries(e.config)) attrs.set(k, { type: "json", value: v });
    if (e.module !== null) attrs.set("keras_module", { type: "json", value: e.module });
    if (e.registeredName !== null) attrs.set("registered_name", { type: "json", value: e.registeredName });
    if (e.buildConfig !== undefined) attrs.set("build_config", { type: "json", value: e.buildConfig });
    const rec: NodeRec = { name: `${scope.prefix}${callName(e.name, call)}`, opType: e.opType, inputs: [...inputs], attrs, entry: e, scope: scope.names };
    this.nodes.push(rec);
    // A Lambda's own output_shape (excluding the batch axis) is the only shape the file gives for it.
    if (e.className === "Lambda") {
      const os = unwrapTuple(e.config["output_shape"]);
      if (Array.isArray(os) && os.every((d) => d === null || isInt(d))) this.declare(valueName(rec.name, 0), [null, ...os], undefined);
    }
    return rec;
  }

  /** Record a shape the file states for a value (first statement wins). */
  private declare(key: string, shape: unknown, dtype: unknown): void {
    if (this.declared.has(key)) return;
    const s = readShape(shape);
    if (s === null) return;
    this.declared.set(key, { shape: s, dtype: kerasDtype(dtype) });
  }

  // -------------------------------------------------------------------------------------------
  // References.

  private ioRefs(v: unknown, path: Path, model: string, what: string): Ref[] {
    // Keras 3 also writes a single bare triple or a dict {name: triple}.
    const out: Ref[] = [];
    const visit = (x: unknown, p: Path): void => {
      if (isRefList(x)) out.push({ layer: x[0] as string, call: x[1] as number, output: x[2] as number, path: p });
      else if (Array.isArray(x)) x.forEach((y, i) => visit(y, [...p, i]));
      else if (isObj(x)) for (const [k, y] of Object.entries(x)) visit(y, [...p, k]);
      else this.fail("MALFORMED", `model '${model}': '${what}' must list [layer, call, output] references, got ${JSON.stringify(x)}`, p);
    };
    if (v === undefined || v === null) return this.fail("MALFORMED", `functional model '${model}' has no '${what}'`, path.slice(0, -1));
    visit(v, path);
    return out;
  }

  /**
   * The value a reference names. `site` says where it is written, which decides the node-index
   * offset of nested models (KERAS_JSON.md section 10.3).
   */
  private resolveRef(scope: Scope, ref: Ref, site: "node2" | "node3" | "io"): string {
    const model = scope.model;
    const e = model.byName.get(ref.layer);
    if (!e) return this.fail("DANGLING_INPUT", `reference to layer '${ref.layer}', which model '${model.name}' does not have`, ref.path);
    if (e.isInput) {
      if (ref.call !== 0 || ref.output !== 0) return this.fail("DANGLING_INPUT", `reference to call ${ref.call}, output ${ref.output} of InputLayer '${ref.layer}', which has only call 0, output 0`, ref.path);
      let v = scope.inputValues.get(e.name);
      if (v === undefined) {
        if (!scope.top) return this.fail("DANGLING_INPUT", `nested model '${model.name}' uses InputLayer '${e.name}', which is not in its 'input_layers'`, ref.path);
        v = this.addGraphInput(e, scope);
        scope.inputValues.set(e.name, v);
      }
      if (ref.shape !== undefined) this.declare(v, ref.shape, ref.dtype);
      return v;
    }
    const saved = (e.inbound ?? []).length;
    if (e.model) {
      const idx = nestedCallIndex(e, ref.call, saved, site, this.opts.major);
      if (idx === null) {
        return this.fail("DANGLING_INPUT", `reference to call ${ref.call} of nested model '${ref.layer}', which has ${saved} saved call(s)`, ref.path);
      }
      const key = aliasKey(scope.prefix, e.name, idx, ref.output);
      this.pendingAliases.push({ key, ref });
      if (ref.shape !== undefined) this.declare(key, ref.shape, ref.dtype);
      return key;
    }
    if (ref.call < 0 || ref.call >= saved) {
      return this.fail("DANGLING_INPUT", `reference to call ${ref.call} of layer '${ref.layer}', which has ${saved} saved call(s)`, ref.path);
    }
    if (ref.output < 0) return this.fail("DANGLING_INPUT", `reference to output ${ref.output} of layer '${ref.layer}'`, ref.path);
    const name = `${scope.prefix}${callName(e.name, ref.call)}`;
    this.outCount.set(name, Math.max(this.outCount.get(name) ?? 0, ref.output));
    const v = valueName(name, ref.output);
    if (ref.shape !== undefined) this.declare(v, ref.shape, ref.dtype);
    return v;
  }

  // -------------------------------------------------------------------------------------------
  // Readable symbols for unknown input dims.

  private nameInputDims(nodes: readonly Node[]): ValueInfo[] {
    const named = this.inputs.filter((vi) => vi.shape !== null && vi.shape.slice(1).some((d) => d === null));
    const several = this.inputs.length > 1;
    return this.inputs.map((vi) => {
      if (vi.shape === null || !named.includes(vi)) return vi;
      const fmt = layoutNear(nodes, vi.name);
      const rank = vi.shape.length;
      const names = axisNames(rank, fmt);
      const prefix = several ? `${vi.name.replace(/[^A-Za-z0-9_]/g, "_")}_` : "";
      const shape: ShapeDim[] = vi.shape.map((d, axis) => (axis === 0 || d !== null ? d : sym(`${prefix}${names[axis] ?? `d${axis}`}`)));
      return { ...vi, shape };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function callName(layer: string, call: number): string {
  return call === 0 ? layer : `${layer}@${call}`;
}

function valueName(node: string, output: number): string {
  return output === 0 ? node : `${node}:${output}`;
}

function aliasKey(prefix: string, layer: string, call: number, output: number): string {
  return `${ALIAS}${prefix}${callName(layer, call)}#${output}`;
}

/** `[name, call, output]` or `[name, call, output, kwargs]`. */
function isRefList(v: unknown): v is unknown[] {
  return Array.isArray(v) && (v.length === 3 || v.length === 4) && typeof v[0] === "string" && isInt(v[1]) && isInt(v[2]) && (v.length === 3 || v[3] === null || isObj(v[3]));
}

/**
 * Every tensor reference of one saved call, in order: positional first, then those inside kwargs.
 * The encoding is decided per node value: a list (Keras 1 3-lists, Keras 2 4-lists) or an
 * `{args, kwargs}` object (Keras 3, also in Keras-3 H5 and TF.js copies).
 */
function collectRefs(
  node: unknown,
  path: Path,
  fail: (message: string, path: Path) => never,
): { refs: Ref[]; encoding: "list" | "dict"; kwargs: Obj | null; args: unknown[] | null } {
  const refs: Ref[] = [];
  if (isObj(node)) {
    const leftoverArgs: unknown[] = [];
    const walk = (v: unknown, p: Path): boolean => {
      if (isObj(v) && v["class_name"] === "__keras_tensor__" && isObj(v["config"])) {
        const cfg = v["config"];
        const h = cfg["keras_history"];
        if (!Array.isArray(h) || typeof h[0] !== "string" || !isInt(h[1]) || !isInt(h[2])) {
          return fail("a __keras_tensor__ without a valid keras_history [layer, call, output]", p);
        }
        refs.push({ layer: h[0], call: h[1], output: h[2], path: [...p, "config", "keras_history"], shape: cfg["shape"], dtype: cfg["dtype"] });
        return true;
      }
      let found = false;
      if (Array.isArray(v)) v.forEach((x, i) => (found = walk(x, [...p, i]) || found));
      else if (isObj(v)) for (const [k, x] of Object.entries(v)) found = walk(x, [...p, k]) || found;
      return found;
    };
    const args = node["args"];
    if (Array.isArray(args)) args.forEach((a, i) => !walk(a, [...path, "args", i]) && leftoverArgs.push(a));
    const kwargs = node["kwargs"];
    let leftoverKwargs: Obj | null = null;
    if (isObj(kwargs)) {
      for (const [k, x] of Object.entries(kwargs)) {
        if (!walk(x, [...path, "kwargs", k])) (leftoverKwargs ??= Object.create(null) as Obj)[k] = x;
      }
    }
    return { refs, encoding: "dict", kwargs: leftoverKwargs, args: leftoverArgs.length > 0 ? leftoverArgs : null };
  }
  if (!Array.isArray(node)) return fail(`an inbound node must be a list of references or an {args, kwargs} object, got ${JSON.stringify(node)?.slice(0, 60)}`, path);
  let kwargs: Obj | null = null;
  const walk = (v: unknown, p: Path): void => {
    if (Array.isArray(v) && v[0] === "_CONSTANT_VALUE" && v[1] === -1) return; // a constant operand, not an edge
    if (isRefList(v)) {
      refs.push({ layer: v[0] as string, call: v[1] as number, output: v[2] as number, path: p });
      const kw = v[3];
      if (isObj(kw)) {
        for (const [k, x] of Object.entries(kw)) {
          const before = refs.length;
          walk(x, [...p, 3, k]);
          if (refs.length === before) (kwargs ??= Object.create(null) as Obj)[k] = x;
        }
      }
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  // A node is a list of references, or (TFOpLambda and other structure-keeping layers in
  // tf.keras 2.4+) a single reference whose kwargs hold further operands.
  walk(node, path);
  return { refs, encoding: "list", kwargs, args: null };
}

/**
 * Saved-call index of reference `[P, k, t]` to a nested model P (KERAS_JSON.md section 10.3):
 * list-style node refs (Keras 1/2, TF.js, H5 copies) and Keras <= 2 `input_layers`/`output_layers`
 * count P's hidden internal call 0, so index = k - 1 (tf.keras skips the offset for a Sequential
 * that never had an input shape); Keras 3 node refs use k; Keras 3 `input_layers`/`output_layers`
 * use k - 1 for a nested Functional and k for a Sequential. When the rule's index does not exist
 * but the other convention's does, the reference itself proves that convention (a reference
 * equal to the number of saved calls can only be offset, one equal to 0 only not).
 */
function nestedCallIndex(e: Entry, k: number, saved: number, site: "node2" | "node3" | "io", major: 1 | 2 | 3): number | null {
  const sequentialNoShape = e.model!.kind === "sequential" && !e.model!.hasInputShape;
  let offset: number;
  if (site === "node3") offset = 0;
  else if (site === "node2") offset = sequentialNoShape ? 0 : 1;
  else if (major >= 3) offset = e.model!.kind === "functional" ? 1 : 0;
  else offset = sequentialNoShape ? 0 : 1;
  const ok = (i: number): boolean => i >= 0 && i < saved;
  if (ok(k - offset)) return k - offset;
  if (ok(k - (1 - offset))) return k - (1 - offset);
  return null;
}

/** The input-shape hint of a layer entry: `batch_input_shape`, `batch_shape`, `input_shape`, Keras 1 `input_dim`. */
function inputShapeHint(e: Entry): unknown {
  const c = e.config;
  if (c["batch_input_shape"] !== undefined && c["batch_input_shape"] !== null) return c["batch_input_shape"];
  if (c["batch_shape"] !== undefined && c["batch_shape"] !== null) return c["batch_shape"];
  const is = unwrapTuple(c["input_shape"]);
  if (Array.isArray(is)) return [null, ...is];
  if (e.opType === "Dense" && isInt(c["input_dim"])) return [null, c["input_dim"]];
  if (e.opType === "Embedding" && isInt(c["input_length"])) return [null, c["input_length"]];
  return undefined;
}

/** A shape from a config value: a list of ints and nulls (`__tuple__` wrappers removed); `null` otherwise. */
function readShape(v: unknown): Shape | null {
  const u = unwrapTuple(v);
  if (!Array.isArray(u)) return null;
  if (u.some((d) => Array.isArray(d))) return null; // a list of shapes (multi-input build_config)
  return u.map((d) => (isInt(d) && d >= 0 ? d : null));
}

/** Node op type of a (non-model) layer entry. */
function layerOpType(className: string, module: string | null, registeredName: string | null, config: Obj): string {
  if (module !== null && (module.startsWith("keras.src.ops") || module.startsWith("keras.ops"))) return `ops.${className}`;
  // Keras 3 custom classes carry a registered name and a non-Keras module (null for __main__).
  const custom = registeredName !== null && (module === null || !module.startsWith("keras"));
  if (custom) return registeredName;
  if (className === "Merge") return mergeModeClass(config["mode"]) ?? "Merge";
  return canonicalClassName(className);
}

/**
 * The data format of the first layer downstream of `value` that states one (breadth first, a few
 * steps: through a nested model's InputLayer, a normalization or an activation); channels_last
 * (Keras' default) when none does.
 */
function layoutNear(nodes: readonly Node[], value: string): "channels_first" | "channels_last" {
  let frontier = [value];
  const seen = new Set<string>(frontier);
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const v of frontier) {
      for (const n of nodes) {
        if (!n.inputs.includes(v)) continue;
        const a = n.attrs.get("data_format") ?? n.attrs.get("dim_ordering");
        const f = a?.type === "json" ? a.value : undefined;
        if (f === "channels_first" || f === "th") return "channels_first";
        if (f === "channels_last" || f === "tf") return "channels_last";
        for (const o of n.outputs) if (!seen.has(o)) (seen.add(o), next.push(o));
      }
    }
    frontier = next;
  }
  return "channels_last";
}

function axisNames(rank: number, fmt: "channels_first" | "channels_last"): string[] {
  const spatial = rank === 3 ? ["L"] : rank === 4 ? ["H", "W"] : rank === 5 ? ["D", "H", "W"] : null;
  const names: string[] = new Array<string>(rank).fill("");
  names[0] = "N";
  if (spatial === null) {
    for (let a = 1; a < rank; a++) names[a] = a === 1 ? "L" : `d${a}`;
    return names;
  }
  if (fmt === "channels_first") {
    names[1] = "C";
    spatial.forEach((s, j) => (names[2 + j] = s));
  } else {
    spatial.forEach((s, j) => (names[1 + j] = s));
    names[rank - 1] = "C";
  }
  return names;
}
