/**
 * transpose-output-ambiguous: a transposed convolution with stride > 1 that leaves its output size
 * to a default. With stride s there are s legal output sizes (every size the mirrored forward conv
 * maps back to the input), and ONNX/PyTorch, Keras and TF.js each pick a different one by default
 * (shared/research/peers.md 1.1-1.2). Informational: the layer is fine if the default is the size
 * meant; the finding lists the choices so that the choice is made on purpose.
 */
import { type Dim, formatDim, isConst } from "../../src/ir/dim.js";
import type { Node } from "../../src/ir/graph.js";
import { convTransposeLegalRange, convTransposeSame, kerasConvTransposeOutput, tfjsConvTransposeOutput } from "../../src/shapes/conv-geometry.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { attrInts, attrValue, perAxis, wellFormed } from "../../src/lint/node-attrs.js";
import type { ShapeResult } from "../../src/shapes/propagate.js";

interface AxisChoice {
  readonly input: Dim;
  readonly lo: Dim;
  readonly hi: Dim;
  readonly stride: number;
  readonly picks: Record<string, Dim>;
}

/** Per-axis choices of an ONNX ConvTranspose relying on its default output size. */
function onnxChoices(shapes: ShapeResult, node: Node): AxisChoice[] | null {
  if (attrInts(node, "output_shape")) return null;
  const op = attrInts(node, "output_padding");
  const x = shapes.values.get(node.inputs[0] ?? "")?.shape;
  const w = shapes.values.get(node.inputs[1] ?? "")?.shape;
  if (!x || x.length < 3) return null;
  const n = x.length - 2;
  const kernel = attrInts(node, "kernel_shape") ?? (w && w.slice(2).every(isConst) ? (w.slice(2) as number[]) : undefined);
  if (!kernel) return null;
  const strides = attrInts(node, "strides") ?? new Array<number>(n).fill(1);
  const dil = attrInts(node, "dilations") ?? new Array<number>(n).fill(1);
  const pads = attrInts(node, "pads") ?? new Array<number>(2 * n).fill(0);
  // A malformed node (wrong list lengths, non-positive sizes) is the shape function's to report.
  if (!wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dil, n, 1) || !wellFormed(pads, 2 * n, 0)) return null;
  const autoPad = node.attrs.get("auto_pad")?.type === "string" ? (node.attrs.get("auto_pad")!.value as string) : "NOTSET";
  // An explicit output_padding is a choice already made.
  if (op && op.some((v) => v !== 0)) return null;
  const out: AxisChoice[] = [];
  for (let a = 0; a < n; a++) {
    const i = x[a + 2];
    if (i === null || i === undefined) return null;
    const s = strides[a]!;
    const k = kernel[a]!;
    const d = dil[a]!;
    const same = autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER";
    const range = convTransposeLegalRange(i, k, s, d, same ? { kind: "same" } : autoPad === "VALID" ? { kind: "valid" } : { kind: "explicit", total: pads[a]! + pads[a + n]! });
    const onnx = same ? convTransposeSame(i, k, s, d, 0).spec : range.lo;
    out.push({ input: i, lo: range.lo, hi: range.hi, stride: s, picks: { "ONNX/PyTorch": onnx } });
  }
  return out;
}

