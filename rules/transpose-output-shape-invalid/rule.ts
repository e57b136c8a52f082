/**
 * transpose-output-shape-invalid: a transposed convolution is given an explicit output size
 * (ONNX `output_shape`, Keras 1 `Deconvolution2D(output_shape=...)`, what `tf.nn.conv2d_transpose`
 * exports) that it cannot produce:
 * - smaller than its input (ONNX shape inference returns early here and leaves a rank-2 shape,
 *   peers.md D7);
 * - with SAME or VALID padding, outside the legal range, the sizes whose forward convolution gives
 *   back the input (`[s(i-1)+1, s*i]` for SAME, `[F, F+s-1]` for VALID): TensorFlow rejects it at
 *   run time with "Size of out_backprop doesn't match computed", and TF.js computes garbage;
 * - with the wrong number of entries.
 * The fix moves each size to the nearest legal one.
 */
import { type Dim, isConst } from "../../src/ir/dim.js";
import type { Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import type { FixArg } from "../../src/lint/rule-context.js";
import { contradictionsOf, factsOf, listText, num, show } from "../../src/lint/rule-utils.js";
import type { Fact } from "../../src/shapes/define-op.js";

interface Bad {
  readonly axis: number;
  readonly outputShape: number;
  readonly input: Dim;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly fact: Fact | undefined;
}

function clamp(v: number, lo: number | null, hi: number | null): number {
  if (lo !== null && v < lo) return lo;
  if (hi !== null && v > hi) return hi;
  return v;
}

function legalOf(f: Fact | undefined): { lo: number | null; hi: number | null } {
  const legal = f?.data.legal as { lo?: unknown; hi?: unknown } | undefined;
  const lo = legal?.lo;
  const hi = legal?.hi;
  return { lo: isConst(lo as Dim) ? (lo as number) : null, hi: isConst(hi as Dim) ? (hi as number) : null };
}

/** The `output_shape` fix: every offending axis moved to its nearest legal size. */
function fixFor(node: Node, list: readonly Bad[], geometry: readonly Fact[]): FixArg[] {
  const a = node.attrs.get("output_shape");
  const raw = a?.type === "ints" ? [...a.value] : a?.type === "json" && Array.isArray(a.value) ? [...(a.value as unknown[])] : null;
  if (raw === null) return [];
  const to = [...raw];
  // ONNX output_shape lists the spatial sizes, or (D6, and Keras 1) the full shape with N and C,
  // where the tensor axis is the index.
  const spatialOnly = raw.length === geometry.length;
  let changed = false;
  for (const b of list) {
    const j = geometry.findIndex((f) => f.data.axis === b.axis);
    if (j < 0 || b.lo === null) continue;
    to[spatialOnly ? j : b.axis] = clamp(b.outputShape, b.lo, b.hi);
    changed = true;
  }
  if (!changed) return [];
  return [{ node: node.name, attribute: "output_shape", from: raw, to, note: "nearest legal size" }];
}

export default defineRule({
  meta: {
    id: "transpose-output-shape-invalid",
    defaultSeverity: "error",
    description: "A transposed convolution's explicit output_shape is smaller than its input or outside the sizes it can legally produce.",
    messages: {
      tooSmall: "output_shape {{outputShape}} is smaller than the input {{input}} (axis {{axes}}); a transposed convolution cannot shrink its input",
      outOfRange:
        "output_shape {{outputShape}} is outside the legal range {{legal}} for an input of {{input}} (axis {{axes}}); TensorFlow fails with \"Size of out_backprop doesn't match computed\"",
      length: "output_shape has {{actual}} values but the op has {{expected}} spatial axes",
    },
  },
  check(ctx) {
    const geometryOf = (node: Node): Fact[] => factsOf(ctx.shapes, "conv-transpose").filter((f) => f.node === node);
    const tooSmall = new Map<Node, Bad[]>();
    const outOfRange = new Map<Node, Bad[]>();
    const push = (m: Map<Node, Bad[]>, node: Node, b: Bad): void => {
      (m.get(node) ?? m.set(node, []).get(node)!).push(b);
    };
    for (const c of contradictionsOf(ctx.shapes, ["OUTPUT_SHAPE_TOO_SMALL", "OUTPUT_SHAPE_OUT_OF_RANGE", "BAD_ATTRIBUTE"])) {
      if (c.code === "BAD_ATTRIBUTE") {
        if (c.data.attribute !== "output_shape" || c.node.opType !== "ConvTranspose") continue;
        ctx.report({ node: c.node, messageId: "length", data: { actual: show(c.data.actual), expected: show(c.data.expected) } });
        continue;
      }
      const axis = num(c.data.axis);
      const o = num(c.data.outputShape);
      if (axis === undefined || o === undefined) continue;
      const fact = geometryOf(c.node).find((f) => f.data.axis === axis);
      const input = (c.data.input ?? fact?.data.input) as Dim | undefined;
      if (input === undefined) continue;
      const legal = c.code === "OUTPUT_SHAPE_OUT_OF_RANGE" ? legalOf({ node: c.node, kind: "conv-transpose", data: { legal: c.data.legal } }) : legalOf(fact);
      push(c.code === "OUTPUT_SHAPE_TOO_SMALL" ? tooSmall : outOfRange, c.node, { axis, outputShape: o, input, ...legal, fact });
    }
    // ONNX output_shape with SAME/VALID padding (or any padding in a TensorFlow export): the
    // forward convolution of the output must give back the input.
    for (const f of factsOf(ctx.shapes, "conv-transpose")) {
      if (f.node.domain === "keras") continue;
      const o = num(f.data.outputShape);
      const axis = num(f.data.axis);
      if (o === undefined || axis === undefined) continue;
      const auto = f.data.autoPad;
      if (!(auto === "SAME_UPPER" || auto === "SAME_LOWER" || auto === "VALID" || ctx.framework === "tf")) continue;
      if (tooSmall.get(f.node)?.some((b) => b.axis === axis)) continue;
      const { lo, hi } = legalOf(f);
      if (lo === null || hi === null || (o >= lo && o <= hi)) continue;
      push(outOfRange, f.node, { axis, outputShape: o, input: f.data.input as Dim, lo, hi, fact: f });
    }
    const each = (m: Map<Node, Bad[]>, messageId: "tooSmall" | "outOfRange"): void => {
      for (const [node, list] of m) {
        list.sort((a, b) => a.axis - b.axis);
        const one = (xs: string[]): string => (xs.every((x) => x === xs[0]) ? xs[0]! : `[${xs.join(", ")}]`);
        const data = {
          outputShape: one(list.map((b) => String(b.outputShape))),
          input: one(list.map((b) => show(b.input))),
          axes: listText(list.map((b) => String(b.axis))),
        };
        const fix = fixFor(node, list, geometryOf(node));
        const expectedSizes = list.map((b) => clamp(b.outputShape, b.lo, b.hi));
        const base = { node, fix, actual: list.map((b) => b.outputShape), expected: expectedSizes };
        if (messageId === "tooSmall") ctx.report({ ...base, messageId, data });
        else ctx.report({ ...base, messageId, data: { ...data, legal: one(list.map((b) => `[${show(b.lo)}, ${show(b.hi)}]`)) } });
      }
    };
    each(tooSmall, "tooSmall");
    each(outOfRange, "outOfRange");
  },
});
