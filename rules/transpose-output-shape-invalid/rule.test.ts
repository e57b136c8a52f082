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

/** ConvTranspose(k3, s2) on 1x8x4x4 with the given attributes. */
function deconv(attrs: Record<string, number | string | readonly number[]>, producer?: string): ModelSpec {
  return {
    inputs: [["x", [1, 8, 4, 4]]],
    outputs: [["y", null]],
    inits: { w: [8, 4, 3, 3] },
    nodes: [{ op: "ConvTranspose", name: "up", inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [3, 3], strides: [2, 2], ...attrs } }],
    ...(producer ? { producer } : {}),
  };
}

describe("transpose-output-shape-invalid", () => {
  it("reports a SAME output_shape outside [s(i-1)+1, s*i]", () => {
    const findings = run(deconv({ auto_pad: "SAME_UPPER", output_shape: [10, 8] }));
    expect(findings).toHaveLength(1);
    expect(readme("transpose-output-shape-invalid")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      ruleId: "transpose-output-shape-invalid",
      severity: "error",
      node: "up",
      messageId: "outOfRange",
      message:
        "output_shape 10 is outside the legal range [7, 8] for an input of 4 (axis 2); TensorFlow fails with \"Size of out_backprop doesn't match computed\"",
      expected: [8],
      actual: [10],
      fix: [{ node: "up", attribute: "output_shape", from: [10, 8], to: [8, 8], note: "nearest legal size" }],
    });
  });

  it("reports a VALID output_shape below F = s(i-1) + k", () => {
    expect(run(deconv({ auto_pad: "VALID", output_shape: [8, 9] })).map((f) => [f.message, f.fix[0]?.to])).toEqual([
      ["output_shape 8 is outside the legal range [9, 10] for an input of 4 (axis 2); TensorFlow fails with \"Size of out_backprop doesn't match computed\"", [9, 9]],
    ]);
  });

  it("checks explicit-padding output_shape only for TensorFlow exports", () => {
    expect(run(deconv({ output_shape: [8, 9] }))).toEqual([]);
    expect(run(deconv({ output_shape: [8, 9] }, "tf2onnx")).map((f) => f.messageId)).toEqual(["outOfRange"]);
  });

  it("reports an output_shape smaller than the input", () => {
    const findings = run(deconv({ output_shape: [3, 3] }));
    expect(findings.map((f) => [f.messageId, f.message, f.actual])).toEqual([
      ["tooSmall", "output_shape 3 is smaller than the input 4 (axis 2 and 3); a transposed convolution cannot shrink its input", [3, 3]],
    ]);
  });

  it("reports an output_shape with the wrong number of values", () => {
    expect(run(deconv({ output_shape: [9, 9, 9] })).map((f) => f.message)).toEqual(["output_shape has 3 values but the op has 2 spatial axes"]);
  });

  it("reports a Keras 1 Deconvolution2D output_shape out of range", () => {
    const findings = run({
      format: "keras",
      opset: 1,
      inputs: [["in", [null, 4, 4, 8]]],
      outputs: [["y", null]],
      nodes: [
        {
          op: "Conv2DTranspose",
          name: "deconv",
          inputs: ["in"],
          outputs: ["y"],
          attrs: { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: "same", output_shape: { json: [null, 9, 8, 4] }, data_format: "channels_last" },
        },
      ],
    });
    expect(findings.map((f) => [f.message, f.fix])).toEqual([
      [
        "output_shape 9 is outside the legal range [7, 8] for an input of 4 (axis 1); TensorFlow fails with \"Size of out_backprop doesn't match computed\"",
        [{ node: "deconv", attribute: "output_shape", from: [null, 9, 8, 4], to: [null, 8, 8, 4], note: "nearest legal size" }],
      ],
    ]);
  });

  it("is silent for legal output shapes", () => {
    expect(run(deconv({ auto_pad: "SAME_UPPER", output_shape: [7, 8] }))).toEqual([]);
    expect(run(deconv({ auto_pad: "VALID", output_shape: [9, 10] }))).toEqual([]);
  });
});
