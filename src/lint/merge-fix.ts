/**
 * The fix of a merge whose decoder side does not match its skip: change the layer that made the
 * decoder side's size (the upsampler, found by walking back through shape-preserving ops) so
 * that it produces the skip's spatial size, and confirm by propagating the fixed copy that the
 * merge agrees and no new contradiction appears.
 */
import type { Node } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import { type NodeFix, proposeNodeFix, repropagate } from "./fixes.js";
import { sizeSource } from "./graph-walk.js";
import { analysePairing, spatialOf } from "./pairing.js";


function confirmed(result: ShapeResult, merge: Node, fix: NodeFix | null): NodeFix | null {
  if (!fix?.model) return null;
  const fixed = repropagate(result, fix.model);
  if (!fixed) return null;
  const rootsBefore = result.contradictions.filter((c) => !c.cascade).length;
  const rootsAfter = fixed.contradictions.filter((c) => !c.cascade);
  if (rootsAfter.some((c) => c.node.name === merge.name) || rootsAfter.length >= rootsBefore) return null;
  return fix;
}

/**
 * A confirmed fix making `decoderValue` (an input of `merge`) match `skipValue`, or `null`. A
 * decoder side that carries unrepaired pops (a chain of upsamplers that drifted from their
 * encoder levels) is fixed where it first drifted, as `decoder-output-mismatch` does; otherwise
 * the layer that made the decoder side's size is changed to produce the skip's size.
 */
export function mergeFix(result: ShapeResult, merge: Node, decoderValue: string, skipValue: string): NodeFix | null {
  const pending = analysePairing(result).states.get(decoderValue)?.pending ?? [];
  for (const miss of pending) {
    const fix = confirmed(result, merge, proposeNodeFix(result, miss.pop.node, miss.actual, miss.expected));
    if (fix) return fix;
  }
  const src = sizeSource(result, decoderValue);
  if (!src.node) return null;
  const keras = result.model.format === "keras";
  const target = spatialOf(result.values.get(skipValue)?.shape ?? null, keras);
  const actual = spatialOf(result.values.get(src.value)?.shape ?? null, keras);
  if (!target || !actual || target.length !== actual.length) return null;
  return confirmed(result, merge, proposeNodeFix(result, src.node, actual, target));
}
