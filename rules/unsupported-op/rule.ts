/**
 * unsupported-op: what propagation could not model, so that an unknown shape is never silent
 * (DESIGN.md: "an op with no shape function makes its outputs unknown and is counted"). One
 * finding per op type without a shape function, listing its nodes; one per op type and attribute
 * that the shape function does not model; one per node whose shape function failed or whose
 * layer config could not be read. Info only: unknown is not an error.
 */
import type { Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { factsOf, listText } from "../../src/lint/rule-utils.js";

function names(nodes: readonly Node[]): string {
  return listText(nodes.map((n) => n.name || `(unnamed ${n.opType})`));
}

export default defineRule({
  meta: {
    id: "unsupported-op",
    defaultSeverity: "info",
    description: "An op, or an attribute of an op, that shape propagation does not model, so some shapes are unknown.",
    messages: {
      unsupported: "{{op}} has no shape function, so the outputs of {{nodes}} are unknown",
      unsupportedDomain: "{{op}} (domain {{domain}}) has no shape function, so the outputs of {{nodes}} are unknown",
      attribute: "attribute '{{attribute}}' of {{op}} is not modelled, so its effect on shapes is ignored: {{nodes}}",
      failed: "the shape function of {{op}} failed ({{error}}), so its outputs are unknown",
      malformed: "the {{op}} layer config cannot be read ({{error}}), so its outputs are unknown",
    },
  },
  check(ctx) {
    const { shapes } = ctx;
    const keys = [...shapes.unsupported.keys()].sort();
    for (const key of keys) {
      const nodes = shapes.unsupported.get(key)!;
      const first = nodes[0];
      if (!first) continue;
      const sep = key.indexOf("::");
      const domain = key.slice(0, sep);
      const op = key.slice(sep + 2);
      const data = { op, nodes: names(nodes) };
      if (domain === "" || domain === "keras") ctx.report({ node: first, messageId: "unsupported", data });
      else ctx.report({ node: first, messageId: "unsupportedDomain", data: { ...data, domain } });
    }
    const byAttr = new Map<string, Node[]>();
    for (const f of factsOf(shapes, "unmodelled-attribute")) {
      const attribute = typeof f.data.attribute === "string" ? f.data.attribute : "?";
      const key = `${f.node.domain}\u0000${f.node.opType}\u0000${attribute}`;
      const list = byAttr.get(key) ?? byAttr.set(key, []).get(key)!;
      if (!list.includes(f.node)) list.push(f.node);
    }
    for (const [key, nodes] of byAttr) {
      const [, op, attribute] = key.split("\u0000") as [string, string, string];
      ctx.report({ node: nodes[0]!, messageId: "attribute", data: { attribute, op, nodes: names(nodes) } });
    }
    for (const f of factsOf(shapes, "internal-error")) {
      ctx.report({ node: f.node, messageId: "failed", data: { op: f.node.opType, error: String(f.data.message ?? "unknown error") } });
    }
    for (const f of factsOf(shapes, "malformed-config")) {
      ctx.report({ node: f.node, messageId: "malformed", data: { op: f.node.opType, error: String(f.data.message ?? "unknown error") } });
    }
  },
});
