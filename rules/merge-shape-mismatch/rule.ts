/**
 * merge-shape-mismatch: a node that merges tensors (Concat, Add, Sub, Mul, Sum, Where, Keras
 * Concatenate/Add/...) gets inputs whose shapes provably disagree: outside the concat axis for a
 * concatenation, under numpy broadcasting for elementwise ops. Reads the `CONCAT_MISMATCH`,
 * `BROADCAST_MISMATCH` and (for concatenations) `RANK_MISMATCH` contradictions of propagation,
 * and names, for each side, the node that made its size (walking back through Relu, BatchNorm
 * and other shape-preserving ops): typically the upsampler and the skip it should match.
 */
import { complementCondition, describeCondition, joinConditions } from "../../src/ir/dim-compare.js";
import { dimEquals, isConst } from "../../src/ir/dim.js";
import type { NodeFix } from "../../src/lint/fixes.js";
import type { FixStep, JsonValue } from "../../src/lint/finding.js";
import { concatAxis, mergeDisagreements } from "../../src/lint/merge-check.js";
import { mergeFix } from "../../src/lint/merge-fix.js";
import { sizeDomain } from "../../src/lint/size-domain.js";
import type { Shape, ShapeDim } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { formatShape } from "../../src/lint/finding.js";
import { shapeOf, sizeSource } from "../../src/lint/graph-walk.js";
import type { RelatedArg } from "../../src/lint/rule-context.js";
import { contradictionsOf, groupByNode, listText, num } from "../../src/lint/rule-utils.js";
import type { Contradiction } from "../../src/shapes/define-op.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";

/** Ops that make a spatial size larger: the decoder side of a skip connection. */
const UPSAMPLERS = new Set([
  "ConvTranspose", "Resize", "Upsample", "DepthToSpace", "Col2Im",
  "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Deconvolution2D", "Deconv2D",
  "UpSampling1D", "UpSampling2D", "UpSampling3D",
]);

const CONCAT_OPS = new Set(["Concat", "Concatenate"]);

/** The two inputs (by position in `names`) whose dims disagree: the first known one and the first that differs from it. */
function pickPair(dims: readonly ShapeDim[]): [number, number] | null {
  const i = dims.findIndex((d) => d !== null);
  if (i < 0) return null;
  const j = dims.findIndex((d, k) => k > i && d !== null && !dimEquals(d, dims[i]));
  return j < 0 ? null : [i, j];
}

function isUpsampled(shapes: ShapeResult, value: string): boolean {
  const src = sizeSource(shapes, value).node;
  return src !== undefined && UPSAMPLERS.has(src.opType);
}

function describeSide(shapes: ShapeResult, value: string, k: number): RelatedArg {
  const src = sizeSource(shapes, value);
  const through = src.through.length > 0 ? ` (through ${listText(src.through.map((n) => n.name || n.opType))})` : "";
  if (!src.node) return { node: value, role: `input ${k}`, message: `graph input ${formatShape(shapeOf(shapes, value))}` };
  return { node: src.node, role: `input ${k}`, message: `${src.node.opType} makes ${formatShape(shapeOf(shapes, src.value))}${through}` };
}

function fixSteps(fix: NodeFix): FixStep[] {
  return fix.changes.map((c) => {
    const step: FixStep = { node: c.node, attribute: c.attribute, from: c.from as JsonValue, to: c.to as JsonValue, framework: c.framework };
    return c.note ? { ...step, note: c.note } : step;
  });
}

