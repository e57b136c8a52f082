/**
 * input-size-constraint: with symbolic input sizes, the graph runs (every merge agrees, every size
 * stays positive) or reconstructs its input (outputs match) only for some sizes. The finding
 * states the exact condition, e.g. `H % 16 == 0 and H >= 32`, and the smallest failing size.
 * A model that is right for every size gets no finding.
 */
import { type SymbolCondition, complementCondition, describeCondition, intersectConditions, joinConditions, smallestFailing } from "../../src/ir/dim-compare.js";
import type { Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { sizeDomain } from "../../src/lint/size-domain.js";
import { type SizeRequirement, sizeConditions } from "../../src/lint/size-conditions.js";

function combine(reqs: readonly SizeRequirement[]): SymbolCondition[] {
  const symbols = [...new Set(reqs.flatMap((r) => r.conditions.map((c) => c.symbol)))].sort();
  const out: SymbolCondition[] = [];
  for (const s of symbols) {
    const c = intersectConditions(s, reqs.flatMap((r) => r.conditions.filter((x) => x.symbol === s)));
    if (c) out.push(c);
  }
  return out;
}

/** The requirement whose own condition is the most restrictive (largest modulus, then latest start). */
function strictest(reqs: readonly SizeRequirement[]): SizeRequirement {
  const score = (r: SizeRequirement) => Math.max(...r.conditions.map((c) => c.modulus * 1e6 + c.from));
  return reqs.reduce((a, b) => (score(b) > score(a) ? b : a));
}

export default defineRule({
  meta: {
    id: "input-size-constraint",
    defaultSeverity: "warning",
    description: "With symbolic input sizes, the graph runs or reconstructs its input only for some sizes.",
    messages: {
      runs: "the model runs only for {{condition}} (smallest failing size: {{failing}})",
      reconstructs: "the output has the input's size only for {{condition}} (smallest failing size: {{failing}})",
    },
  },
  check(ctx) {
    const sc = sizeConditions(ctx.shapes, { expectOutput: ctx.expectOutput, from: sizeDomain(ctx.shapes) });
    const runReqs = sc.requirements.filter((r) => r.kind === "merge" || r.kind === "positive");
    const outReqs = sc.requirements.filter((r) => r.kind === "output");
    const groups: [("runs" | "reconstructs"), readonly SizeRequirement[]][] = [];
    // A size floor alone is what every conv net has; it is worth a warning only together with a
    // merge or output condition (it then belongs to the exact condition).
    if (runReqs.some((r) => r.kind === "merge")) groups.push(["runs", runReqs]);
    if (outReqs.length > 0) groups.push(["reconstructs", [...outReqs, ...runReqs]]);
    let runsText: string | null = null;
    for (const [messageId, reqs] of groups) {
      const conds = combine(reqs);
      if (conds.length === 0) continue;
      const holds = joinConditions(conds.map(describeCondition), "and");
      // The output is only judged where the graph runs; when that is all it adds, the first
      // finding already says it.
      if (messageId === "reconstructs" && holds === runsText) continue;
      if (messageId === "runs") runsText = holds;
      const fails = joinConditions(conds.map((c) => describeCondition(complementCondition(c))), "or");
      const failing = conds
        .map((c) => [c.symbol, smallestFailing(c)] as const)
        .filter(([, n]) => n !== null)
        .map(([s, n]) => `${s}=${n}`)
        .join(", ");
      const main = strictest(messageId === "runs" ? reqs.filter((r) => r.kind === "merge") : reqs.filter((r) => r.kind === "output"));
      const related = reqs.map((r) => ({ node: r.node as Node | string, role: r.kind, message: `${r.what} only for ${r.conditions.map(describeCondition).join(" and ")}` }));
      ctx.report({
        node: main.node,
        messageId,
        data: { condition: holds, failing: failing || "none" },
        condition: fails === "false" ? null : fails,
        related,
      });
    }
  },
});