/** Per-axis choices of a Keras Conv*DTranspose with `output_padding=None`. */
function kerasChoices(shapes: ShapeResult, node: Node): AxisChoice[] | null {
  if (attrValue(node, "output_padding") !== undefined && attrValue(node, "output_padding") !== null) return null;
  const x = shapes.values.get(node.inputs[0] ?? "")?.shape;
  if (!x || x.length < 3) return null;
  const n = x.length - 2;
  const channelsFirst = attrValue(node, "data_format") === "channels_first";
  const spatial = channelsFirst ? x.slice(2) : x.slice(1, -1);
  const kernel = perAxis(attrValue(node, "kernel_size"), n, 1);
  const strides = perAxis(attrValue(node, "strides"), n, 1);
  const dil = perAxis(attrValue(node, "dilation_rate"), n, 1);
  const padding = attrValue(node, "padding") === "same" ? "same" : "valid";
  if (!wellFormed(kernel, n, 1) || !wellFormed(strides, n, 1) || !wellFormed(dil, n, 1)) return null;
  const out: AxisChoice[] = [];
  for (let a = 0; a < n; a++) {
    const i = spatial[a];
    if (i === null || i === undefined) return null;
    const s = strides[a]!;
    const k = kernel[a]!;
    const d = dil[a]!;
    const range = convTransposeLegalRange(i, k, s, d, { kind: padding });
    const picks: Record<string, Dim> = { Keras: kerasConvTransposeOutput(i, k, s, d, padding, null) };
    if (d === 1) picks["TF.js"] = tfjsConvTransposeOutput(i, k, s, padding);
    // The same layer converted to ONNX (SAME_UPPER / VALID without output_padding).
    picks["ONNX"] = padding === "same" ? convTransposeSame(i, k, s, d, 0).spec : range.lo;
    out.push({ input: i, lo: range.lo, hi: range.hi, stride: s, picks });
  }
  return out;
}

/** `7`, `7x9`, or `(2*ceil(H/8) - 1) x (2*ceil(W/8) - 1)` when the axes are formulas. */
function joinTexts(parts: readonly string[]): string {
  if (parts.every((p) => p === parts[0])) return parts[0]!;
  return parts.some((p) => p.includes(" ")) ? parts.map((p) => (p.includes(" ") ? `(${p})` : p)).join(" x ") : parts.join("x");
}

function joinAxes(values: readonly Dim[]): string {
  return joinTexts(values.map((v) => formatDim(v)));
}

export default defineRule({
  meta: {
    id: "transpose-output-ambiguous",
    defaultSeverity: "info",
    description: "A transposed convolution with stride > 1 relies on a default among several legal output sizes.",
    messages: {
      ambiguous: "{{op}} maps {{input}} to {{output}} by default, but {{legal}} are all legal outputs for stride {{stride}}; defaults: {{picks}}",
    },
  },
  check(ctx) {
    for (const node of ctx.shapes.order) {
      const isOnnx = node.domain === "" && node.opType === "ConvTranspose";
      const isKeras = node.domain === "keras" && /^Conv[123]DTranspose$/.test(node.opType);
      if (!isOnnx && !isKeras) continue;
      const axes = isOnnx ? onnxChoices(ctx.shapes, node) : kerasChoices(ctx.shapes, node);
      if (!axes || !axes.some((a) => a.stride > 1)) continue;
      const out = ctx.shapes.values.get(node.outputs[0] ?? "")?.shape ?? null;
      const legal = axes.map((a) => (isConst(a.lo) && isConst(a.hi) ? `${a.lo}..${a.hi}` : `[${formatDim(a.lo)}, ${formatDim(a.hi)}]`));
      const uniqLegal = legal.every((l) => l === legal[0]) ? legal[0]! : legal.join(" x ");
      const pickNames = Object.keys(axes[0]!.picks);
      const picks = pickNames.map((p) => `${p} ${joinAxes(axes.map((a) => a.picks[p]!))}`).join(", ");
      const strides = axes.map((a) => a.stride);
      ctx.report({
        node,
        messageId: "ambiguous",
        data: {
          op: node.opType,
          input: joinAxes(axes.map((a) => a.input)),
          output: out ? joinAxes((isOnnx || attrValue(node, "data_format") === "channels_first" ? out.slice(2) : out.slice(1, -1)).map((d) => d ?? 0)) : "?",
          legal: uniqLegal,
          stride: strides.every((s) => s === strides[0]) ? strides[0]! : strides.join("x"),
          picks,
        },
        actual: out,
      });
    }
  },
});
