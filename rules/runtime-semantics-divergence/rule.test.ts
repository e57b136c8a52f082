import { describe, expect, it } from "vitest";
import { lint } from "../../src/lint/run-rules.js";
import { propagate } from "../../src/shapes/propagate.js";
import { type ModelSpec, buildModel } from "../../test/lint/build-model.js";
import { readme, stylishBlock } from "../../test/lint/readme.js";
import rule from "./rule.js";

function run(spec: ModelSpec) {
  const model = buildModel(spec);
  return lint(model, propagate(model), { rules: [rule] });
}

function one(op: string, attrs: Record<string, number | string | readonly number[]>, input: readonly number[], weight?: readonly number[], producer?: string): ModelSpec {
  return {
    inputs: [["x", input]],
    outputs: [["y", null]],
    inits: weight ? { w: weight } : {},
    nodes: [{ op, name: "n", inputs: weight ? ["x", "w"] : ["x"], outputs: ["y"], attrs }],
    ...(producer ? { producer } : {}),
  };
}

describe("runtime-semantics-divergence", () => {
  it("D3: auto_pad SAME with output_padding, one finding for both axes", () => {
    const findings = run(one("ConvTranspose", { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_UPPER", output_padding: [1, 1] }, [1, 8, 4, 4], [8, 4, 3, 3]));
    expect(readme("runtime-semantics-divergence")).toContain(stylishBlock(findings[0]!));
    expect(findings.map((f) => [f.ruleId, f.severity, f.node, f.messageId, f.message, f.expected, f.actual])).toEqual([
      [
        "runtime-semantics-divergence",
        "warning",
        "n",
        "D3",
        "auto_pad SAME with output_padding 1 (axis 2 and 3): the ONNX spec gives 8, ONNX shape inference 9, onnxruntime 8",
        [8],
        [8],
      ],
    ]);
  });

  it("D4: auto_pad SAME with a kernel extent below the stride", () => {
    const findings = run(one("ConvTranspose", { kernel_shape: [1], strides: [2], auto_pad: "SAME_UPPER" }, [1, 8, 4], [8, 4, 1]));
    expect(findings.map((f) => f.message)).toEqual(["auto_pad SAME with a kernel extent below the stride (axis 2): the ONNX spec gives 8, ONNX shape inference 7, onnxruntime 7"]);
  });

  it("D11: ceil_mode whose last window starts in the padding", () => {
    const findings = run(one("MaxPool", { kernel_shape: [3], strides: [3], pads: [1, 1], ceil_mode: 1 }, [1, 1, 5]));
    expect(findings.map((f) => f.message)).toEqual([
      "ceil_mode (axis 2): the last window would start in the padding; the spec (onnx >= 1.16) and PyTorch give 2, ONNX shape inference before 1.16 gives 3",
    ]);
  });

  it("merges the axes of one node, showing per-axis values as height x width", () => {
    const findings = run({
      inputs: [["x", [1, 1, "H", "W"]]],
      outputs: [["y", null]],
      nodes: [{ op: "MaxPool", name: "pool", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } }],
    });
    expect(findings.map((f) => f.message)).toEqual([
      "ceil_mode (axis 2 and 3): the last window would start in the padding; the spec (onnx >= 1.16) and PyTorch give min(ceil(H/2) + 1, floor(H/2) + 1) x min(ceil(W/2) + 1, floor(W/2) + 1), ONNX shape inference before 1.16 gives ceil(H/2) + 1 x ceil(W/2) + 1",
    ]);
  });

  it("pads not smaller than the pool kernel", () => {
    const findings = run(one("MaxPool", { kernel_shape: [2], strides: [1], pads: [2, 0] }, [1, 1, 5]));
    expect(findings.map((f) => f.messageId)).toContain("padKernel");
    expect(findings.find((f) => f.messageId === "padKernel")!.message).toBe(
      "pads [2, 0] are not smaller than the kernel 2 (axis 2): ONNX shape inference accepts this, onnxruntime rejects it (\"Pad should be smaller than kernel\")",
    );
  });

  it("D8: output_padding between stride and dilation is a divergence in PyTorch files only", () => {
    const attrs = { kernel_shape: [3], strides: [2], dilations: [3], output_padding: [2] };
    expect(run(one("ConvTranspose", attrs, [1, 8, 4], [8, 4, 3], "pytorch")).map((f) => f.message)).toEqual([
      "output_padding 2 is not less than the stride 2 (axis 2): PyTorch accepts it because the dilation is 3, Keras and the stride reading of the ONNX text reject it",
    ]);
    expect(run(one("ConvTranspose", attrs, [1, 8, 4], [8, 4, 3]))).toEqual([]);
  });

  it("TF.js ignores output_padding on a Keras Conv2DTranspose", () => {
    const findings = run({
      format: "keras",
      inputs: [["in", [null, 4, 4, 8]]],
      outputs: [["y", null]],
      nodes: [
        {
          op: "Conv2DTranspose",
          name: "dec1",
          inputs: ["in"],
          outputs: ["y"],
          attrs: { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: "same", output_padding: [0, 0], data_format: "channels_last" },
        },
      ],
    });
    expect(findings.map((f) => [f.messageId, f.message])).toEqual([["tfjs", "TF.js ignores output_padding on this layer: it gives [8, 8] where Keras gives [7, 7]"]]);
  });

  it("is silent when every reading agrees", () => {
    expect(run(one("ConvTranspose", { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_UPPER" }, [1, 8, 4, 4], [8, 4, 3, 3]))).toEqual([]);
    expect(run(one("MaxPool", { kernel_shape: [2], strides: [2], ceil_mode: 1 }, [1, 1, 6]))).toEqual([]);
  });
});
