/**
 * shapelint's public API: load a model, propagate shapes, lint.
 */
export type { Dim } from "./ir/dim.js";
export { formatDim, sym } from "./ir/dim.js";
export type { Graph, Model, Node, Shape, SourceLocation, TensorConst, ValueInfo } from "./ir/graph.js";
export { LoadError } from "./loaders/load-error.js";
export { propagate } from "./shapes/propagate.js";
export type { PropagateOptions, ShapeResult } from "./shapes/propagate.js";
export type { TensorInfo } from "./shapes/tensor-info.js";
