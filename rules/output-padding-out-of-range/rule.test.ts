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

/** ConvTranspose(k3, pads 1) on a 1x8x4x4 input. */
function deconv(attrs: Record<string, number | readonly number[]>, producer?: string, name = "/dec/dec.0/ConvTranspose"): ModelSpec {
  return {
    inputs: [["x", [1, 8, 4, 4]]],
    outputs: [["y", null]],
    inits: { w: [8, 4, 3, 3] },
    nodes: [{ op: "ConvTranspose", name, inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], ...attrs } }],
    ...(producer ? { producer } : {}),
  };
}

describe("output-padding-out-of-range", () => {
  it("reports output_padding equal to the stride, which no framework accepts", () => {
    const findings = run(deconv({ strides: [2, 2], output_padding: [2, 2] }));
    expect(findings).toHaveLength(1);
    expect(readme("output-padding-out-of-range")).toContain(stylishBlock(findings[0]!));
    expect(findings[0]).toMatchObject({
      ruleId: "output-padding-out-of-range",
      severity: "error",
      node: "/dec/dec.0/ConvTranspose",
      messageId: "noReading",
      message: "output_padding 2 is not less than the stride 2 or the dilation 1 (axis 2 and 3); no framework accepts it",
      expected: [1, 1],
      actual: [2, 2],
      fix: [{ node: "/dec/dec.0/ConvTranspose", attribute: "output_padding", from: [2, 2], to: [1, 1], note: "largest legal value; axis 2 gives 8 instead of 9, axis 3 gives 8 instead of 9" }],
    });
  });

  it("adds the PyTorch module fix for files PyTorch wrote", () => {
    const [f] = run(deconv({ strides: [2, 2], output_padding: [0, 3] }, "pytorch"));
    expect(f!.message).toBe("output_padding 3 is not less than the stride 2 or the dilation 1 (axis 3); no framework accepts it");
    expect(f!.fix).toEqual([
      { node: "/dec/dec.0/ConvTranspose", attribute: "output_padding", from: [0, 3], to: [0, 1], note: "largest legal value; axis 3 gives 8 instead of 10" },
      { node: "dec.0", attribute: "output_padding", from: [0, 3], to: [0, 1], framework: "pytorch" },
    ]);
  });

  it("reports stride <= output_padding < dilation for ONNX files, not for PyTorch ones", () => {
    const attrs = { strides: [2, 2], dilations: [3, 3], output_padding: [2, 2] };
    expect(run(deconv(attrs)).map((f) => [f.messageId, f.message])).toEqual([
      [
        "strideDilated",
        "output_padding 2 is not less than the stride 2 (axis 2 and 3); ONNX requires output_padding < stride, and only PyTorch accepts it (the dilation is 3)",
      ],
    ]);
    expect(run(deconv(attrs, "pytorch"))).toEqual([]);
  });

  it("reports a Keras Conv2DTranspose whose output_padding is not below its strides", () => {
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
          attrs: { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: "same", output_padding: [2, 1], data_format: "channels_last" },
        },
      ],
    });
    expect(findings.map((f) => [f.messageId, f.message, f.fix])).toEqual([
      [
        "stride",
        "output_padding 2 is not less than the stride 2 (axis 1); Keras requires output_padding < stride",
        [{ node: "dec1", attribute: "output_padding", from: [2, 1], to: [1, 1], note: "largest legal value; axis 1 gives 8 instead of 9" }],
      ],
    ]);
  });

  it("is silent for legal values", () => {
    expect(run(deconv({ strides: [2, 2], output_padding: [1, 1] }))).toEqual([]);
  });
});
