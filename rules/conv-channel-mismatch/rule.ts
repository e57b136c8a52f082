/**
 * conv-channel-mismatch: a convolution (or a Keras layer built for a known input size) receives
 * a channel count its weights cannot take: ONNX Conv `C != W.shape[1] * group`, ConvTranspose
 * `C != W.shape[0]`, a bias whose length is not the output channel count, channels not divisible
 * by `group`, or a Keras layer whose `build_config` input size differs from what reaches it.
 * ONNX shape inference does not check these (peers.md 2.2); runtimes fail when the graph runs.
 * Reads the `CHANNEL_MISMATCH` and `GROUP_MISMATCH` contradictions of propagation.
 */
import type { Node, Shape } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { formatShape } from "../../src/lint/finding.js";
import { shapeOf, sizeSource } from "../../src/lint/graph-walk.js";
import type { RelatedArg } from "../../src/lint/rule-context.js";
import { contradictionsOf, isDim, num, show } from "../../src/lint/rule-utils.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";

/** The data input of a node: the first input that is not an initializer. */
function dataInput(shapes: ShapeResult, node: Node): string | undefined {
  return node.inputs.find((i) => i !== "" && !shapes.model.graph.initializers.has(i));
}

function channelAxis(node: Node, recorded: unknown, rank: number): number {
  if (typeof recorded === "number") return recorded < 0 ? rank + recorded : recorded;
  if (node.domain === "keras") {
    const a = node.attrs.get("data_format");
    const fmt = a?.type === "string" ? a.value : a?.type === "json" ? a.value : undefined;
    return fmt === "channels_first" ? 1 : rank - 1;
  }
  return 1;
}

function producerOf(shapes: ShapeResult, value: string | undefined, what: string): RelatedArg[] {
  if (value === undefined) return [];
  const src = sizeSource(shapes, value);
  const shape = formatShape(shapeOf(shapes, value));
  if (!src.node) return [{ node: value, role: what, message: `graph input '${value}' is ${shape}` }];
  return [{ node: src.node, role: what, message: `${src.node.opType} makes '${value}' ${shape}` }];
}

export default defineRule({
  meta: {
    id: "conv-channel-mismatch",
    defaultSeverity: "error",
    description: "A convolution receives a channel count its weights (or its build shape, or its group count) cannot take.",
    messages: {
      input: "input has {{actual}} channels but the weight '{{weight}}' {{weightShape}} expects {{expected}}",
      inputGrouped: "input has {{actual}} channels but the weight '{{weight}}' {{weightShape}} with group {{group}} expects {{expected}}",
      bias: "bias '{{bias}}' has {{actual}} entries but the op has {{expected}} output channels",
      built: "the layer was built for {{expected}} input channels (build_config) but receives {{actual}}",
      groupIn: "{{channels}} input channels are not divisible by group {{group}}",
      groupOut: "{{channels}} output channels are not divisible by group {{group}}",
    },
  },
  check(ctx) {
    const { shapes } = ctx;
    const init = shapes.model.graph.initializers;
    for (const c of contradictionsOf(shapes, ["CHANNEL_MISMATCH", "GROUP_MISMATCH"])) {
      const node = c.node;
      const d = c.data;
      const x = dataInput(shapes, node);
      const xShape: Shape | null = x === undefined ? null : shapeOf(shapes, x);
      const related = producerOf(shapes, x, "input producer");
      if (c.code === "GROUP_MISMATCH" || d.what === "filters" || d.what === "input" || d.what === "groups") {
        const channels = d.inChannels ?? d.outChannels ?? d.channels ?? d.filters;
        const group = d.group ?? d.groups;
        const out = d.outChannels !== undefined || d.what === "filters";
        ctx.report({ node, messageId: out ? "groupOut" : "groupIn", data: { channels: show(channels), group: show(group) }, related });
        continue;
      }
      const want = d.expected;
      const got = d.actual;
      if (!isDim(want) || !isDim(got)) continue;
      if (d.what === "bias") {
        const bias = node.inputs[2] ?? "";
        ctx.report({
          node,
          messageId: "bias",
          data: { bias, actual: show(d.actual), expected: show(d.expected) },
          expected: [want],
          actual: [got],
          related,
        });
        continue;
      }
      // The input shape as it is, and as the weights want it (channel axis replaced).
      let expected: Shape | null = null;
      if (xShape !== null) {
        const axis = channelAxis(node, d.axis, xShape.length);
        expected = xShape.map((dim, k) => (k === axis ? want : dim));
      }
      const shapeArgs = { expected: expected ?? [want], actual: xShape ?? [got] };
      if (d.what === "build_config") {
        ctx.report({ node, messageId: "built", data: { expected: show(d.expected), actual: show(d.actual) }, ...shapeArgs, related });
        continue;
      }
      const weight = node.inputs[1] ?? "";
      const weightShape = formatShape(init.get(weight)?.dims ?? shapeOf(shapes, weight));
      const group = num(d.group) ?? 1;
      const data = { actual: show(d.actual), expected: show(d.expected), weight, weightShape };
      if (group !== 1) ctx.report({ node, messageId: "inputGrouped", data: { ...data, group }, ...shapeArgs, related });
      else ctx.report({ node, messageId: "input", data, ...shapeArgs, related });
    }
  },
});
