/**
 * declared-shape-mismatch: a shape the file declares (a graph output, an ONNX `value_info`) that
 * propagation proves false. Only dims known on both sides are compared; a declared symbolic dim is
 * first mapped through the input bindings, and a declared symbol that is no input size (a fresh
 * `unk__3`, an exporter's `Convy_dim_2`) says nothing and is skipped. Equality is decided exactly
 * (`compareDims`: residue classes of the symbolic sizes), so the finding says for which sizes the
 * declaration is wrong. The classic case is a PyTorch export with dynamic axes: the exporter
 * declares the output `[N, 1, H, W]` while the graph computes `3*ceil(H/3) - 1` (peers.md 2.4).
 */
import { type Comparison, compareDims, complementCondition, describeCondition, smallestSatisfying } from "../../src/ir/dim-compare.js";
import { type Dim, dimEquals, evalDim, isConst, substitute, symbolsOf } from "../../src/ir/dim.js";
import type { Shape, ShapeDim, ValueInfo } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { formatShape } from "../../src/lint/finding.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";

/** Every symbol the bound inputs use: the only ones a declaration can be checked against. */
function inputSymbols(shapes: ShapeResult): Set<string> {
  const out = new Set<string>();
  for (const s of shapes.inputShapes.values()) for (const d of s ?? []) if (d !== null) symbolsOf(d, out);
  return out;
}

/** Where a comparison fails, as text: the complement of the sizes where it holds. */
function failingCondition(cmp: Comparison): string {
  if (cmp.symbols.length > 0) return cmp.symbols.map((c) => describeCondition(complementCondition(c))).join(" or ");
  return `not (${cmp.condition})`;
}

/**
 * The smallest size of each symbol for which every recorded size constraint holds (the model runs
 * at all), so that examples are sizes a user could feed.
 */
function sizeFloors(shapes: ShapeResult): Record<string, number> {
  const floors: Record<string, number> = {};
  const syms = new Set<string>();
  for (const c of shapes.constraints) symbolsOf(c.dim, syms);
  const generous = Object.fromEntries([...syms].map((s) => [s, 4096]));
  for (const s of syms) {
    const others = Object.fromEntries(Object.entries(generous).filter(([k]) => k !== s));
    floors[s] = smallestSatisfying(shapes.constraints, s, others) ?? 1;
  }
  return floors;
}

/** The first size (at or above the floors) where two dims differ, as `H=24: 24 vs 23`. */
function example(a: Dim, b: Dim, floors: Readonly<Record<string, number>>): string | null {
  const syms = [...new Set([...symbolsOf(a), ...symbolsOf(b)])].sort();
  for (let n = 1; n <= 1024; n++) {
    const env = Object.fromEntries(syms.map((s) => [s, Math.max(n, floors[s] ?? 1)]));
    try {
      const x = evalDim(a, env);
      const y = evalDim(b, env);
      if (x !== y) return `${syms.map((s) => `${s}=${env[s]}`).join(", ")}: ${x} vs ${y}`;
    } catch {
      return null;
    }
  }
  return null;
}

interface AxisMismatch {
  readonly axis: number;
  readonly condition: string | null;
  readonly example: string | null;
}

export default defineRule({
  meta: {
    id: "declared-shape-mismatch",
    defaultSeverity: "warning",
    description: "A declared output or value_info shape contradicts the shape the graph computes.",
    messages: {
      always: "'{{value}}' is declared {{declared}} but the graph computes {{inferred}} (axis {{axes}})",
      sometimes: "'{{value}}' is declared {{declared}} but the graph computes {{inferred}}, which differs when {{condition}} ({{example}})",
      sampled: "'{{value}}' is declared {{declared}} but the graph computes {{inferred}}, which differs at least at {{example}}",
      rank: "'{{value}}' is declared with rank {{declaredRank}} {{declared}} but the graph computes rank {{inferredRank}} {{inferred}}",
    },
  },
  check(ctx) {
    const { shapes, model } = ctx;
    const known = inputSymbols(shapes);
    let floors: Record<string, number> | undefined;
    const floorsOf = (): Record<string, number> => (floors ??= sizeFloors(shapes));
    const seen = new Set<string>();
    const declared: ValueInfo[] = [...model.graph.outputs, ...model.graph.valueInfo.values()];
    for (const vi of declared) {
      if (seen.has(vi.name)) continue;
      seen.add(vi.name);
      const node = shapes.producers.get(vi.name);
      if (!node || vi.shape === null || shapes.fromDeclaration.has(vi.name)) continue;
      const inferred: Shape | null = shapes.values.get(vi.name)?.shape ?? null;
      if (inferred === null) continue;
      const decl: ShapeDim[] = vi.shape.map((d) => (d === null || isConst(d) ? d : substitute(d, shapes.bindings)));
      const base = { node, expected: decl, actual: inferred };
      const shapesText = { value: vi.name, declared: formatShape(decl), inferred: formatShape(inferred) };
      if (decl.length !== inferred.length) {
        ctx.report({ ...base, messageId: "rank", data: { ...shapesText, declaredRank: decl.length, inferredRank: inferred.length } });
        continue;
      }
      const bad: AxisMismatch[] = [];
      decl.forEach((d, axis) => {
        const e = inferred[axis] ?? null;
        if (d === null || e === null || dimEquals(d, e)) return;
        if (![...symbolsOf(d)].every((s) => known.has(s))) return;
        const cmp = compareDims(d, e);
        if (cmp.verdict === "always") return;
        if (cmp.verdict === "never") bad.push({ axis, condition: null, example: null });
        else if (cmp.verdict === "sometimes") bad.push({ axis, condition: failingCondition(cmp), example: example(d, e, floorsOf()) });
        else {
          const ex = example(d, e, floorsOf());
          if (ex) bad.push({ axis, condition: null, example: ex });
        }
      });
      if (bad.length === 0) continue;
      const never = bad.filter((b) => b.condition === null && b.example === null);
      const conditional = bad.filter((b) => b.condition !== null);
      if (never.length > 0) {
        ctx.report({ ...base, messageId: "always", data: { ...shapesText, axes: never.map((b) => b.axis).join(", ") } });
      } else if (conditional.length > 0) {
        // The declaration is wrong wherever any axis differs.
        const condition = conditional.map((b) => b.condition!).join(" or ");
        const ex = conditional.map((b) => b.example).filter((x): x is string => x !== null);
        ctx.report({ ...base, condition, messageId: "sometimes", data: { ...shapesText, condition, example: ex.length ? `e.g. ${ex.join("; ")}` : "no example found" } });
      } else {
        ctx.report({ ...base, messageId: "sampled", data: { ...shapesText, example: bad.map((b) => b.example!).join("; ") } });
      }
    }
  },
});

