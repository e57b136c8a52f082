/**
 * The shape-function API. One definition per op (or op family) and opset range; ONNX ops and
 * Keras layers both go through it, and every size formula lives in `conv-geometry.ts`.
 */
import type { Dim } from "../ir/dim.js";
import type { Attr, Graph, Node, TensorConst } from "../ir/graph.js";
import type { TensorInfo } from "./tensor-info.js";

/** A provable inconsistency found while inferring one node (e.g. Concat of 22 and 23). */
export interface Contradiction {
  readonly node: Node;
  /** Stable code, e.g. `CONCAT_MISMATCH`, `BROADCAST_MISMATCH`, `CHANNEL_MISMATCH`, `NONPOSITIVE_DIM`. */
  readonly code: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * True when the node reads a value computed downstream of an earlier contradiction: the graph
   * would already have failed there, so this one is a consequence, not a root cause.
   */
  readonly cascade?: boolean;
}

/** A fact recorded for rules: a runtime divergence, an unmodelled attribute, a chosen default. */
export interface Fact {
  readonly node: Node;
  /** E.g. `runtime-divergence`, `unmodelled-attribute`, `declared-conflict`. */
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A size that must be at least `min` (default 1) for the graph to run. */
export interface Constraint {
  readonly node: Node;
  readonly dim: Dim;
  readonly min: number;
  /** What the size is, e.g. `output height of Conv`. */
  readonly what: string;
}

/** What a shape function can see and say about the node being inferred. */
export interface InferContext {
  readonly node: Node;
  /** Opset version of the node's domain in this model. */
  readonly opset: number;
  readonly graph: Graph;
  /** Number of input slots (including omitted optional ones). */
  readonly inputCount: number;
  /** True when input `i` is given (not omitted with `""`). */
  hasInput(i: number): boolean;
  /** Propagated info of input `i`; `null` when omitted or nothing is known. */
  input(i: number): TensorInfo | null;
  /** Constant value of input `i` when it is an initializer or Constant (decoded small tensors). */
  constInput(i: number): TensorConst | null;
  attr(name: string): Attr | undefined;
  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  ints(name: string, fallback: readonly number[]): readonly number[];
  ints(name: string): readonly number[] | undefined;
  float(name: string, fallback: number): number;
  floats(name: string): readonly number[] | undefined;
  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  /** Record a provable inconsistency; propagation goes on. */
  contradiction(code: string, message: string, data?: Record<string, unknown>): void;
  /** Record a fact for the rules. */
  fact(kind: string, data: Record<string, unknown>): void;
  /** Record that `dim >= min` must hold for the graph to run (default min 1). */
  require(dim: Dim, what: string, min?: number): void;
  /** Propagate a nested graph (If/Loop body) with the given formal input infos; returns its outputs. */
  subgraph(g: Graph, inputs: readonly TensorInfo[]): (TensorInfo | null)[];
}

/** Result of a shape function: one entry per output (`null` = unknown), or `null` = all unknown. */
export type InferResult = readonly (TensorInfo | null)[] | null;

/** A shape function for one op type and a range of opset versions. */
export interface OpDef {
  readonly type: string;
  /** `""` (ai.onnx), `"com.microsoft"`, `"keras"` ... */
  readonly domain: string;
  /** First opset version this definition applies to; the highest `since <= opset` is chosen. */
  readonly since: number;
  /** Attributes the definition models; any other attribute on a node is reported as a fact. */
  readonly attrs?: readonly string[];
  readonly infer: (ctx: InferContext) => InferResult;
}

/** Identity helper that types an op definition. */
export function defineOp(def: OpDef): OpDef {
  return def;
}

/** Define the same shape function for several op types. */
export function defineOps(types: readonly string[], def: Omit<OpDef, "type">): OpDef[] {
  return types.map((type) => ({ ...def, type }));
}

/** An `int` attribute's value, or the fallback when absent or of another type. */
export function intOf(a: Attr | undefined, fallback?: number): number | undefined {
  return a?.type === "int" ? a.value : fallback;
}

/** An `ints` attribute's value, or the fallback. */
export function intsOf(a: Attr | undefined, fallback?: readonly number[]): readonly number[] | undefined {
  return a?.type === "ints" ? a.value : fallback;
}

/** A `float` attribute's value (an `int` is accepted, as ONNX writers mix them), or the fallback. */
export function floatOf(a: Attr | undefined, fallback: number): number {
  return a?.type === "float" ? a.value : a?.type === "int" ? a.value : fallback;
}

/** A `floats` attribute's value, or `undefined`. */
export function floatsOf(a: Attr | undefined): readonly number[] | undefined {
  return a?.type === "floats" ? a.value : undefined;
}

/** A `string` attribute's value, or the fallback. */
export function stringOf(a: Attr | undefined, fallback?: string): string | undefined {
  return a?.type === "string" ? a.value : fallback;
}

/** The typed attribute readers of an {@link InferContext}, over a node's attribute lookup. */
export type AttrReaders = Pick<InferContext, "attr" | "int" | "ints" | "float" | "floats" | "string">;

/** Typed readers over an attribute lookup (for contexts built outside propagation, e.g. tests). */
export function attrReaders(attr: (name: string) => Attr | undefined): AttrReaders {
  return {
    attr,
    int: ((name: string, fallback?: number) => intOf(attr(name), fallback)) as InferContext["int"],
    ints: ((name: string, fallback?: readonly number[]) => intsOf(attr(name), fallback)) as InferContext["ints"],
    float: (name, fallback) => floatOf(attr(name), fallback),
    floats: (name) => floatsOf(attr(name)),
    string: ((name: string, fallback?: string) => stringOf(attr(name), fallback)) as InferContext["string"],
  };
}
