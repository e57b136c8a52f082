/**
 * A compact builder of IR graphs for the tensor-op tests: inputs with symbolic dims, initializers
 * with values, nodes with typed attributes, and readers of the propagated shapes and values.
 */
import { type Dim, formatDim, sym } from "../../../src/ir/dim.js";
import type { DType } from "../../../src/ir/dtype.js";
import type { Attr, Graph, Model, Node, TensorConst, ValueInfo } from "../../../src/ir/graph.js";
import { type ShapeResult, propagate } from "../../../src/shapes/propagate.js";

/** A dim given to the builder: integer, symbol name, or unknown. */
export type DimSpec = number | string | null;

/** Attribute constructors. */
export const at = {
  int: (value: number): Attr => ({ type: "int", value }),
  ints: (value: readonly number[]): Attr => ({ type: "ints", value }),
  float: (value: number): Attr => ({ type: "float", value }),
  floats: (value: readonly number[]): Attr => ({ type: "floats", value }),
  str: (value: string): Attr => ({ type: "string", value }),
  tensor: (dtype: DType, dims: readonly number[], values: readonly number[], inexact = false): Attr => ({
    type: "tensor",
    value: { name: "", dtype, dims, data: { kind: "none" }, values, ...(inexact ? { inexact } : {}) },
  }),
  graph: (value: Graph): Attr => ({ type: "graph", value }),
};

function dimOf(d: DimSpec): Dim | null {
  return typeof d === "string" ? sym(d) : d;
}

/** Builds one graph; `model()` wraps it with an opset. */
export class GraphBuilder {
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, TensorConst>();
  private count = 0;
  readonly name: string;
  constructor(name = "g") {
    this.name = name;
  }

  /** A graph input. */
  input(name: string, shape: readonly DimSpec[] | null, dtype: DType = "float32"): string {
    this.inputs.push({ name, dtype, shape: shape === null ? null : shape.map(dimOf) });
    return name;
  }

  /** An initializer with decoded values. */
  init(name: string, dtype: DType, dims: readonly number[], values: readonly number[], inexact = false): string {
    this.initializers.set(name, { name, dtype, dims, data: { kind: "none" }, values, ...(inexact ? { inexact } : {}) });
    return name;
  }

  /** An int64 initializer `[v...]` (1-D) or scalar when `scalar` is set. */
  ints(name: string, values: readonly number[], scalar = false): string {
    return this.init(name, "int64", scalar ? [] : [values.length], values);
  }

  /** A node; returns its output names (generated when a count is given). */
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attrs: Record<string, Attr> = {}): string[] {
    const outs = typeof outputs === "number" ? Array.from({ length: outputs }, (_, k) => `${opType.toLowerCase()}${this.count}_${k}`) : [...outputs];
    const name = `${opType}_${this.count++}`;
    this.nodes.push({ name, opType, domain: "", inputs, outputs: outs, attrs: new Map(Object.entries(attrs)), loc: { nodeName: name } });
    return outs;
  }

  /** One-output node shorthand. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(opType, inputs, 1, attrs)[0]!;
  }

  /** Declare a graph output (no shape). */
  output(name: string, shape: readonly DimSpec[] | null = null, dtype: DType | null = null): void {
    this.outputs.push({ name, dtype, shape: shape === null ? null : shape.map(dimOf) });
  }

  graph(): Graph {
    return { name: this.name, inputs: this.inputs, outputs: this.outputs, valueInfo: new Map(), initializers: this.initializers, nodes: this.nodes };
  }

  model(opset = 17): Model {
    return { format: "onnx", flavour: "onnx", file: "test.onnx", graph: this.graph(), producer: null, irVersion: 8, opsets: new Map([["", opset]]) };
  }

  /** Propagate at an opset. */
  run(opset = 17): Run {
    return new Run(propagate(this.model(opset)));
  }
}

/** Readers of a propagation result. */
export class Run {
  readonly r: ShapeResult;
  constructor(r: ShapeResult) {
    this.r = r;
  }
  info(name: string) {
    const v = this.r.values.get(name);
    if (!v) throw new Error(`no value ${name}`);
    return v;
  }
  /** Formatted shape, e.g. `["N", "3", "2*H"]`; `null` for an unknown rank. */
  shape(name: string): string[] | null {
    const s = this.info(name).shape;
    return s === null ? null : s.map(formatDim);
  }
  /** Formatted value elements; `undefined` when not tracked. */
  value(name: string): string[] | undefined {
    return this.info(name).value?.map(formatDim);
  }
  dtype(name: string) {
    return this.info(name).dtype;
  }
  codes(): string[] {
    return this.r.contradictions.map((c) => c.code);
  }
  facts(kind?: string) {
    return this.r.facts.filter((f) => kind === undefined || f.kind === kind);
  }
}
