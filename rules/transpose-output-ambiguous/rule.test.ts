import { describe, expect, it } from "vitest";
import { runRules } from "../../test/helpers/run-rule.js";
import { lint } from "../../src/lint/run-rules.js";
import { propagate } from "../../src/shapes/propagate.js";
import { buildModel } from "../../test/lint/build-model.js";
import rule from "./rule.js";

describe("transpose-output-ambiguous", () => {
  it("lists the legal sizes of each stride-2 ConvTranspose that relies on output_padding 0", async () => {
    // mnist-autoencoder-fixed: dec.0 (k3 s2 p1, output_padding 0) maps 4 -> 7; legal 7..8.
    const findings = await runRules("examples/mnist-autoencoder-fixed.onnx", [rule]);
    const dec0 = findings.find((f) => f.node === "/dec/dec.0/ConvTranspose");
    expect(dec0).toMatchObject({
      severity: "info",
      message: "ConvTranspose maps 4 to 7 by default, but 7..8 are all legal outputs for stride 2; defaults: ONNX/PyTorch 7",
    });
    // dec.2 and dec.4 set output_padding=1 explicitly: a choice, not a default.
    expect(findings.map((f) => f.node)).toEqual(["/dec/dec.0/ConvTranspose"]);
  });

  it("states symbolic ranges", async () => {
    const findings = await runRules("test/fixtures/torch/mnist_ae_fixed_dyn.onnx", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toBe(
      "ConvTranspose maps ceil(H/8)xceil(W/8) to (2*ceil(H/8) - 1) x (2*ceil(W/8) - 1) by default, but [2*ceil(H/8) - 1, 2*ceil(H/8)] x [2*ceil(W/8) - 1, 2*ceil(W/8)] are all legal outputs for stride 2; defaults: ONNX/PyTorch (2*ceil(H/8) - 1) x (2*ceil(W/8) - 1)",
    );
  });

  it("leaves a malformed ConvTranspose (kernel_shape shorter than the rank) to the shape function", () => {
    const model = buildModel({
      inputs: [["x", [1, 4, 8, 8]]],
      outputs: [["y", null]],
      inits: { w: [4, 4, 3, 3] },
      nodes: [{ op: "ConvTranspose", name: "up", inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [3], strides: [2, 2] } }],
    } as never);
    expect(lint(model, propagate(model), { rules: [rule] })).toEqual([]);
  });
});
