/**
 * Graph helpers shared by rules: the propagated shape of a value and the node that last changed
 * its size. A merge of 22 and 23 is explained by the upsampler that made 22 and the encoder
 * layer that made 23, not by the Relu in between; so the walk skips shape-preserving ops.
 */
import { dimEquals } from "../ir/dim.js";
import type { Node, Shape } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";

/**
 * Ops whose output has the shape of their (first non-constant) input: activations,
 * normalisations, dropout, casts (ONNX op types and Keras layer class names).
 */
export const SHAPE_PRESERVING_OPS: ReadonlySet<string> = new Set([
  // ONNX
  "Abs", "BatchNormalization", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Dropout", "Elu", "Erf", "Exp", "Floor",
  "Gelu", "GroupNormalization", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization", "LRN",
  "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "MeanVarianceNormalization", "Mish", "Neg", "Not", "PRelu",
  "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Softmax", "Softplus", "Softsign", "Sqrt", "Tanh",
  "ThresholdedRelu",
  // Keras
  "Activation", "ActivityRegularization", "AlphaDropout", "ELU", "GaussianDropout", "GaussianNoise", "LeakyReLU",
  "PReLU", "ReLU", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ThresholdedReLU", "UnitNormalization",
]);

/** The propagated shape of a value; `null` when unknown. */
export function shapeOf(shapes: ShapeResult, value: string): Shape | null {
  return shapes.values.get(value)?.shape ?? null;
}

/** True when a value is a constant (initializer) rather than computed. */
function isConstant(shapes: ShapeResult, value: string): boolean {
  return shapes.model.graph.initializers.has(value);
}

/** The input a shape-preserving node passes its shape through: the first non-constant one. */
function passThroughInput(shapes: ShapeResult, node: Node): string | undefined {
  return node.inputs.find((i) => i !== "" && !isConstant(shapes, i));
}

function sameShape(a: Shape | null, b: Shape | null): boolean {
  if (a === null || b === null || a.length !== b.length) return false;
  return a.every((d, i) => dimEquals(d, b[i]));
}

/** Where a value's size comes from. */
export interface SizeSource {
  /** The node that produced the size (`undefined` when the value is a graph input). */
  readonly node: Node | undefined;
  /** The value that node produced (or the graph input's name). */
  readonly value: string;
  /** Shape-preserving nodes walked through, nearest first. */
  readonly through: readonly Node[];
}

/**
 * Walk back from `value` through shape-preserving ops (by op type, or any single-data-input
 * node whose output shape equals its input's) to the node that set its size.
 */
export function sizeSource(shapes: ShapeResult, value: string): SizeSource {
  const through: Node[] = [];
  let current = value;
  const seen = new Set<string>();
  for (;;) {
    seen.add(current);
    const node = shapes.producers.get(current);
    if (!node) return { node: undefined, value: current, through };
    const input = passThroughInput(shapes, node);
    const preserving =
      input !== undefined &&
      (SHAPE_PRESERVING_OPS.has(node.opType) ||
        (node.inputs.filter((i) => i !== "" && !isConstant(shapes, i)).length === 1 && sameShape(shapeOf(shapes, current), shapeOf(shapes, input))));
    if (!preserving || input === undefined || seen.has(input)) return { node, value: current, through };
    through.push(node);
    current = input;
  }
}
