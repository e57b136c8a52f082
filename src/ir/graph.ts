/**
 * The graph IR shared by every loader (ONNX, Keras, TF.js). It is plain data: loaders build it,
 * shape propagation and rules read it, the kernel executes it. Weights are never held here: an
 * initializer records dims, dtype and where its bytes are, plus the decoded values of small
 * tensors (shape constants, Resize scales) that shape computation needs.
 */
import type { Dim } from "./dim.js";
import type { DType } from "./dtype.js";

/** One dim of a declared or inferred shape: an integer, a symbolic expression, or unknown. */
export type ShapeDim = Dim | null;

/** A tensor shape; `null` at the top level means the rank itself is unknown. */
export type Shape = readonly ShapeDim[];

/**
 * Where something sits in its source file. ONNX nodes carry their index and name (binary files
 * have no lines); JSON formats carry an RFC 6901 pointer and, when known, 1-based line/column.
 */
export interface SourceLocation {
  /** Path of the file as the user gave it. */
  readonly file?: string;
  /** Index of the node in its graph's node list (ONNX). */
  readonly nodeIndex?: number;
  /** Name of the node or layer. */
  readonly nodeName?: string;
  /** Byte offset of the record in a binary file. */
  readonly byteOffset?: number;
  /** JSON pointer of the layer object (Keras, TF.js). */
  readonly pointer?: string;
  /** 1-based line of the layer object in a JSON file. */
  readonly line?: number;
  /** 1-based column (UTF-16 code units) of the layer object. */
  readonly column?: number;
  /** Names of the enclosing graphs / sub-models, outermost first. */
  readonly scope?: readonly string[];
}

/** Where the bytes of a tensor are, without reading them. */
export type TensorDataLocation =
  /**
   * Bytes inside the model file: `offset`/`length` of the payload of the TensorProto field that
   * holds the data (`raw` = raw_data, 9; the typed repeated fields are packed varints/fixed).
   */
  | {
      readonly kind: "inline";
      readonly encoding: "raw" | "float_data" | "int32_data" | "int64_data" | "double_data" | "uint64_data" | "string_data";
      readonly offset: number;
      readonly length: number;
    }
  | { readonly kind: "external"; readonly location: string; readonly offset: number; readonly length: number | null }
  | { readonly kind: "none" };

/** A constant tensor (ONNX initializer, Constant value, tensor attribute). */
export interface TensorConst {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Where the payload is in the file; never copied for linting. */
  readonly data: TensorDataLocation;
  /**
   * Decoded element values for small tensors (at most {@link SMALL_TENSOR_LIMIT} elements), as
   * numbers (int64 beyond 2^53 is kept as the nearest double and flagged by `inexact`). Present
   * so that Reshape shapes, Resize scales and Pad amounts can be evaluated.
   */
  readonly values?: readonly number[];
  readonly inexact?: boolean;
}

/** Tensors with at most this many elements have their values decoded at load time. */
export const SMALL_TENSOR_LIMIT = 4096;

/** A node attribute, typed as in ONNX `AttributeProto`. */
export type Attr =
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "tensor"; readonly value: TensorConst }
  | { readonly type: "tensors"; readonly value: readonly TensorConst[] }
  | { readonly type: "graph"; readonly value: Graph }
  | { readonly type: "graphs"; readonly value: readonly Graph[] }
  /** Structured attribute (Keras configs: nested lists, null, objects). */
  | { readonly type: "json"; readonly value: unknown };

/** Declared type and shape of a value (graph input/output, value_info). */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType | null;
  /** Declared shape; `null` when the file does not declare one. */
  readonly shape: Shape | null;
}

/** An operation. Inputs and outputs are value names; `""` is an omitted optional input. */
export interface Node {
  readonly name: string;
  readonly opType: string;
  /** Operator domain: `""` for ai.onnx, `"keras"` for Keras layers, else the ONNX domain. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, Attr>;
  readonly loc: SourceLocation;
}

/** Who wrote the file; fixes are phrased in this framework's terms. */
export interface Producer {
  readonly name: string;
  readonly version: string;
}

/** A graph (the main graph or an If/Loop/Scan body, or a nested Keras model). */
export interface Graph {
  readonly name: string;
  /** Graph inputs that are not initializers, in declaration order. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** value_info entries (declared intermediate shapes). */
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
  readonly initializers: ReadonlyMap<string, TensorConst>;
  /** Nodes in file order (not necessarily topological). */
  readonly nodes: readonly Node[];
}

/** A loaded model file. */
export interface Model {
  readonly format: "onnx" | "keras";
  /** Finer flavour, e.g. `"onnx"`, `"keras2-json"`, `"keras3-json"`, `".keras"`, `"h5"`, `"tfjs"`. */
  readonly flavour: string;
  readonly file: string;
  readonly graph: Graph;
  readonly producer: Producer | null;
  /** ONNX IR version (0 for non-ONNX). */
  readonly irVersion: number;
  /** Opset version per domain (`""` is ai.onnx). Keras models record `{"keras": 2|3}`. */
  readonly opsets: ReadonlyMap<string, number>;
}
