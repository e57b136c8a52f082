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

/** conv1 makes 32 channels; conv2's weight was made for 64. */
function twoConvs(w2: readonly number[], attrs2: Record<string, number | readonly number[]> = {}, bias?: readonly number[]): ModelSpec {
  return {
    inputs: [["x", [1, 3, 16, 16]]],
    outputs: [["y", null]],
    inits: { w1: [32, 3, 3, 3], w2: w2, ...(bias ? { b2: bias } : {}) },
    nodes: [
      { op: "Conv", name: "conv1", inputs: ["x", "w1"], outputs: ["c1"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", name: "relu1", inputs: ["c1"], outputs: ["r1"] },
      { op: "Conv", name: "conv2", inputs: ["r1", "w2", ...(bias ? ["b2"] : [])], outputs: ["y"], attrs: { kernel_shape: [3, 3], ...attrs2 } },
    ],
  };
}

describe("conv-channel-mismatch", () => {
  it("reports a Conv whose weight expects 64 input channels but gets 32", () => {
    const findings = run(twoConvs([16, 64, 3, 3]));
    expect(findings).toHaveLength(1);
    expect(readme("conv-channel-mismatch")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      ruleId: "conv-channel-mismatch",
      severity: "error",
      node: "conv2",
      op: "Conv",
      messageId: "input",
      message: "input has 32 channels but the weight 'w2' [16, 64, 3, 3] expects 64",
      expected: [1, 64, 16, 16],
      actual: [1, 32, 16, 16],
    });
    expect(findings[0]!.related).toEqual([
      { node: "conv1", role: "input producer", message: "Conv makes 'r1' [1, 32, 16, 16]", location: { file: "model.onnx", nodeIndex: 0, nodeName: "conv1" } },
    ]);
  });

  it("takes group into account: W.shape[1] * group", () => {
    expect(run(twoConvs([16, 8, 3, 3], { group: 2 })).map((f) => f.message)).toEqual([
      "input has 32 channels but the weight 'w2' [16, 8, 3, 3] with group 2 expects 16",
    ]);
  });

  it("reports output channels not divisible by group", () => {
    expect(run(twoConvs([15, 16, 3, 3], { group: 2 })).map((f) => [f.messageId, f.message])).toEqual([["groupOut", "15 output channels are not divisible by group 2"]]);
  });

  it("reports a bias of the wrong length", () => {
    const findings = run(twoConvs([16, 32, 3, 3], {}, [8]));
    expect(findings.map((f) => [f.messageId, f.message, f.expected, f.actual])).toEqual([["bias", "bias 'b2' has 8 entries but the op has 16 output channels", [16], [8]]]);
  });

  it("reports a ConvTranspose whose weight's first dim is not the input channel count", () => {
    const findings = run({
      inputs: [["x", [1, 8, 7, 7]]],
      outputs: [["y", null]],
      inits: { w: [4, 2, 3, 3] },
      nodes: [{ op: "ConvTranspose", name: "up", inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [3, 3], strides: [2, 2] } }],
    });
    expect(findings.map((f) => f.message)).toEqual(["input has 8 channels but the weight 'w' [4, 2, 3, 3] expects 4"]);
  });

  it("reports a Keras layer built for another channel count than it receives", () => {
    const findings = run({
      format: "keras",
      inputs: [["in", [null, 8, 8, 4]]],
      outputs: [["y", null]],
      nodes: [
        {
          op: "Conv2D",
          name: "conv",
          inputs: ["in"],
          outputs: ["y"],
          attrs: { filters: 8, kernel_size: [3, 3], padding: "same", data_format: "channels_last", build_config: { json: { input_shape: [null, 8, 8, 3] } } },
        },
      ],
    });
    expect(findings.map((f) => [f.messageId, f.message, f.expected, f.actual])).toEqual([
      ["built", "the layer was built for 3 input channels (build_config) but receives 4", ["in_d0", 8, 8, 3], ["in_d0", 8, 8, 4]],
    ]);
  });

  it("is silent when the channels match", () => {
    expect(run(twoConvs([16, 32, 3, 3]))).toEqual([]);
    expect(run(twoConvs([16, 16, 3, 3], { group: 2 }))).toEqual([]);
  });
});
