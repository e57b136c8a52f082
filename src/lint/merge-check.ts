/**
 * Do the inputs of a merge agree? Concatenations need equal sizes on every axis but the
 * concatenation axis; elementwise ops follow numpy broadcasting (equal, or one of them 1). Each
 * axis is decided exactly with the residue-class procedure, so a symbolic disagreement comes
 * with the sizes for which it happens.
 */
import { type Comparison, compareDims, complementCondition, describeCondition, intersectConditions, smallestFailing, smallestHolding } from "../ir/dim-compare.js";
import { type Dim, isConst } from "../ir/dim.js";
import type { Node } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";

/** Concatenations: every axis but the concatenation axis must agree. */
export const CONCAT_OPS: ReadonlySet<string> = new Set(["Concat", "Concatenate"]);

/** Elementwise merges with numpy (ONNX) or Keras broadcasting. */
export const ELEMENTWISE_MERGE_OPS: ReadonlySet<string> = new Set(["Add", "Sub", "Mul", "Div", "Sum", "Mean", "Max", "Min", "Where", "Pow", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]);

/** One axis on which two inputs of a merge may disagree. */
export interface MergeAxisCheck {
  readonly axis: number;
  /** Indices (in `node.inputs`) of the two inputs compared. */
  readonly inputs: readonly [number, number];
  readonly dims: readonly [Dim, Dim];
  readonly comparison: Comparison;
}

/** True for merge ops. */
export function isMerge(node: Node): boolean {
  return CONCAT_OPS.has(node.opType) || ELEMENTWISE_MERGE_OPS.has(node.opType);
}

/** The concatenation axis of a Concat / Keras Concatenate (default -1 in Keras), made non-negative. */
export function concatAxis(node: Node, rank: number): number {
  const a = node.attrs.get("axis");
  const v = a?.type === "int" ? a.value : a?.type === "json" && typeof a.value === "number" ? a.value : node.domain === "keras" ? -1 : 0;
  return v < 0 ? v + rank : v;
}

/**
 * Axes where the inputs of a merge are not provably equal (`comparison.verdict` is `never`,
 * `sometimes` or `unknown`). An empty list means the merge is fine for every size.
 */
export function mergeDisagreements(node: Node, result: ShapeResult, from?: Readonly<Record<string, number>>): MergeAxisCheck[] {
  if (!isMerge(node)) return [];
  const isConcat = CONCAT_OPS.has(node.opType);
  const idx: number[] = [];
  node.inputs.forEach((n, i) => n !== "" && idx.push(i));
  // Where's first input is the condition; it broadcasts like the others.
  const shapes = idx.map((i) => result.values.get(node.inputs[i]!)?.shape ?? null);
  if (shapes.length < 2 || shapes.some((s) => s === null)) return [];
  const rank = Math.max(...shapes.map((s) => s!.length));
  if (isConcat && shapes.some((s) => s!.length !== rank)) return [];
  const axis = isConcat ? concatAxis(node, rank) : -1;
  const out: MergeAxisCheck[] = [];
  for (let k = 0; k < rank; k++) {
    if (k === axis) continue;
    const present: { i: number; d: Dim }[] = [];
    shapes.forEach((s, j) => {
      const d = s![k - (rank - s!.length)];
      if (d === null || d === undefined) return;
      if (!isConcat && d === 1) return; // broadcasts
      present.push({ i: idx[j]!, d });
    });
    for (let j = 1; j < present.length; j++) {
      const a = present[0]!;
      const b = present[j]!;
      if (isConst(a.d) && isConst(b.d) && a.d === b.d) continue;
      let comparison = compareDims(a.d, b.d, from ? { from } : {});
      if (!isConcat && comparison.verdict !== "always") comparison = withBroadcast(comparison, a.d, b.d, from);
      if (comparison.verdict !== "always") out.push({ axis: k, inputs: [a.i, b.i], dims: [a.d, b.d], comparison });
    }
  }
  return out;
}

/**
 * Elementwise merges also run where either size is 1 (numpy broadcasting): the sizes for which
 * the axis agrees are the union of `a == b`, `a == 1` and `b == 1`. Exact for one-symbol sizes.
 */
function withBroadcast(eq: Comparison, a: Dim, b: Dim, from?: Readonly<Record<string, number>>): Comparison {
  const opts = from ? { from } : {};
  const parts = [eq, compareDims(a, 1, opts), compareDims(b, 1, opts)].filter((c) => c.verdict !== "never");
  if (parts.some((c) => c.verdict === "always")) return { verdict: "always", condition: "true", symbols: [], smallestFailing: null, smallestHolding: {} };
  if (parts.length === 1) return parts[0]!;
  const syms = new Set(parts.flatMap((c) => c.symbols.map((x) => x.symbol)));
  if (parts.some((c) => c.verdict === "unknown" || c.symbols.length !== 1) || syms.size !== 1) return eq;
  const s = [...syms][0]!;
  const union = complementCondition(intersectConditions(s, parts.map((c) => complementCondition(c.symbols[0]!)), parts[0]!.symbols[0]!.domainFrom)!);
  const failing = smallestFailing(union);
  const holding = smallestHolding(union);
  if (failing === null) return { verdict: "always", condition: "true", symbols: [], smallestFailing: null, smallestHolding: { [s]: union.domainFrom } };
  return {
    verdict: holding === null ? "never" : "sometimes",
    condition: describeCondition(union),
    symbols: [union],
    smallestFailing: { [s]: failing },
    smallestHolding: holding === null ? null : { [s]: holding },
  };
}
