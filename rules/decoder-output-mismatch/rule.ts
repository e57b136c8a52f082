/**
 * decoder-output-mismatch: a decoder (autoencoder, U-Net, VAE, generator) whose output does not
 * have the size it must have: the spatial size its encoder took in, or the size the user expects.
 * The blamed layer is the one whose change alone restores the size; the fix is computed and
 * confirmed by re-propagating a fixed copy of the graph.
 */
import type { Dim } from "../../src/ir/dim.js";
import type { Shape } from "../../src/ir/graph.js";
import { type DecoderDiagnosis, diagnoseDecoders } from "../../src/lint/decoder-diagnosis.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { sizeDomain } from "../../src/lint/size-domain.js";
import { type FixStep, type JsonValue, formatShape } from "../../src/lint/finding.js";
import { formatSpatial } from "../../src/lint/pairing.js";
import { complementCondition, describeCondition, joinConditions } from "../../src/ir/dim-compare.js";

function withSpatial(shape: Shape, axes: readonly number[], dims: readonly Dim[]): Shape {
  const out = [...shape];
  axes.forEach((a, k) => (out[a] = dims[k] ?? null));
  return out;
}

function fixSteps(d: DecoderDiagnosis): FixStep[] {
  const out: FixStep[] = [];
  d.fixes.forEach((fix, f) => {
    fix.changes.forEach((c, k) => {
      const base: FixStep = { node: c.node, attribute: c.attribute, from: c.from as JsonValue, to: c.to as JsonValue, framework: c.framework };
      const lastPrimary = f === d.fixes.length - 1 && k === 0;
      const notes = [lastPrimary && d.trailAfter ? d.trailAfter : null, c.note ?? null, d.confirmed === null ? "not confirmed by re-propagation" : null].filter(Boolean);
      out.push(notes.length ? { ...base, note: notes.join("; ") } : base);
    });
  });
  return out;
}

export default defineRule({
  meta: {
    id: "decoder-output-mismatch",
    defaultSeverity: "error",
    description: "A decoder's output does not have the spatial size its encoder took in, or the size the user expects.",
    messages: {
      reconstruction: "decoder returns {{actual}} but its encoder took {{expected}}",
      expected: "output '{{output}}' is {{actual}} but {{expected}} is expected",
      noFix: "decoder returns {{actual}} but its encoder took {{expected}}; no single-layer change restores it (it works for {{works}})",
      conditional: "decoder returns {{actual}} but its encoder took {{expected}}: they differ when {{when}} (smallest failing size: {{failing}})",
      conditionalExpected: "output '{{output}}' is {{actual}} but {{expected}} is expected: they differ when {{when}} (smallest failing size: {{failing}})",
    },
  },
  check(ctx) {
    const diagnoses = diagnoseDecoders(ctx.shapes, { expectOutput: ctx.expectOutput, from: sizeDomain(ctx.shapes) });
    for (const d of diagnoses) {
      const m = d.mismatch;
      const outShape = ctx.shapes.values.get(m.output)?.shape ?? null;
      const node = d.blamed ?? m.node ?? m.output;
      const related = [];
      if (d.encoder) {
        const miss = m.misses.find((x) => x.level.step.node === d.encoder);
        const tookIn = miss ? ` took in ${formatSpatial(miss.expected, false)}` : "";
        related.push({ node: d.encoder, role: "encoder", message: `the encoder level this layer mirrors${tookIn}` });
      }
      if (m.node && m.node !== d.blamed) related.push({ node: m.node, role: "output producer", message: `produces output '${m.output}'` });
      // With symbolic sizes the mismatch may hold only for some sizes: say when.
      const conditional = m.comparison.verdict === "sometimes" && m.comparison.symbols.length > 0;
      const when = conditional ? joinConditions(m.comparison.symbols.map((c) => describeCondition(complementCondition(c))), "or") : null;
      const failing = conditional && m.comparison.smallestFailing ? Object.entries(m.comparison.smallestFailing).map(([k, v]) => `${k}=${v}`).join(", ") : "";
      const common = {
        node,
        ...(typeof node === "string" ? { op: "output" } : {}),
        trail: d.trail,
        fix: fixSteps(d),
        related,
        condition: when,
      };
      if (m.kind === "expected-output") {
        const expectedShape = ctx.expectOutput.get(m.output) ?? ctx.expectOutput.get("") ?? null;
        const data = { output: m.output, actual: formatShape(outShape), expected: formatShape(expectedShape) };
        if (when) ctx.report({ ...common, messageId: "conditionalExpected", data: { ...data, when, failing }, expected: expectedShape, actual: outShape });
        else ctx.report({ ...common, messageId: "expected", data, expected: expectedShape, actual: outShape });
        continue;
      }
      const expected = outShape ? withSpatial(outShape, m.axes, m.expected) : null;
      const data = { actual: formatSpatial(m.actual, false), expected: formatSpatial(m.expected, false) };
      if (when) {
        ctx.report({ ...common, messageId: "conditional", data: { ...data, when, failing }, expected, actual: outShape });
        continue;
      }
      if (d.fixes.length === 0 && d.worksFor && d.worksFor.verdict === "sometimes" && d.worksFor.symbols.length > 0) {
        const works = joinConditions(d.worksFor.symbols.map(describeCondition), "and");
        ctx.report({ ...common, messageId: "noFix", data: { ...data, works }, expected, actual: outShape });
      } else {
        ctx.report({ ...common, messageId: "reconstruction", data, expected, actual: outShape });
      }
    }
  },
});
