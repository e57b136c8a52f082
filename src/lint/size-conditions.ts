/**
 * For symbolic input sizes: the sizes for which the graph runs at all (every merge agrees, every
 * size is positive) and reconstructs (outputs match their inputs), per symbol and combined. This
 * is what `input-size-constraint` reports, e.g. `H % 16 == 0 and H >= 32`.
 */
import { type Comparison, type SymbolCondition, intersectConditions, smallestSatisfying } from "../ir/dim-compare.js";
import { type Dim, isConst, symbolsOf } from "../ir/dim.js";
import type { Node } from "../ir/graph.js";
import type { ShapeResult } from "../shapes/propagate.js";
import { mergeDisagreements } from "./merge-check.js";
import { type PairingOptions, analysePairing } from "./pairing.js";

/** One source of a size condition. */
export interface SizeRequirement {
  readonly node: Node;
  readonly kind: "merge" | "output" | "positive";
  /** What must hold, e.g. `inputs of Concat agree on axis 2`. */
  readonly what: string;
  readonly conditions: readonly SymbolCondition[];
  readonly comparison: Comparison | null;
}

/** A merge whose inputs differ for every admissible size (symbolic). */
export interface NeverMerge {
  readonly node: Node;
  readonly axis: number;
  readonly dims: readonly Dim[];
  readonly inputs: readonly string[];
}

/** Result of {@link sizeConditions}. */
export interface SizeConditions {
  readonly requirements: readonly SizeRequirement[];
  /** Per symbol: the sizes for which the whole graph runs and reconstructs. */
  readonly combined: ReadonlyMap<string, SymbolCondition>;
  readonly neverMerges: readonly NeverMerge[];
}


/** Compute the size conditions of a propagated model. */
export function sizeConditions(result: ShapeResult, options: PairingOptions = {}): SizeConditions {
  const requirements: SizeRequirement[] = [];
  const neverMerges: NeverMerge[] = [];
  for (const node of result.order) {
    for (const c of mergeDisagreements(node, result, options.from)) {
      const inputs = node.inputs.filter((n) => n !== "");
      if (isConst(c.dims[0]) && isConst(c.dims[1])) continue; // concrete disagreements are contradictions already
      if (c.comparison.verdict === "never") neverMerges.push({ node, axis: c.axis, dims: c.dims, inputs });
      else if (c.comparison.verdict === "sometimes" && c.comparison.symbols.length > 0) {
        requirements.push({ node, kind: "merge", what: `inputs of ${node.opType} agree on axis ${c.axis}`, conditions: c.comparison.symbols, comparison: c.comparison });
      }
    }
  }
  for (const m of analysePairing(result, options).mismatches) {
    if (m.comparison.verdict !== "sometimes" || m.comparison.symbols.length === 0) continue;
    requirements.push({ node: m.node ?? result.order[result.order.length - 1]!, kind: "output", what: m.kind === "expected-output" ? `output '${m.output}' has the expected size` : `output '${m.output}' has the size of input '${m.origin}'`, conditions: m.comparison.symbols, comparison: m.comparison });
  }
  // Positivity: sizes must stay >= 1; conv and pool sizes grow with their input, so the
  // condition is `S >= smallest size that works`.
  const bySymbol = new Map<string, { dim: Dim; min: number; node: Node }[]>();
  for (const c of result.constraints) {
    const syms = symbolsOf(c.dim);
    if (syms.size !== 1) continue;
    const s = [...syms][0]!;
    (bySymbol.get(s) ?? bySymbol.set(s, []).get(s)!).push({ dim: c.dim, min: c.min, node: c.node });
  }
  for (const [s, list] of bySymbol) {
    const n0 = smallestSatisfying(list, s);
    if (n0 === null || n0 <= 1) continue;
    // Blame the first constraint that alone needs the whole minimum.
    const worst = list.find((c) => smallestSatisfying([c], s) === n0) ?? list[0]!;
    requirements.push({ node: worst.node, kind: "positive", what: `sizes stay positive`, conditions: [{ symbol: s, from: n0, modulus: 1, residues: [0], extra: [], domainFrom: 1 }], comparison: null });
  }
  const combined = new Map<string, SymbolCondition>();
  const symbols = new Set(requirements.flatMap((r) => r.conditions.map((c) => c.symbol)));
  for (const s of symbols) {
    const conds = requirements.flatMap((r) => r.conditions.filter((c) => c.symbol === s));
    const c = intersectConditions(s, conds);
    if (c) combined.set(s, c);
  }
  return { requirements, combined, neverMerges };
}
