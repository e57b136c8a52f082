/**
 * nonpositive-dimension: a conv, pool, slice or crop produces a size below 1 (ONNX shape
 * inference happily writes a 0; runtimes fail or return empty tensors). For a concrete size the
 * finding says what the layer needs on that axis and, by propagating again with the spatial
 * input sizes left symbolic, the smallest model input that works. Symbolic sizes are not
 * reported here: conv, pool and crop sizes grow with their input, so they work from some input
 * size on, and that floor is the `input-size-constraint` rule's business.
 */
import { type Dim, evalDim, isConst, symbolsOf } from "../../src/ir/dim.js";
import { smallestSatisfying } from "../../src/ir/dim-compare.js";
import type { Model, Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { contradictionsOf, num, show } from "../../src/lint/rule-utils.js";
import { convOutput, poolOutputCeil, sameOutput } from "../../src/shapes/conv-geometry.js";
import type { Constraint } from "../../src/shapes/define-op.js";
import { type InputBinding, type ShapeResult, propagate } from "../../src/shapes/propagate.js";

/** Names given to the spatial axes of the first input in the symbolic re-run. */
function spatialNames(n: number): string[] {
  if (n === 1) return ["L"];
  if (n === 2) return ["H", "W"];
  if (n === 3) return ["D", "H", "W"];
  return Array.from({ length: n }, (_, k) => `S${k}`);
}

interface Rerun {
  readonly shapes: ShapeResult;
  /** The sizes the spatial symbols have in the user's run. */
  readonly actual: Readonly<Record<string, number>>;
}

/**
 * Propagate again with the first input's spatial sizes as symbols (ONNX: axes 2..; Keras: axes
 * 1..rank-2), every other dim as bound. `null` when there is no such input or it fails.
 */
function symbolicRerun(model: Model, shapes: ShapeResult): Rerun | null {
  const first = model.graph.inputs[0];
  if (!first) return null;
  const bound = shapes.inputShapes.get(first.name);
  if (!bound || bound.length < 3) return null;
  const rank = bound.length;
  const spatial = model.format === "keras" ? Array.from({ length: rank - 2 }, (_, k) => 1 + k) : Array.from({ length: rank - 2 }, (_, k) => 2 + k);
  const names = spatialNames(spatial.length);
  const actual: Record<string, number> = {};
  const binding: (number | string | null)[] = bound.map((d, axis) => {
    const k = spatial.indexOf(axis);
    if (k < 0) return isConst(d) ? d : null;
    if (isConst(d)) actual[names[k]!] = d;
    return names[k]!;
  });
  if (Object.keys(actual).length === 0) return null;
  const inputShapes = new Map<string, InputBinding>([[first.name, binding]]);
  for (const vi of model.graph.inputs.slice(1)) {
    const s = shapes.inputShapes.get(vi.name);
    if (s) inputShapes.set(vi.name, s.map((d) => (isConst(d) ? d : null)));
  }
  // A file that fixes the spatial sizes would refuse the symbols: free them in a copy.
  const inputs = model.graph.inputs.map((vi, k) => (k === 0 && vi.shape ? { ...vi, shape: vi.shape.map((d, axis) => (spatial.includes(axis) ? null : d)) } : vi));
  const free: Model = { ...model, graph: { ...model.graph, inputs } };
  try {
    return { shapes: propagate(free, { inputShapes }), actual };
  } catch {
    return null;
  }
}

/** Smallest input length of a conv/pool axis for which its output is at least `min`. */
function layerMinimum(fact: Readonly<Record<string, unknown>>, kind: string, min: number): number | null {
  const k = num(fact.kernel);
  const s = num(fact.stride);
  const d = num(fact.dilation) ?? 1;
  const pads = Array.isArray(fact.pads) ? fact.pads : [0, 0];
  const pb = num(pads[0]);
  const pe = num(pads[1]);
  if (k === undefined || s === undefined || pb === undefined || pe === undefined) return null;
  const auto = fact.autoPad;
  const out = (i: number): Dim => {
    if (auto === "SAME_UPPER" || auto === "SAME_LOWER") return sameOutput(i, s);
    const [b, e] = auto === "VALID" ? [0, 0] : [pb, pe];
    if (kind === "pool" && fact.ceilMode === true) return poolOutputCeil(i, k, s, d, b, e, true);
    return convOutput(i, k, s, d, b, e);
  };
  const limit = d * (k - 1) + 1 + s * Math.max(min, 1) + 1;
  for (let i = 1; i <= limit; i++) if (evalDim(out(i), {}) >= min) return i;
  return null;
}

/** True when some input of the node already has a size below 1. */
function fedEmpty(shapes: ShapeResult, node: Node): boolean {
  return node.inputs.some((i) => i !== "" && (shapes.values.get(i)?.shape ?? []).some((d) => isConst(d) && d < 1));
}

/** The conv/pool fact of a node whose output is the offending size. */
function geometryFact(shapes: ShapeResult, node: Node, dim: number): { kind: string; data: Readonly<Record<string, unknown>> } | null {
  const f = shapes.facts.find((x) => x.node === node && (x.kind === "conv" || x.kind === "pool") && x.data.output === dim);
  return f ? { kind: f.kind, data: f.data } : null;
}

export default defineRule({
  meta: {
    id: "nonpositive-dimension",
    defaultSeverity: "error",
    description: "A conv, pool, slice or crop produces a size below 1, so the layer cannot run on this input.",
    messages: {
      nonpositive: "{{what}} is {{dim}}; it must be at least {{min}}",
      layer: "{{what}} is {{dim}}; it must be at least {{min}}, which needs an input of at least {{minInput}} on this axis (it gets {{input}})",
      model: "{{what}} is {{dim}}; it must be at least {{min}}, which needs an input of at least {{minInput}} on this axis (it gets {{input}}), so the model input needs {{requirement}}",
      modelOnly: "{{what}} is {{dim}}; it must be at least {{min}}, so the model input needs {{requirement}}",
    },
  },
  check(ctx) {
    let rerun: Rerun | null | undefined;
    for (const c of contradictionsOf(ctx.shapes, ["NONPOSITIVE_DIM"])) {
      const dim = num(c.data.dim);
      const min = num(c.data.min) ?? 1;
      const what = typeof c.data.what === "string" ? c.data.what : c.message;
      if (dim === undefined) continue;
      // A layer fed an empty axis only repeats the finding of the layer that emptied it.
      if (fedEmpty(ctx.shapes, c.node)) continue;
      const base = { node: c.node, actual: [dim] };
      const geo = geometryFact(ctx.shapes, c.node, dim);
      const minInput = geo ? layerMinimum(geo.data, geo.kind, min) : null;
      if (rerun === undefined) rerun = symbolicRerun(ctx.model, ctx.shapes);
      const constraint = rerun?.shapes.constraints.find((x: Constraint) => x.node === c.node && x.what === what);
      const needs: string[] = [];
      if (rerun && constraint) {
        for (const s of [...symbolsOf(constraint.dim)].sort()) {
          const others = Object.fromEntries(Object.entries(rerun.actual).filter(([k]) => k !== s));
          const n = smallestSatisfying([constraint], s, others);
          if (n !== null) needs.push(`${s} >= ${n}`);
        }
      }
      const requirement = needs.join(" and ");
      if (geo && minInput !== null) {
        const layerData = { what, dim, min, minInput, input: show(geo.data.input) };
        if (requirement) ctx.report({ ...base, messageId: "model", data: { ...layerData, requirement } });
        else ctx.report({ ...base, messageId: "layer", data: layerData });
      } else if (requirement) {
        ctx.report({ ...base, messageId: "modelOnly", data: { what, dim, min, requirement } });
      } else {
        ctx.report({ ...base, messageId: "nonpositive", data: { what, dim, min } });
      }
    }
  },
});
