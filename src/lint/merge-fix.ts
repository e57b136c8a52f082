/**
 * The fix of a merge whose decoder side does not match its skip: change the layer that made the
 * decoder side's size (the upsampler, found by walking back through shape-preserving ops) so
 * that it produces the skip's spatial size, and confirm by propagating the fixed copy that the
 * merge agrees and no new contradiction appears.
 */
import type { Dim } from "../ir/dim.js";
import type { Node } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import { type NodeFix, proposeNodeFix, repropagate } from "./fixes.js";
import { sizeSource } from "./graph-walk.js";
import { spatialAxes } from "./pairing.js";

function spatial(result: ShapeResult, value: string, channelsLast: boolean): Dim[] | null {
  const shape = result.values.get(value)?.shape;
  if (!shape) return null;
  const out: Dim[] = [];
  for (const a of spatialAxes(shape.length, channelsLast)) {
    const d = shape[a];
    if (d === null || d === undefined) return null;
    out.push(d);
  }
  return out.length ? out : null;
}

/** A confirmed fix making `decoderValue` (an input of `merge`) match `skipValue`, or `null`. */
export function mergeFix(result: ShapeResult, merge: Node, decoderValue: string, skipValue: string): NodeFix | null {
  const src = sizeSource(result, decoderValue);
  if (!src.node) return null;
  const keras = result.model.format === "keras";
  const target = spatial(result, skipValue, keras);
  const actual = spatial(result, src.value, keras);
  if (!target || !actual || target.length !== actual.length) return null;
  const fix = proposeNodeFix(result, src.node, actual, target);
  if (!fix?.model) return null;
  const fixed = repropagate(result, fix.model);
  if (!fixed) return null;
  const rootsBefore = result.contradictions.filter((c) => !c.cascade).length;
  const rootsAfter = fixed.contradictions.filter((c) => !c.cascade);
  if (rootsAfter.some((c) => c.node.name === merge.name) || rootsAfter.length >= rootsBefore) return null;
  return fix;
}
