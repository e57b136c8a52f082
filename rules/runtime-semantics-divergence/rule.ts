/**
 * runtime-semantics-divergence: the file is legal, but the spec, ONNX shape inference,
 * onnxruntime, PyTorch, Keras or TF.js disagree about what this node computes (peers.md section 8:
 * SAME with output_padding D3, SAME with a small kernel D4, output_shape pad splits D5/D10,
 * `ceil_mode` last window D11, ...). Propagation follows the spec and records every other reading
 * as a `runtime-divergence` fact; this rule turns each into a warning that names the readings and
 * the sizes they give. Facts that other rules report as errors (D7 output_shape below the input,
 * D8 output_padding beyond the stride outside PyTorch files) are left to them.
 */
import type { Node } from "../../src/ir/graph.js";
import { defineRule } from "../../src/lint/define-rule.js";
import { factsOf, isDim, listText, show } from "../../src/lint/rule-utils.js";

type Data = Readonly<Record<string, unknown>>;

export default defineRule({
  meta: {
    id: "runtime-semantics-divergence",
    defaultSeverity: "warning",
    description: "Runtimes and frameworks disagree about the output of this node, so its shape depends on where the model runs.",
    messages: {
      D2: "at opset {{opset}} ConvTranspose-1's text makes an auto_pad SAME output match its input {{input}}; later text and current runtimes give input * stride",
      D3: "auto_pad SAME with output_padding {{outputPadding}} (axis {{axis}}): the ONNX spec gives {{spec}}, ONNX shape inference {{onnxInference}}, onnxruntime {{onnxruntime}}",
      D4: "auto_pad SAME with a kernel extent below the stride (axis {{axis}}): the ONNX spec gives {{spec}}, ONNX shape inference {{onnxInference}}, onnxruntime {{onnxruntime}}",
      D5: "output_shape needs an odd total padding of {{total}} (axis {{axis}}): the spec puts the extra pad at the start ({{spec}}), onnxruntime before 1.14 at the end ({{old}}), which shifts the output by one",
      D6: "output_shape {{outputShape}} lists N and C: the spec wants the spatial sizes {{spatial}} only; ONNX shape inference rejects it, onnxruntime accepts it",
      D8: "output_padding {{outputPadding}} is not less than the stride {{stride}} (axis {{axis}}): PyTorch accepts it because the dilation is {{dilation}}, Keras and the stride reading of the ONNX text reject it",
      D9: "pads {{pads}} and output_shape {{outputShape}} are both set: the spec ignores the pads, onnx.reference uses them",
      D10: "output_shape {{output}} (axis {{axis}}) is larger than the full transposed convolution (total padding {{total}}): ONNX C++ splits the padding as {{cpp}}, onnx.reference as {{reference}}, onnxruntime uses 0",
      D11: "ceil_mode (axis {{axis}}): the last window would start in the padding; the spec (onnx >= 1.16) and PyTorch give {{spec}}, ONNX shape inference before 1.16 gives {{legacy}}",
      padFusion: "the Pad '{{padNode}}' before this ceil_mode pool (axis {{axis}}): the file means {{spec}}, onnxruntime's pad fusion gives {{optimized}}",
      padKernel: "pads {{pads}} are not smaller than the kernel {{kernel}} (axis {{axis}}): ONNX shape inference accepts this, onnxruntime rejects it (\"Pad should be smaller than kernel\")",
      resizeRoi: "Resize with roi {{roi}} (axis {{axis}}): the spec text gives {{spec}}, ONNX shape inference and onnxruntime give {{runtime}}",
      tfjs: "TF.js ignores {{attributes}} on this layer: it gives {{tfjs}} where Keras gives {{keras}}",
      keras: "{{reason}} (strides {{strides}}, dilation_rate {{dilation}})",
      other: "runtimes disagree on this node ({{id}}: {{details}})",
    },
  },
  check(ctx) {
    // One finding per node and divergence, over all its axes: a value that differs per axis is
    // shown per axis, `a x b` (the height x width reading of the other findings).
    const groups = new Map<string, { node: Node; facts: Data[]; axes: string[] }>();
    for (const f of factsOf(ctx.shapes, "runtime-divergence")) {
      const id = typeof f.data.id === "string" ? f.data.id : typeof f.data.runtime === "string" ? `runtime:${f.data.runtime}` : "unknown";
      if (id === "D7") continue;
      if (id === "D8" && ctx.framework !== "pytorch") continue;
      if (id === "runtime:tfjs" && f.data.differs !== true) continue;
      const { axis, ...rest } = f.data;
      const distinct = id === "unknown" || id.startsWith("runtime:") ? `\u0000${show(rest)}` : "";
      const key = `${ctx.shapes.order.indexOf(f.node)}\u0000${f.node.name}\u0000${id}${distinct}`;
      const g = groups.get(key) ?? groups.set(key, { node: f.node, facts: [], axes: [] }).get(key)!;
      g.facts.push(f.data);
      if (axis !== undefined && axis !== null) g.axes.push(show(axis));
    }
    const merge = (facts: readonly Data[]): Data => {
      const out: Record<string, unknown> = {};
      for (const k of new Set(facts.flatMap((f) => Object.keys(f)))) {
        const values = facts.map((f) => f[k]);
        const shown = values.map(show);
        out[k] = shown.every((x) => x === shown[0]) ? values[0] : shown.join(" x ");
      }
      return out;
    };
    for (const { node, facts, axes } of groups.values()) {
      const d = merge(facts);
      const axis = listText(axes);
      const id = typeof d.id === "string" ? d.id : null;
      const base = { node };
      switch (id) {
        case "D2":
          ctx.report({ ...base, messageId: "D2", data: { opset: show(d.opset), input: show(d.convTranspose1Text) } });
          break;
        case "D3":
        case "D4": {
          const data = { axis, outputPadding: show(d.outputPadding), spec: show(d.spec), onnxInference: show(d.onnxInference), onnxruntime: show(d.onnxruntime) };
          const sizes = isDim(d.spec) && isDim(d.onnxruntime) ? { expected: [d.spec], actual: [d.onnxruntime] } : {};
          if (id === "D3") ctx.report({ ...base, ...sizes, messageId: "D3", data });
          else ctx.report({ ...base, ...sizes, messageId: "D4", data });
          break;
        }
        case "D5":
          ctx.report({ ...base, messageId: "D5", data: { axis, total: show(d.total), spec: show(d.spec), old: show(d.onnxruntimeBefore13311) } });
          break;
        case "D6":
          ctx.report({ ...base, messageId: "D6", data: { outputShape: show(d.outputShape), spatial: show(d.spatial) } });
          break;
        case "D8":
          ctx.report({ ...base, messageId: "D8", data: { axis, outputPadding: show(d.outputPadding), stride: show(d.stride), dilation: show(d.dilation) } });
          break;
        case "D9":
          ctx.report({ ...base, messageId: "D9", data: { pads: show(d.pads), outputShape: show(d.outputShape) } });
          break;
        case "D10":
          ctx.report({ ...base, messageId: "D10", data: { axis, output: show(d.output), total: show(d.total), cpp: show(d.cppTruncation), reference: show(d.onnxReference) } });
          break;
        case "D11":
          ctx.report({ ...base, messageId: "D11", data: { axis, spec: show(d.spec), legacy: show(d.onnxInferenceBefore1_16) } });
          break;
        case "ort-pad-fusion":
          ctx.report({ ...base, messageId: "padFusion", data: { axis, padNode: show(d.padNode), spec: show(d.spec), optimized: show(d.onnxruntimeOptimized) } });
          break;
        case "pool-pad-ge-kernel":
          ctx.report({ ...base, messageId: "padKernel", data: { axis, pads: show(d.pads), kernel: show(d.kernel) } });
          break;
        case "resize-roi":
          ctx.report({ ...base, messageId: "resizeRoi", data: { axis, roi: show(d.roi), spec: show(d.spec), runtime: show(d.onnxruntime) } });
          break;
        default:
          if (d.runtime === "tfjs") {
            const attrs = Array.isArray(d.attributes) ? listText(d.attributes.map(String)) : show(d.attributes);
            ctx.report({ ...base, messageId: "tfjs", data: { attributes: attrs, tfjs: show(d.tfjs), keras: show(d.keras) } });
          } else if (typeof d.reason === "string") {
            ctx.report({ ...base, messageId: "keras", data: { reason: d.reason, strides: show(d.strides), dilation: show(d.dilation) } });
          } else {
            const { id: _id, ...details } = d;
            void _id;
            ctx.report({ ...base, messageId: "other", data: { id: id ?? "unknown", details: show(details) } });
          }
      }
    }
  },
});
