import { describe, expect, it } from "vitest";
import { runRules } from "../../test/helpers/run-rule.js";
import rule from "./rule.js";

describe("input-size-constraint", () => {
  it("a U-Net with plain skip concats runs only for multiples of 4", async () => {
    const findings = await runRules("examples/unet-odd.onnx", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      severity: "warning",
      messageId: "runs",
      message: "the model runs only for H % 4 == 0 and W % 4 == 0 (smallest failing size: H=1, W=1)",
      condition: "H % 4 != 0 or W % 4 != 0",
    });
  });

  it("a dynamic-axes autoencoder reconstructs only multiples of 8", async () => {
    // 8*ceil(H/8) == H
    const findings = await runRules("test/fixtures/torch/mnist_ae_dyn.onnx", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      messageId: "reconstructs",
      message: "the output has the input's size only for H % 8 == 0 and W % 8 == 0 (smallest failing size: H=1, W=1)",
      condition: "H % 8 != 0 or W % 8 != 0",
    });
  });

  it("the autoencoder fixed for 28x28 reconstructs exactly the sizes 8k + 4", async () => {
    // output_padding (0, 1, 1) gives 8*ceil(H/8) - 4, which is H only when H % 8 == 4 (28 is one).
    const findings = await runRules("test/fixtures/torch/mnist_ae_fixed_dyn.onnx", [rule]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toBe("the output has the input's size only for H % 8 == 4 and W % 8 == 4 (smallest failing size: H=1, W=1)");
  });

  it("is silent for models correct at every size", async () => {
    expect(await runRules("examples/unet-interp.onnx", [rule])).toEqual([]);
    expect(await runRules("examples/resnet-odd.onnx", [rule])).toEqual([]);
  });

  it("is silent when the sizes are bound", async () => {
    expect(await runRules("examples/unet-odd.onnx", [rule], { inputShape: { "": [1, 1, 23, 23] } })).toEqual([]);
  });
});
