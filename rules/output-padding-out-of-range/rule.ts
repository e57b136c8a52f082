/**
 * output-padding-out-of-range: a transposed convolution's `output_padding` is not below the
 * limit of the framework that produced the file (peers.md D8): the ONNX text says "less than the
 * corresponding stride/dilation", Keras 2 and 3 require `op < stride`, PyTorch `op < max(stride,
 * dilation)`. ONNX shape inference and onnxruntime check neither, so such a file loads and then
 * behaves differently per runtime (or crashes Keras at build time). A value no framework accepts
 * (`op >= max(stride, dilation)`) is always reported; `stride <= op < dilation` is reported
 * unless PyTorch wrote the file (then `runtime-semantics-divergence` notes it).
 *
 * The fix lowers each offending value to the largest legal one; the note says what output size
 * that gives, since any larger size needs a different stride, kernel or padding.
 */
import { type Dim, formatDim, sub } from "../../src/ir/dim.js";
import type { Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import type { Framework } from "../../src/lint/finding.js";
import { pytorchModule } from "../../src/lint/fixes.js";
import { frameworkLabel } from "../../src/lint/framework.js";
import type { FixArg } from "../../src/lint/rule-context.js";
import { contradictionsOf, factsOf, isDim, listText, num } from "../../src/lint/rule-utils.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";

interface Violation {
  readonly axis: number;
  readonly op: number;
  readonly stride: number;
  readonly dilation: number | undefined;
  /** Largest value the producing framework accepts on this axis. */
  readonly limit: number;
  /** True when no framework accepts it (op >= max(s, d)). */
  readonly noReading: boolean;
}

/** A list of per-axis values as one value when they are all equal. */
function uniform(values: readonly number[]): string {
  return values.every((v) => v === values[0]) ? String(values[0]) : `[${values.join(", ")}]`;
}

/** The node's `output_padding` as it is written (ONNX ints, Keras int or tuple). */
function currentValue(node: Node): unknown {
  const a = node.attrs.get("output_padding");
  if (!a) return null;
  return a.value;
}

/** Per-axis `output_padding` values of the node (`n` spatial axes). */
function perAxis(node: Node, n: number): number[] {
  const v = currentValue(node);
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return [...(v as number[])];
  return new Array<number>(n).fill(0);
}

function fixFor(shapes: ShapeResult, node: Node, list: readonly Violation[], framework: Framework): FixArg[] {
  const geometry = factsOf(shapes, "conv-transpose").filter((f) => f.node === node);
  const n = geometry.length;
  if (n === 0) return [];
  const from = perAxis(node, n);
  const to = [...from];
  const notes: string[] = [];
  for (const v of list) {
    const j = geometry.findIndex((f) => f.data.axis === v.axis);
    if (j < 0) continue;
    to[j] = v.limit;
    const o = geometry[j]!.data.output;
    if (isDim(o)) notes.push(`axis ${v.axis} gives ${formatDim(sub(o as Dim, v.op - v.limit))} instead of ${formatDim(o)}`);
  }
  const note = notes.length ? `largest legal value; ${notes.join(", ")}` : "largest legal value";
  const steps: FixArg[] = [{ node: node.name, attribute: "output_padding", from: currentValue(node), to, note }];
  const module = framework === "pytorch" ? pytorchModule(node.name) : null;
  const scalar = (xs: readonly number[]): number | readonly number[] => (xs.every((x) => x === xs[0]) ? xs[0]! : xs);
  if (module) steps.push({ node: module, attribute: "output_padding", from: scalar(from), to: scalar(to), framework: "pytorch" });
  return steps;
}

export default defineRule({
  meta: {
    id: "output-padding-out-of-range",
    defaultSeverity: "error",
    description: "A transposed convolution's output_padding is not below the stride (or dilation) limit of the framework that wrote the file.",
    messages: {
      noReading: "output_padding {{outputPadding}} is not less than the stride {{stride}} or the dilation {{dilation}} (axis {{axes}}); no framework accepts it",
      stride: "output_padding {{outputPadding}} is not less than the stride {{stride}} (axis {{axes}}); {{framework}} requires output_padding < stride",
      strideDilated:
        "output_padding {{outputPadding}} is not less than the stride {{stride}} (axis {{axes}}); {{framework}} requires output_padding < stride, and only PyTorch accepts it (the dilation is {{dilation}})",
    },
  },
  check(ctx) {
    const byNode = new Map<Node, Violation[]>();
    const add = (node: Node, v: Violation): void => {
      (byNode.get(node) ?? byNode.set(node, []).get(node)!).push(v);
    };
    const pytorch = ctx.framework === "pytorch";
    for (const c of contradictionsOf(ctx.shapes, ["OUTPUT_PADDING_OUT_OF_RANGE"])) {
      const axis = num(c.data.axis);
      const op = num(c.data.outputPadding);
      const stride = num(c.data.stride);
      if (axis === undefined || op === undefined || stride === undefined) continue;
      const dilation = num(c.data.dilation);
      const limit = pytorch ? Math.max(stride, dilation ?? 1) - 1 : stride - 1;
      add(c.node, { axis, op, stride, dilation, limit, noReading: dilation !== undefined });
    }
    if (!pytorch) {
      for (const f of factsOf(ctx.shapes, "runtime-divergence")) {
        if (f.data.id !== "D8") continue;
        const axis = num(f.data.axis);
        const op = num(f.data.outputPadding);
        const stride = num(f.data.stride);
        if (axis === undefined || op === undefined || stride === undefined) continue;
        add(f.node, { axis, op, stride, dilation: num(f.data.dilation), limit: stride - 1, noReading: false });
      }
    }
    const label = frameworkLabel(ctx.framework === "tfjs" ? "keras" : ctx.framework);
    for (const [node, list] of byNode) {
      list.sort((a, b) => a.axis - b.axis);
      const data = {
        outputPadding: uniform(list.map((v) => v.op)),
        stride: uniform(list.map((v) => v.stride)),
        axes: listText(list.map((v) => String(v.axis))),
      };
      const dilations = list.map((v) => v.dilation ?? 1);
      const fix = fixFor(ctx.shapes, node, list, ctx.framework);
      const expected = list.map((v) => v.limit);
      const actual = list.map((v) => v.op);
      if (list.every((v) => v.noReading)) {
        ctx.report({ node, messageId: "noReading", data: { ...data, dilation: uniform(dilations) }, fix, expected, actual });
      } else if (dilations.some((d) => d > 1)) {
        ctx.report({ node, messageId: "strideDilated", data: { ...data, framework: label, dilation: uniform(dilations) }, fix, expected, actual });
      } else {
        ctx.report({ node, messageId: "stride", data: { ...data, framework: label }, fix, expected, actual });
      }
    }
  },
});