export default defineRule({
  meta: {
    id: "merge-shape-mismatch",
    defaultSeverity: "error",
    description: "A Concat, Add or other merge receives inputs whose shapes disagree, so the graph cannot run.",
    messages: {
      concat:
        "inputs must match except on the concatenation axis {{concatAxis}}, but '{{inputA}}' is {{shapeA}} and '{{inputB}}' is {{shapeB}} (axis {{axes}})",
      broadcast: "inputs cannot be broadcast together: '{{inputA}}' is {{shapeA}} and '{{inputB}}' is {{shapeB}} (axis {{axes}})",
      rank: "inputs have different ranks: '{{inputA}}' is {{shapeA}} and '{{inputB}}' is {{shapeB}}",
      concatWhen:
        "inputs must match except on the concatenation axis {{concatAxis}}, but '{{inputA}}' is {{shapeA}} and '{{inputB}}' is {{shapeB}}: they differ when {{when}} (smallest failing size: {{failing}})",
      broadcastWhen: "inputs cannot be broadcast together when {{when}}: '{{inputA}}' is {{shapeA}} and '{{inputB}}' is {{shapeB}} (smallest failing size: {{failing}})",
    },
  },
  check(ctx) {
    // A contradiction downstream of another is a consequence: the graph already failed earlier.
    const all = contradictionsOf(ctx.shapes, ["CONCAT_MISMATCH", "BROADCAST_MISMATCH", "RANK_MISMATCH"]).filter(
      (c) => !c.cascade && (c.code !== "RANK_MISMATCH" || CONCAT_OPS.has(c.node.opType)),
    );
    for (const [node, list] of groupByNode<Contradiction>(all)) {
      const first = list[0]!;
      const names = Array.isArray(first.data.inputs) ? (first.data.inputs as string[]) : [...node.inputs];
      let pair: [number, number] | null = null;
      if (first.code === "CONCAT_MISMATCH") pair = pickPair((first.data.dims as ShapeDim[] | undefined) ?? []);
      else if (names.length >= 2) pair = [0, 1];
      if (!pair) continue;
      let [a, b] = pair;
      // Put the upsampled (decoder) side second: it is the one that should match the other.
      if (isUpsampled(ctx.shapes, names[a]!) && !isUpsampled(ctx.shapes, names[b]!)) [a, b] = [b, a];
      const inputA = names[a]!;
      const inputB = names[b]!;
      const shapeA: Shape | null = shapeOf(ctx.shapes, inputA);
      const shapeB: Shape | null = shapeOf(ctx.shapes, inputB);
      const kA = node.inputs.indexOf(inputA);
      const kB = node.inputs.indexOf(inputB);
      // Related places in input order, whichever side is the reference.
      const related = kA <= kB ? [describeSide(ctx.shapes, inputA, kA), describeSide(ctx.shapes, inputB, kB)] : [describeSide(ctx.shapes, inputB, kB), describeSide(ctx.shapes, inputA, kA)];
      const fix = mergeFix(ctx.shapes, node, inputB, inputA);
      const base = { node, expected: shapeA, actual: shapeB, related, fix: fix ? fixSteps(fix) : [] };
      const common = { inputA, inputB, shapeA: formatShape(shapeA), shapeB: formatShape(shapeB) };
      // Legacy broadcast records rank disagreements with `axis: null`.
      const rankOnly = first.code === "RANK_MISMATCH" || (first.code === "BROADCAST_MISMATCH" && first.data.axis === null);
      if (rankOnly) {
        ctx.report({ ...base, messageId: "rank", data: common });
        continue;
      }
      const axes = listText([...new Set(list.map((c) => num(c.data.axis)).filter((x): x is number => x !== undefined))].map(String));
      if (first.code === "CONCAT_MISMATCH") {
        ctx.report({ ...base, messageId: "concat", data: { ...common, concatAxis: num(first.data.concatAxis) ?? "?", axes } });
      } else {
        ctx.report({ ...base, messageId: "broadcast", data: { ...common, axes } });
      }
    }
    // With symbolic sizes: merges whose inputs differ for some (or every) size, with the sizes.
    const reported = new Set(all.map((c) => c.node));
    for (const node of ctx.shapes.order) {
      if (reported.has(node)) continue;
      const checks = mergeDisagreements(node, ctx.shapes, sizeDomain(ctx.shapes)).filter(
        (c) => !(isConst(c.dims[0]) && isConst(c.dims[1])) && (c.comparison.verdict === "never" || (c.comparison.verdict === "sometimes" && c.comparison.symbols.length > 0)),
      );
      if (checks.length === 0) continue;
      let a = checks[0]!.inputs[0];
      let b = checks[0]!.inputs[1];
      if (isUpsampled(ctx.shapes, node.inputs[a]!) && !isUpsampled(ctx.shapes, node.inputs[b]!)) [a, b] = [b, a];
      const inputA = node.inputs[a]!;
      const inputB = node.inputs[b]!;
      const shapeA = shapeOf(ctx.shapes, inputA);
      const shapeB = shapeOf(ctx.shapes, inputB);
      const related = [describeSide(ctx.shapes, inputA, a), describeSide(ctx.shapes, inputB, b)];
      const never = checks.some((c) => c.comparison.verdict === "never");
      const conds = checks.flatMap((c) => c.comparison.symbols);
      const when = never ? null : joinConditions([...new Set(conds.map((c) => describeCondition(complementCondition(c))))], "or");
      const failing = [...new Map(checks.flatMap((c) => Object.entries(c.comparison.smallestFailing ?? {}))).entries()].map(([k, v]) => `${k}=${v}`).join(", ") || "any";
      const common = { inputA, inputB, shapeA: formatShape(shapeA), shapeB: formatShape(shapeB) };
      const base = { node, expected: shapeA, actual: shapeB, related, condition: when };
      const axes = listText([...new Set(checks.map((c) => String(c.axis)))]);
      if (CONCAT_OPS.has(node.opType)) {
        const axis = shapeA ? concatAxis(node, shapeA.length) : "?";
        if (never) ctx.report({ ...base, messageId: "concat", data: { ...common, concatAxis: axis, axes } });
        else ctx.report({ ...base, messageId: "concatWhen", data: { ...common, concatAxis: axis, when: when!, failing } });
      } else if (never) ctx.report({ ...base, messageId: "broadcast", data: { ...common, axes } });
      else ctx.report({ ...base, messageId: "broadcastWhen", data: { ...common, when: when!, failing } });
    }
  },
});
